// StaticPodSource: the pods of a folder of manifest files, as the kubelet's static pods.
//
//   StaticPodSource source({"/etc/krl/pods", "node-1"}, RealClock::Get(),
//                          [&](const std::vector<corev1::PodPtr>& pods) { agent.SetPods(pods); });
//   if (absl::Status started = source.Start(); !started.ok()) return started;
//
// What it reads: every regular file (or symlink to one) directly in the folder whose name does not
// start with '.' (the kubelet's rule, which also skips editor swap and lock files such as
// ".web.yaml.swp"), in name order; sub-folders are not entered. Each file holds one or more YAML
// documents or JSON (DecodePodManifests), and each pod gets the static pod defaults (static_pod.h:
// derived uid, "-<node>" name suffix, config annotations) plus kubernetes.io/config.seen, the time
// the uid was first seen, kept while the pod is unchanged.
//
// What it emits: full snapshots, the kubelet's SET operation: every pod of the folder, ordered by
// file name then position in the file. The first scan always emits (possibly an empty snapshot, so
// the agent knows the source was read); later scans emit only when the snapshot changed. Pods are
// shared and immutable (corev1::PodPtr): the source keeps one copy of each, and a pod that did
// not change is the same object in every snapshot, so a receiver can keep it without copying.
//
// When it scans: Start() scans once, then an inotify watch on the folder (file closed after
// writing, moved in or out, created, deleted, attributes changed) triggers a full re-scan, and a
// full re-scan runs at least every `resync_period` (20 s, the kubelet's file check frequency) as a
// safety net for missed events. Only files whose content changed are decoded again.
//
// Errors (the safe behaviour, chosen on purpose; see below):
// - A file that fails to decode or validate is reported once per content change, as one log line
//   and in Errors(), with the decoder's "FILE:LINE: FIELD: DETAIL" message. The pods the file
//   defined when it was last good stay in the snapshot, so a typo saved in an editor never kills
//   a running pod; a file that was never good contributes no pods. The kubelet is inconsistent
//   here (its inotify path keeps the old pod, its periodic listing drops it); keeping is the safe
//   choice and is applied on both paths. Every other file is unaffected.
// - A pod whose namespace/name is already defined by another file is rejected with an error naming
//   both files. The file that defined it in the previous snapshot keeps it; otherwise the first
//   file in name order does (the kubelet silently lets the last file win).
// - A removed file takes its pods out of the snapshot (the agent kills them).
// - A missing folder means no pods (as the kubelet: it emits an empty set), reported once; the
//   watch is set up again when the folder reappears. A folder that cannot be read (permissions)
//   keeps the previous snapshot and is reported (before a first successful read nothing is
//   emitted, so the agent does not mistake it for an empty folder).
//
// Threads: with `watch_thread` (the default) Start() runs one thread that waits on inotify and the
// clock and calls the callback. Rescan() and PollOnce() may be called from any thread; scans are
// serialized, and the callback runs on the scanning thread, one call at a time, in order. The
// callback must not call Rescan(), PollOnce() or Stop() (it runs under the scan lock). Pods(),
// Errors(), generation() and WaitForGeneration() are safe from any thread, including the callback.
// `scan_mu_` serializes scans and guards the per-file state; `mu_` guards what readers see.
//
// Time: the re-scan period is measured on the injected Clock. With RealClock the thread sleeps
// exactly until the next re-scan; with any other clock (a FakeClock) it re-checks the clock every
// few milliseconds, because a Clock cannot wake a waiter. Tests step deterministically with
// `watch_thread = false`, driving PollOnce() (inotify events and due re-scans) and Rescan().
#ifndef KRL_KUBELET_CORE_CONFIG_STATIC_POD_SOURCE_H_
#define KRL_KUBELET_CORE_CONFIG_STATIC_POD_SOURCE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "api/core/v1/pod.h"
#include "runtime/util/clock.h"
#include "runtime/util/mutex.h"

namespace krl {
namespace kubelet_core {
namespace config {

class StaticPodSource {
 public:
  struct Options {
    // The manifest folder (--pod-manifest-path). Trailing slashes are ignored.
    std::string manifest_dir;
    // The node name (--node-name): part of every uid and the suffix of every pod name.
    std::string node_name;
    // A full re-scan at least this often, besides inotify (the kubelet's --file-check-frequency).
    absl::Duration resync_period = absl::Seconds(20);
    // false: Start() sets up the watch and scans once but runs no thread; the caller drives
    // PollOnce() (deterministic tests, or an embedder with its own loop).
    bool watch_thread = true;
    // true (the default): a manifest with an unknown key is invalid, as `kubectl apply
    // --validate=strict` would find it. false: unknown keys are logged as warnings and ignored,
    // except where they could be a security or resource restriction (securityContext,
    // resources, volumes, volumeMounts, and the pod spec's and containers' own keys), which stay
    // errors. See DecodeOptions in api/core/v1/manifest_decoder.h.
    bool refuse_unknown_fields = true;
  };

  using SnapshotCallback = std::function<void(const std::vector<corev1::PodPtr>& pods)>;

  // Nothing is read before Start(). `clock` must outlive this.
  StaticPodSource(Options options, Clock& clock, SnapshotCallback on_snapshot);
  // Stops the thread.
  ~StaticPodSource();

  StaticPodSource(const StaticPodSource&) = delete;
  StaticPodSource& operator=(const StaticPodSource&) = delete;

  // Checks the options (InvalidArgument for an empty folder path, a bad node name or a period
  // that is not positive), sets up inotify (Internal if the kernel refuses), scans once (the first
  // snapshot is emitted before Start returns) and starts the thread. A missing folder is not an
  // error. Call once.
  [[nodiscard]] absl::Status Start();

  // Stops and joins the thread (returns promptly: the thread's waits are interruptible).
  // Idempotent. Rescan() and PollOnce() keep working afterwards.
  void Stop();

  // A full scan now; returns whether a snapshot was emitted. Synchronous.
  bool Rescan();

  // Waits up to `max_wait` (real time) for inotify events and handles them (one full scan if any
  // event concerns a manifest), and runs the periodic re-scan when it is due on the clock. Returns
  // whether a snapshot was emitted. Only for `watch_thread = false` (the thread owns it
  // otherwise); requires Start().
  bool PollOnce(absl::Duration max_wait = absl::ZeroDuration());

  // The last snapshot emitted.
  std::vector<corev1::PodPtr> Pods() const;

  // The current problems: file path (or the folder path) -> error. Empty when all is well.
  std::map<std::string, absl::Status> Errors() const;

  // How many snapshots were emitted so far (1 after Start()). Counted when the callback returned,
  // so after WaitForGeneration(n) the n-th callback has completed.
  uint64_t generation() const;

  // Blocks until generation() >= `generation`, at most `timeout` of real time; false on timeout.
  [[nodiscard]] bool WaitForGeneration(uint64_t generation, absl::Duration timeout) const;

 private:
  // What the last read of one file gave.
  struct FileState {
    // A fingerprint of the file's last read (size and hash), not the text: it only tells whether
    // the file changed, and a node's thousand manifests need not stay in memory.
    size_t content_size = 0;
    size_t content_hash = 0;
    bool read_ok = false;    // content_size and content_hash describe the file's last read
    absl::Status error;      // of that content (decode, validation or read error)
    bool ever_good = false;  // `pods` holds a good version
    // Defaulted pods of the last good content; once published, the published pod (with its
    // config.seen annotation), so the file and the snapshot share one copy.
    std::vector<corev1::PodPtr> pods;
  };

  // One scan of the folder; emits when the snapshot changed (or on the first scan).
  bool ScanLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(scan_mu_);
  // Reads one file into its state; logs when the outcome changed.
  void ReadFileLocked(const std::string& path, FileState* state)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(scan_mu_);
  // Adds the inotify watch when it is missing and the folder exists.
  void EnsureWatchLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(scan_mu_);
  // Reads pending inotify events; true when one concerns a manifest (or the folder itself).
  bool DrainEventsLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(scan_mu_);
  bool PollOnceInternal(absl::Duration max_wait);
  void ThreadMain();

  const Options options_;
  Clock& clock_;
  const SnapshotCallback on_snapshot_;
  const bool real_clock_;

  // Written by Start() before the thread exists, then only read (except watch_fd_, see below).
  int inotify_fd_ = -1;
  int wake_fd_ = -1;  // eventfd that interrupts the thread's poll() on Stop()
  std::thread thread_;

  mutable krl::Mutex scan_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  std::map<std::string, FileState> files_ ABSL_GUARDED_BY(scan_mu_);
  int watch_fd_ ABSL_GUARDED_BY(scan_mu_) = -1;
  absl::Time next_rescan_ ABSL_GUARDED_BY(scan_mu_) = absl::InfinitePast();
  bool emitted_once_ ABSL_GUARDED_BY(scan_mu_) = false;
  // uid -> config.seen value, for the pods of the last snapshot.
  std::map<std::string, std::string> seen_ ABSL_GUARDED_BY(scan_mu_);
  // Errors already logged that are not tied to a file's content (duplicates, folder problems).
  std::set<std::string> logged_ ABSL_GUARDED_BY(scan_mu_);
  // namespace/name -> file path, of the last snapshot (who keeps a duplicated name).
  std::map<std::string, std::string> owners_ ABSL_GUARDED_BY(scan_mu_);
  bool started_ ABSL_GUARDED_BY(scan_mu_) = false;

  mutable krl::Mutex mu_;
  std::vector<corev1::PodPtr> pods_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, absl::Status> errors_ ABSL_GUARDED_BY(mu_);
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace config
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_CONFIG_STATIC_POD_SOURCE_H_

#!/usr/bin/env bash
# The `cri` binary against tools/fake_cri_server on a private unix socket: the whole pod and
# container lifecycle through the real gRPC client, then a clean SIGTERM of the server.
#
#   cri_fake_server_test.sh CRI_BINARY FAKE_CRI_SERVER_BINARY
set -euo pipefail

CRI_BIN="$1"
SERVER_BIN="$2"

# Socket paths must stay under 108 bytes: a short folder under /tmp, not TEST_TMPDIR.
dir="$(mktemp -d /tmp/cri-sh-XXXXXX)"
endpoint="unix://${dir}/cri.sock"
server_pid=""

cleanup() {
  if [[ -n "${server_pid}" ]] && kill -0 "${server_pid}" 2>/dev/null; then
    kill -TERM "${server_pid}" 2>/dev/null || true
    wait "${server_pid}" 2>/dev/null || true
  fi
  rm -rf "${dir}"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  echo "--- server log ---" >&2
  cat "${dir}/server.log" >&2 || true
  exit 1
}

"${SERVER_BIN}" --listen "${endpoint}" 2>"${dir}/server.log" &
server_pid=$!

# The client's connect timeout is the wait for the server: it retries until the socket accepts.
cri() { "${CRI_BIN}" --runtime-endpoint "${endpoint}" --timeout 20s "$@"; }

version="$(cri version)" || fail "cri version"
grep -q '^RuntimeName:  krl-fake-cri$' <<<"${version}" || fail "version output: ${version}"
grep -q '^RuntimeApiVersion:  v1$' <<<"${version}" || fail "version output: ${version}"
grep -q '^dockerless: true$' <<<"${version}" || fail "version output: ${version}"

cat >"${dir}/pod.json" <<'JSON'
{"metadata": {"name": "shell-pod", "namespace": "default", "uid": "uid-shell", "attempt": 0}}
JSON
cat >"${dir}/container.json" <<'JSON'
{"metadata": {"name": "shell-app"}, "image": {"image": "registry.example/busybox:1.36"},
 "command": ["sleep", "3600"]}
JSON

cri pull registry.example/busybox:1.36 >/dev/null || fail "pull"
pod="$(cri runp "${dir}/pod.json")" || fail "runp"
[[ "${pod}" =~ ^[0-9a-f]{64}$ ]] || fail "runp printed '${pod}', not a pod id"
container="$(cri create "${pod:0:8}" "${dir}/container.json" "${dir}/pod.json")" || fail "create"
[[ "${container}" =~ ^[0-9a-f]{64}$ ]] || fail "create printed '${container}'"
[[ "$(cri start "${container:0:8}")" == "${container}" ]] || fail "start"

ps_out="$(cri ps)" || fail "ps"
grep -q "^${container:0:13} .*Running .*shell-app .*${pod:0:13} .*shell-pod$" <<<"${ps_out}" ||
  fail "ps output: ${ps_out}"

[[ "$(cri stop -t 1 "${container:0:8}")" == "${container}" ]] || fail "stop"
grep -q "Exited" <<<"$(cri ps -a)" || fail "ps -a after stop: $(cri ps -a)"
[[ "$(cri rm "${container:0:8}")" == "${container}" ]] || fail "rm"
[[ -z "$(cri ps -a -q)" ]] || fail "containers left after rm: $(cri ps -a -q)"

[[ "$(cri stopp "${pod:0:8}")" == "${pod}" ]] || fail "stopp"
[[ "$(cri rmp "${pod:0:8}")" == "${pod}" ]] || fail "rmp"
[[ -z "$(cri pods -q)" ]] || fail "pods left after rmp: $(cri pods -q)"

# Usage errors exit 2 and runtime lookups that fail exit 1.
set +e
cri frobnicate 2>/dev/null
[[ $? -eq 2 ]] || fail "unknown command did not exit 2"
cri inspect nosuchid 2>/dev/null
[[ $? -eq 1 ]] || fail "unknown container did not exit 1"
set -e

kill -TERM "${server_pid}"
wait "${server_pid}" || fail "server exited with $? after SIGTERM"
server_pid=""
[[ ! -S "${dir}/cri.sock" ]] || fail "server left its socket behind"
echo "PASS: cri drove the fake CRI server through a full lifecycle"

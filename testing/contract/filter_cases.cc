// Contract cases about list filters: id, unique id prefix, state, pod sandbox id, label selector
// and their combinations, for ListPodSandbox, ListContainers and ListContainerStats.
//
// Other cases may have objects on the same runtime, so every list is either narrowed to this
// case's label or checked only for what it must and must not contain.
#include <algorithm>
#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <vector>

#include "testing/contract/case_scope.h"
#include "testing/contract/contract_case.h"

namespace krl {
namespace testing {
namespace contract {
namespace {

using Process = RuntimeTarget::Process;
using IdList = std::vector<std::string>;

IdList Sorted(IdList ids) {
  std::sort(ids.begin(), ids.end());
  return ids;
}

template <typename Filter>
void SetSelector(Filter* filter, const Labels& labels) {
  for (const auto& [key, value] : labels) (*filter->mutable_label_selector())[key] = value;
}

cri::PodSandboxFilter PodFilter(const std::string& id = "",
                                std::optional<cri::PodSandboxState> state = std::nullopt,
                                const Labels& labels = {}) {
  cri::PodSandboxFilter filter;
  filter.set_id(id);
  if (state.has_value()) filter.mutable_state()->set_state(*state);
  SetSelector(&filter, labels);
  return filter;
}

cri::ContainerFilter ContainerFilter(const std::string& id = "",
                                     std::optional<cri::ContainerState> state = std::nullopt,
                                     const std::string& pod_sandbox_id = "",
                                     const Labels& labels = {}) {
  cri::ContainerFilter filter;
  filter.set_id(id);
  if (state.has_value()) filter.mutable_state()->set_state(*state);
  filter.set_pod_sandbox_id(pod_sandbox_id);
  SetSelector(&filter, labels);
  return filter;
}

absl::Status StopPod(CaseScope& scope, const std::string& id) {
  cri::StopPodSandboxRequest request;
  request.set_pod_sandbox_id(id);
  return scope.rs().StopPodSandbox(request).status();
}

void PodsById(RuntimeTarget& target) {
  CaseScope scope(target);
  CaseScope::Pod a = scope.RunPod("a");
  CaseScope::Pod b = scope.RunPod("b");
  CHECK(Ids(scope.ListPods(PodFilter(a.id))) == IdList{a.id});
  CHECK(Ids(scope.ListPods(PodFilter(b.id))) == IdList{b.id});
  // containerd resolves a unique prefix to the full id before filtering.
  CHECK(Ids(scope.ListPods(PodFilter(a.id.substr(0, 12)))) == IdList{a.id});
  // No filter (or an empty one) lists both.
  const IdList all = Ids(scope.ListPods(cri::PodSandboxFilter()));
  CHECK(Contains(all, a.id));
  CHECK(Contains(all, b.id));
}

void PodsByUnknownIdListNothing(RuntimeTarget& target) {
  CaseScope scope(target);
  CHECK(scope.ListPods(PodFilter(std::string(64, 'e'))).empty());
  CHECK(scope.ListPods(PodFilter("not-an-id")).empty());
}

void PodsByState(RuntimeTarget& target) {
  CaseScope scope(target);
  CaseScope::Pod ready = scope.RunPod("ready");
  CaseScope::Pod stopped = scope.RunPod("stopped");
  KRL_REQUIRE_OK(StopPod(scope, stopped.id));
  const Labels mine = scope.Selector();
  CHECK(Ids(scope.ListPods(PodFilter("", cri::SANDBOX_READY, mine))) == IdList{ready.id});
  CHECK(Ids(scope.ListPods(PodFilter("", cri::SANDBOX_NOTREADY, mine))) == IdList{stopped.id});
  // Without the label: every item listed is in the state asked for.
  for (cri::PodSandboxState state : {cri::SANDBOX_READY, cri::SANDBOX_NOTREADY}) {
    const std::vector<cri::PodSandbox> listed = scope.ListPods(PodFilter("", state));
    for (const cri::PodSandbox& pod : listed) CHECK(pod.state() == state);
    CHECK(Contains(Ids(listed), state == cri::SANDBOX_READY ? ready.id : stopped.id));
  }
}

void PodsByLabels(RuntimeTarget& target) {
  CaseScope scope(target);
  CaseScope::Pod web_prod = scope.RunPod("web-prod", {{"tier", "web"}, {"env", "prod"}});
  CaseScope::Pod web_dev = scope.RunPod("web-dev", {{"tier", "web"}, {"env", "dev"}});
  CaseScope::Pod db = scope.RunPod("db", {{"tier", "db"}});
  CHECK(Sorted(Ids(scope.ListPods(PodFilter("", std::nullopt, scope.Selector())))) ==
        Sorted({web_prod.id, web_dev.id, db.id}));
  CHECK(
      Sorted(Ids(scope.ListPods(PodFilter("", std::nullopt, scope.Selector({{"tier", "web"}}))))) ==
      Sorted({web_prod.id, web_dev.id}));
  // Every label of the selector must match.
  CHECK(Ids(scope.ListPods(
            PodFilter("", std::nullopt, scope.Selector({{"tier", "web"}, {"env", "prod"}})))) ==
        IdList{web_prod.id});
  CHECK(scope.ListPods(PodFilter("", std::nullopt, scope.Selector({{"tier", "cache"}}))).empty());
  CHECK(scope.ListPods(PodFilter("", std::nullopt, scope.Selector({{"missing", "x"}}))).empty());
}

void PodFiltersCombine(RuntimeTarget& target) {
  CaseScope scope(target);
  CaseScope::Pod a = scope.RunPod("a", {{"tier", "web"}});
  CaseScope::Pod b = scope.RunPod("b", {{"tier", "web"}});
  KRL_REQUIRE_OK(StopPod(scope, b.id));
  CHECK(Ids(scope.ListPods(PodFilter(a.id, cri::SANDBOX_READY,
                                     scope.Selector({{"tier", "web"}})))) == IdList{a.id});
  CHECK(scope.ListPods(PodFilter(a.id, cri::SANDBOX_NOTREADY)).empty());
  CHECK(scope.ListPods(PodFilter(a.id, std::nullopt, {{"tier", "db"}})).empty());
  CHECK(Ids(scope.ListPods(PodFilter("", cri::SANDBOX_NOTREADY,
                                     scope.Selector({{"tier", "web"}})))) == IdList{b.id});
}

void PodListItemsCarryTheirFields(RuntimeTarget& target) {
  CaseScope scope(target);
  CaseScope::Pod pod = scope.RunPod("fields", {{"tier", "web"}});
  std::vector<cri::PodSandbox> listed = scope.ListPods(PodFilter(pod.id));
  REQUIRE(listed.size() == 1);
  const cri::PodSandbox& item = listed[0];
  CHECK(item.id() == pod.id);
  CHECK(item.metadata().name() == pod.config.metadata().name());
  CHECK(item.metadata().uid() == pod.config.metadata().uid());
  CHECK(item.state() == cri::SANDBOX_READY);
  CheckRecentTimestamp(target, item.created_at(), "created_at");
  CHECK(item.labels().at("tier") == "web");
  CHECK(item.annotations().at("krl.contract/pod-annotation") == "pod");
}

void ContainersById(RuntimeTarget& target) {
  CaseScope scope(target);
  CaseScope::Pod pod = scope.SharedPod();
  const std::string a = scope.CreateContainer(pod, "a", Process::RunsUntilStopped());
  const std::string b = scope.CreateContainer(pod, "b", Process::RunsUntilStopped());
  CHECK(Ids(scope.ListContainers(ContainerFilter(a))) == IdList{a});
  CHECK(Ids(scope.ListContainers(ContainerFilter(b))) == IdList{b});
  CHECK(Ids(scope.ListContainers(ContainerFilter(a.substr(0, 12)))) == IdList{a});
  CHECK(scope.ListContainers(ContainerFilter(std::string(64, 'e'))).empty());
}

void ContainersByState(RuntimeTarget& target) {
  CaseScope scope(target);
  CaseScope::Pod pod = scope.SharedPod();
  const std::string created = scope.CreateContainer(pod, "created", Process::RunsUntilStopped());
  const std::string running = scope.StartContainer(pod, "running", Process::RunsUntilStopped());
  const std::string exited = scope.StartContainer(pod, "exited", Process::ExitWith(0));
  REQUIRE(scope.WaitForContainerState(exited, cri::CONTAINER_EXITED));
  const Labels mine = scope.Selector();
  CHECK(Ids(scope.ListContainers(ContainerFilter("", cri::CONTAINER_CREATED, "", mine))) ==
        IdList{created});
  CHECK(Ids(scope.ListContainers(ContainerFilter("", cri::CONTAINER_RUNNING, "", mine))) ==
        IdList{running});
  CHECK(Ids(scope.ListContainers(ContainerFilter("", cri::CONTAINER_EXITED, "", mine))) ==
        IdList{exited});
  // Without the label: every item is in the state asked for.
  const std::vector<cri::Container> all_running =
      scope.ListContainers(ContainerFilter("", cri::CONTAINER_RUNNING));
  for (const cri::Container& c : all_running) CHECK(c.state() == cri::CONTAINER_RUNNING);
  CHECK(Contains(Ids(all_running), running));
  CHECK_FALSE(Contains(Ids(all_running), created));
}

void ContainersByPodSandbox(RuntimeTarget& target) {
  CaseScope scope(target);
  CaseScope::Pod own = scope.RunPod("own");
  const std::string one = scope.CreateContainer(own, "one", Process::RunsUntilStopped());
  const std::string two = scope.CreateContainer(own, "two", Process::RunsUntilStopped());
  const std::string elsewhere =
      scope.CreateContainer(scope.SharedPod(), "elsewhere", Process::RunsUntilStopped());
  CHECK(Sorted(Ids(scope.ListContainers(ContainerFilter("", std::nullopt, own.id)))) ==
        Sorted({one, two}));
  // A unique prefix of the sandbox id works too.
  CHECK(Sorted(Ids(scope.ListContainers(
            ContainerFilter("", std::nullopt, own.id.substr(0, 12))))) == Sorted({one, two}));
  const IdList in_shared =
      Ids(scope.ListContainers(ContainerFilter("", std::nullopt, scope.SharedPod().id)));
  CHECK(Contains(in_shared, elsewhere));
  CHECK_FALSE(Contains(in_shared, one));
  CHECK(scope.ListContainers(ContainerFilter("", std::nullopt, std::string(64, 'e'))).empty());
}

void ContainersByLabels(RuntimeTarget& target) {
  CaseScope scope(target);
  CaseScope::Pod pod = scope.SharedPod();
  const std::string web_prod = scope.CreateContainer(pod, "web-prod", Process::RunsUntilStopped(),
                                                     {{"tier", "web"}, {"env", "prod"}});
  const std::string web_dev = scope.CreateContainer(pod, "web-dev", Process::RunsUntilStopped(),
                                                    {{"tier", "web"}, {"env", "dev"}});
  const std::string db =
      scope.CreateContainer(pod, "db", Process::RunsUntilStopped(), {{"tier", "db"}});
  auto by = [&](const Labels& labels) {
    return Sorted(Ids(scope.ListContainers(ContainerFilter("", std::nullopt, "", labels))));
  };
  CHECK(by(scope.Selector()) == Sorted({web_prod, web_dev, db}));
  CHECK(by(scope.Selector({{"tier", "web"}})) == Sorted({web_prod, web_dev}));
  CHECK(by(scope.Selector({{"tier", "web"}, {"env", "prod"}})) == IdList{web_prod});
  CHECK(by(scope.Selector({{"tier", "cache"}})).empty());
}

void ContainerFiltersCombine(RuntimeTarget& target) {
  CaseScope scope(target);
  CaseScope::Pod own = scope.RunPod("own");
  const std::string running =
      scope.StartContainer(own, "running", Process::RunsUntilStopped(), {{"tier", "web"}});
  const std::string created =
      scope.CreateContainer(own, "created", Process::RunsUntilStopped(), {{"tier", "web"}});
  const std::string other = scope.StartContainer(scope.SharedPod(), "other",
                                                 Process::RunsUntilStopped(), {{"tier", "web"}});
  const Labels web = scope.Selector({{"tier", "web"}});
  CHECK(Ids(scope.ListContainers(ContainerFilter("", cri::CONTAINER_RUNNING, own.id, web))) ==
        IdList{running});
  CHECK(Ids(scope.ListContainers(ContainerFilter("", cri::CONTAINER_CREATED, own.id, web))) ==
        IdList{created});
  CHECK(Sorted(Ids(scope.ListContainers(ContainerFilter("", cri::CONTAINER_RUNNING, "", web)))) ==
        Sorted({running, other}));
  // Each field narrows: a matching id with a wrong pod, state or label lists nothing.
  CHECK(scope.ListContainers(ContainerFilter(running, std::nullopt, scope.SharedPod().id)).empty());
  CHECK(scope.ListContainers(ContainerFilter(running, cri::CONTAINER_EXITED)).empty());
  CHECK(scope.ListContainers(ContainerFilter(running, std::nullopt, "", {{"tier", "db"}})).empty());
  CHECK(Ids(scope.ListContainers(ContainerFilter(running, cri::CONTAINER_RUNNING, own.id, web))) ==
        IdList{running});
}

void ContainerListItemsCarryTheirFields(RuntimeTarget& target) {
  CaseScope scope(target);
  CaseScope::Pod pod = scope.SharedPod();
  const std::string id =
      scope.StartContainer(pod, "fields", Process::RunsUntilStopped(), {{"tier", "web"}});
  std::vector<cri::Container> listed = scope.ListContainers(ContainerFilter(id));
  REQUIRE(listed.size() == 1);
  const cri::Container& item = listed[0];
  CHECK(item.id() == id);
  CHECK(item.pod_sandbox_id() == pod.id);
  CHECK(item.metadata().name() == scope.Unique("fields"));
  CHECK(item.state() == cri::CONTAINER_RUNNING);
  CheckRecentTimestamp(target, item.created_at(), "created_at");
  CHECK(item.image().image() == target.image());
  CHECK_FALSE(item.image_ref().empty());
  CHECK(item.labels().at("tier") == "web");
  CHECK(item.annotations().at("krl.contract/container-annotation") == "container");
}

void ContainerStatsFilters(RuntimeTarget& target) {
  CaseScope scope(target);
  CaseScope::Pod own = scope.RunPod("own");
  const std::string a =
      scope.StartContainer(own, "a", Process::RunsUntilStopped(), {{"role", "a"}});
  const std::string b =
      scope.StartContainer(scope.SharedPod(), "b", Process::RunsUntilStopped(), {{"role", "b"}});
  auto stats_ids = [&](const cri::ContainerStatsFilter& filter) {
    cri::ListContainerStatsRequest request;
    *request.mutable_filter() = filter;
    absl::StatusOr<cri::ListContainerStatsResponse> response =
        scope.rs().ListContainerStats(request);
    IdList ids;
    if (!response.ok()) return IdList{"error: " + response.status().ToString()};
    for (const cri::ContainerStats& s : response->stats()) ids.push_back(s.attributes().id());
    return Sorted(ids);
  };
  cri::ContainerStatsFilter by_id;
  by_id.set_id(a);
  CHECK(stats_ids(by_id) == IdList{a});
  cri::ContainerStatsFilter by_pod;
  by_pod.set_pod_sandbox_id(own.id);
  CHECK(stats_ids(by_pod) == IdList{a});
  cri::ContainerStatsFilter by_labels;
  SetSelector(&by_labels, scope.Selector({{"role", "b"}}));
  CHECK(stats_ids(by_labels) == IdList{b});
  cri::ContainerStatsFilter mine;
  SetSelector(&mine, scope.Selector());
  CHECK(stats_ids(mine) == Sorted({a, b}));
  cri::ContainerStatsFilter unknown;
  unknown.set_id(std::string(64, 'e'));
  CHECK(stats_ids(unknown).empty());
}

}  // namespace

std::vector<ContractCase> FilterCases() {
  return {
      {"ListPodSandbox by id or a unique id prefix lists exactly that sandbox", &PodsById},
      {"ListPodSandbox by an unknown id lists nothing and is not an error",
       &PodsByUnknownIdListNothing},
      {"ListPodSandbox by state lists only sandboxes in that state", &PodsByState},
      {"ListPodSandbox by label selector lists the sandboxes that have every label", &PodsByLabels},
      {"ListPodSandbox filters combine: id, state and labels must all match", &PodFiltersCombine},
      {"ListPodSandbox items carry the sandbox's id, metadata, state, creation time, labels and "
       "annotations",
       &PodListItemsCarryTheirFields},
      {"ListContainers by id or a unique id prefix lists exactly that container", &ContainersById},
      {"ListContainers by state lists only containers in that state", &ContainersByState},
      {"ListContainers by pod sandbox id or its unique prefix lists that sandbox's containers",
       &ContainersByPodSandbox},
      {"ListContainers by label selector lists the containers that have every label",
       &ContainersByLabels},
      {"ListContainers filters combine: id, state, pod sandbox and labels must all match",
       &ContainerFiltersCombine},
      {"ListContainers items carry the container's ids, metadata, state, image, labels and "
       "annotations",
       &ContainerListItemsCarryTheirFields},
      {"ListContainerStats honours the id, pod sandbox id and label filters",
       &ContainerStatsFilters},
  };
}

}  // namespace contract
}  // namespace testing
}  // namespace krl

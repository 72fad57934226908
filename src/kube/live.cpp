#include "podfit/kube/live.hpp"

#include <map>
#include <tuple>

#include <nlohmann/json.hpp>

#include "podfit/quantity/quantity.hpp"

namespace podfit::kube {

namespace {

using nlohmann::json;

std::string text_of(const json& object, const char* key) {
  if (!object.is_object()) return "";
  auto found = object.find(key);
  return found != object.end() && found->is_string() ? found->get<std::string>() : "";
}

const json& child(const json& object, const char* key) {
  static const json kEmpty = json::object();
  if (!object.is_object()) return kEmpty;
  auto found = object.find(key);
  return found != object.end() && found->is_object() ? *found : kEmpty;
}

Result<std::optional<ResourceValue>> resource_value(const json& list, const char* name,
                                                    const std::string& where) {
  std::string text = text_of(list, name);
  if (text.empty()) return std::optional<ResourceValue>();
  auto parsed = quantity::parse(text);
  if (!parsed) return fail(where + ": " + parsed.error().message);
  return std::optional<ResourceValue>(ResourceValue{parsed->value(), text});
}

Result<Resources> read_resources(const json& container, const std::string& where) {
  const json& resources = child(container, "resources");
  const json& requests = child(resources, "requests");
  const json& limits = child(resources, "limits");
  Resources out;
  for (auto [list, name, field] :
       {std::tuple{&requests, "cpu", &out.cpu_request}, std::tuple{&limits, "cpu", &out.cpu_limit},
        std::tuple{&requests, "memory", &out.memory_request},
        std::tuple{&limits, "memory", &out.memory_limit}}) {
    PODFIT_TRY_ASSIGN(value, resource_value(*list, name, where));
    *field = value;
  }
  return out;
}

// The controller owner reference of an object, or nullopt.
std::optional<std::pair<std::string, std::string>> controller_of(const json& metadata) {
  auto refs = metadata.find("ownerReferences");
  if (refs == metadata.end() || !refs->is_array() || refs->empty()) return std::nullopt;
  for (const json& ref : *refs) {
    if (ref.value("controller", false))
      return std::pair{text_of(ref, "kind"), text_of(ref, "name")};
  }
  return std::pair{text_of(refs->front(), "kind"), text_of(refs->front(), "name")};
}

Result<LivePod> read_pod(const json& item, const std::string& origin) {
  const json& metadata = child(item, "metadata");
  LivePod pod;
  pod.namespace_name = text_of(metadata, "namespace");
  pod.name = text_of(metadata, "name");
  std::string where = origin + ": pod " + pod.namespace_name + "/" + pod.name;
  for (const auto& [key, value] : child(metadata, "labels").items()) {
    if (value.is_string()) pod.labels[key] = value.get<std::string>();
  }
  for (const auto& [key, value] : child(metadata, "annotations").items()) {
    if (value.is_string()) pod.annotations[key] = value.get<std::string>();
  }
  auto owner = controller_of(metadata);
  pod.owner = owner ? WorkloadRef{pod.namespace_name, owner->first, owner->second}
                    : WorkloadRef{pod.namespace_name, "Pod", pod.name};  // a bare pod
  std::map<std::string, const json*> statuses;
  const json& status = child(item, "status");
  if (status.contains("containerStatuses") && status["containerStatuses"].is_array()) {
    for (const json& entry : status["containerStatuses"]) statuses[text_of(entry, "name")] = &entry;
  }
  const json& spec = child(item, "spec");
  if (!spec.contains("containers") || !spec["containers"].is_array())
    return fail(where + ": no spec.containers");
  for (const json& container : spec["containers"]) {
    LiveContainer live;
    live.name = text_of(container, "name");
    PODFIT_TRY_ASSIGN(resources, read_resources(container, where + " container " + live.name));
    live.current = resources;
    if (auto found = statuses.find(live.name); found != statuses.end()) {
      const json& entry = *found->second;
      live.restart_count = entry.value("restartCount", 0);
      const json& terminated = child(child(entry, "lastState"), "terminated");
      live.last_termination_reason = text_of(terminated, "reason");
      live.last_termination_time = text_of(terminated, "finishedAt");
    }
    pod.containers.push_back(std::move(live));
  }
  return pod;
}

std::string pods_path(const Scope& scope) {
  std::string path = "/api/v1";
  if (!scope.all_namespaces) path += "/namespaces/" + url_encode(scope.namespace_name);
  return path + "/pods";
}

// Follows ReplicaSet -> Deployment and Job -> CronJob, caching each lookup.
class OwnerResolver {
 public:
  explicit OwnerResolver(ApiClient& client) : client_(client) {}

  Result<WorkloadRef> resolve(const WorkloadRef& direct) {
    const char* collection = direct.kind == "ReplicaSet" ? "/apis/apps/v1/namespaces/"
                             : direct.kind == "Job"      ? "/apis/batch/v1/namespaces/"
                                                         : nullptr;
    if (!collection) return direct;
    auto cached = cache_.find(direct);
    if (cached != cache_.end()) return cached->second;
    std::string path = std::string(collection) + url_encode(direct.namespace_name) +
                       (direct.kind == "ReplicaSet" ? "/replicasets/" : "/jobs/") +
                       url_encode(direct.name);
    WorkloadRef resolved = direct;
    auto body = client_.get(path);
    if (!body && client_.last_status() != 404) return tl::unexpected(body.error());
    if (body) {
      json object = json::parse(*body, nullptr, false);
      if (object.is_discarded()) return fail("GET " + client_.url(path) + ": invalid JSON");
      if (auto owner = controller_of(child(object, "metadata"))) {
        resolved = WorkloadRef{direct.namespace_name, owner->first, owner->second};
      }
    }
    cache_[direct] = resolved;
    return resolved;
  }

 private:
  ApiClient& client_;
  std::map<WorkloadRef, WorkloadRef> cache_;
};

}  // namespace

Result<std::vector<LivePod>> list_pods(ApiClient& client, const Scope& scope,
                                       std::size_t page_size) {
  std::vector<LivePod> pods;
  std::string continue_token;
  do {
    std::string path = pods_path(scope) + "?limit=" + std::to_string(page_size);
    if (!scope.label_selector.empty()) path += "&labelSelector=" + url_encode(scope.label_selector);
    if (!continue_token.empty()) path += "&continue=" + url_encode(continue_token);
    PODFIT_TRY_ASSIGN(body, client.get(path));
    json list = json::parse(body, nullptr, false);
    std::string origin = "GET " + client.url(path);
    if (list.is_discarded() || !list.is_object() || !list.contains("items"))
      return fail(origin + ": expected a PodList (the response is not valid JSON or has no items)");
    for (const json& item : list["items"]) {
      PODFIT_TRY_ASSIGN(pod, read_pod(item, origin));
      pods.push_back(std::move(pod));
    }
    continue_token = text_of(child(list, "metadata"), "continue");
  } while (!continue_token.empty());
  return pods;
}

namespace {

// The HPA list pages; a refusal (RBAC without horizontalpodautoscalers, an old cluster
// without autoscaling/v2) is reported, not fatal: the HPA rules then have nothing to read.
void list_autoscalers(ApiClient& client, const Scope& scope, std::size_t page_size,
                      LiveState& state) {
  std::string collection = "/apis/autoscaling/v2";
  if (!scope.all_namespaces) collection += "/namespaces/" + url_encode(scope.namespace_name);
  collection += "/horizontalpodautoscalers?limit=" + std::to_string(page_size);
  std::string continue_token;
  do {
    std::string path =
        collection + (continue_token.empty() ? "" : "&continue=" + url_encode(continue_token));
    auto body = client.get(path);
    if (!body) {
      state.autoscaler_problem = body.error().message;
      return;
    }
    json list = json::parse(*body, nullptr, false);
    if (list.is_discarded() || !list.is_object()) {
      state.autoscaler_problem = "GET " + client.url(path) + ": not a JSON object";
      return;
    }
    state.autoscaler_pages.push_back(std::move(*body));
    continue_token = text_of(child(list, "metadata"), "continue");
  } while (!continue_token.empty());
}

}  // namespace

Result<LiveState> read_live_state(ApiClient& client, const Scope& scope, std::size_t page_size) {
  PODFIT_TRY_ASSIGN(pods, list_pods(client, scope, page_size));
  OwnerResolver owners(client);
  for (LivePod& pod : pods) {
    PODFIT_TRY_ASSIGN(owner, owners.resolve(pod.owner));
    pod.owner = owner;
  }
  LiveState state{std::move(pods), {}, {}};
  list_autoscalers(client, scope, page_size, state);
  return state;
}

std::optional<double> oom_memory_floor_bytes(const LiveContainer& container) {
  if (!container.oom_killed() || !container.current.memory_limit) return std::nullopt;
  return container.current.memory_limit->amount * 1.2;
}

}  // namespace podfit::kube

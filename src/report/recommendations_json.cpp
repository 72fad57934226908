// The recommendations JSON (`recommend -o json`, the report ConfigMap): its one writer
// and its one reader, which gives back every field the writer wrote.
#include <cmath>

#include <nlohmann/json.hpp>

#include "podfit/quantity/quantity.hpp"
#include "podfit/report/report.hpp"
#include "report/cells.hpp"

namespace podfit::report {

namespace {

using nlohmann::json;

json number_or_null(double value) {
  return std::isfinite(value) ? json(value) : json(nullptr);
}

json summary_json(const stats::Summary& summary) {
  return json{{"mean", summary.mean},
              {"p50", summary.p50},
              {"p90", summary.p90},
              {"p95", summary.p95},
              {"p99", summary.p99},
              {"max", summary.max},
              {"burst_ratio", number_or_null(summary.burst_ratio)}};
}

json quantity_map(const std::optional<ResourceValue>& cpu,
                  const std::optional<ResourceValue>& memory) {
  json map = json::object();
  if (cpu) map["cpu"] = cpu->text;
  if (memory) map["memory"] = memory->text;
  return map;
}

json resources_json(const Resources& resources) {
  return json{{"requests", quantity_map(resources.cpu_request, resources.memory_request)},
              {"limits", quantity_map(resources.cpu_limit, resources.memory_limit)}};
}

const char* role_name(ContainerRole role) {
  return role == ContainerRole::init ? "init" : role == ContainerRole::sidecar ? "sidecar" : "app";
}

// The HPA targets and sidecar annotations the recommendation also changes.
json side_changes_json(const policy::Recommendation& recommendation) {
  json autoscalers = json::array(), annotations = json::array();
  for (const policy::AutoscalerChange& change : recommendation.autoscaler_changes) {
    const AutoscalerMetric& metric = change.autoscaler.metrics[change.metric];
    autoscalers.push_back({{"namespace", change.autoscaler.ref.namespace_name},
                           {"name", change.autoscaler.ref.name},
                           {"resource", metric.resource},
                           {"container", metric.container},
                           {"from", change.from},
                           {"to", change.to}});
  }
  for (const policy::AnnotationChange& change : recommendation.annotation_changes) {
    annotations.push_back(
        {{"key", change.key}, {"from", change.current.text}, {"to", change.value}});
  }
  return json{{"autoscalers", autoscalers}, {"annotations", annotations}};
}

json recommendation_json(const policy::Recommendation& recommendation) {
  const stats::ContainerStats& stats = recommendation.stats;
  return json{{"namespace", stats.workload.namespace_name},
              {"kind", stats.workload.kind},
              {"workload", stats.workload.name},
              {"container", stats.container},
              {"role", role_name(recommendation.role)},
              {"pods", stats.pods},
              {"max_concurrent_pods", stats.max_concurrent_pods},
              {"samples", stats.samples},
              {"window_seconds", stats.window_seconds},
              {"effective_samples", stats.effective_samples},
              {"half_life_seconds", stats.half_life_seconds},
              {"sketched", stats.sketched},
              {"memory_growth_per_second", stats.memory_growth_per_second},
              {"longest_pod_seconds", stats.longest_pod_seconds},
              {"cpu", summary_json(stats.cpu)},
              {"memory", summary_json(stats.memory)},
              {"current", resources_json(recommendation.current)},
              {"recommended", resources_json(recommendation.recommended)},
              {"has_recommendation", recommendation.has_recommendation},
              {"changes", recommendation.changes()},
              {"also_changes", side_changes_json(recommendation)},
              {"events",
               {{"restarts", recommendation.events.restarts},
                {"oom_kills", recommendation.events.oom_kills},
                {"oom_memory_limit_bytes", recommendation.events.oom_memory_limit_bytes}}},
              {"reason", recommendation.reason}};
}

double number_at(const json& object, const char* key) {
  auto found = object.find(key);
  return found != object.end() && found->is_number() ? found->get<double>() : 0.0;
}

stats::Summary summary_of(const json& object) {
  stats::Summary summary;
  if (!object.is_object()) return summary;
  summary.mean = number_at(object, "mean");
  summary.p50 = number_at(object, "p50");
  summary.p90 = number_at(object, "p90");
  summary.p95 = number_at(object, "p95");
  summary.p99 = number_at(object, "p99");
  summary.max = number_at(object, "max");
  summary.burst_ratio = stats::burst_ratio(summary.max, summary.p50);
  return summary;
}

Result<std::optional<ResourceValue>> value_at(const json& section, const char* name,
                                              const std::string& where) {
  if (!section.is_object() || !section.contains(name) || section[name].is_null())
    return std::optional<ResourceValue>{};
  if (!section[name].is_string()) return fail(where + ": " + name + " is not a quantity string");
  std::string text = section[name].get<std::string>();
  auto parsed = quantity::parse(text);
  if (!parsed) return fail(where + ": " + parsed.error().message);
  return std::optional<ResourceValue>{ResourceValue{parsed->value(), text}};
}

Result<Resources> resources_of(const json& object, const std::string& where) {
  Resources resources;
  if (!object.is_object()) return resources;
  const json empty = json::object();
  const json& requests = object.contains("requests") ? object["requests"] : empty;
  const json& limits = object.contains("limits") ? object["limits"] : empty;
  auto cpu_request = value_at(requests, "cpu", where + " requests");
  auto memory_request = value_at(requests, "memory", where + " requests");
  auto cpu_limit = value_at(limits, "cpu", where + " limits");
  auto memory_limit = value_at(limits, "memory", where + " limits");
  for (const auto* value : {&cpu_request, &memory_request, &cpu_limit, &memory_limit}) {
    if (!*value) return tl::unexpected(value->error());
  }
  resources.cpu_request = *cpu_request;
  resources.memory_request = *memory_request;
  resources.cpu_limit = *cpu_limit;
  resources.memory_limit = *memory_limit;
  return resources;
}

ContainerRole role_of(const std::string& name) {
  return name == "init"      ? ContainerRole::init
         : name == "sidecar" ? ContainerRole::sidecar
                             : ContainerRole::regular;
}

// side_changes_json read back: what a published report says is to change, without the file
// positions (a published report is not a manifest).
void read_side_changes(const json& object, policy::Recommendation& recommendation) {
  if (!object.is_object()) return;
  const json autoscalers = object.value("autoscalers", json::array());
  for (const json& entry : autoscalers) {
    if (!entry.is_object()) continue;
    Autoscaler autoscaler;
    autoscaler.ref = {entry.value("namespace", ""), "HorizontalPodAutoscaler",
                      entry.value("name", "")};
    AutoscalerMetric metric;
    metric.resource = entry.value("resource", "");
    metric.container = entry.value("container", "");
    metric.type = "Utilization";
    metric.utilization = number_at(entry, "from");
    autoscaler.metrics.push_back(metric);
    recommendation.autoscaler_changes.push_back(
        {autoscaler, 0, number_at(entry, "from"), number_at(entry, "to")});
  }
  const json annotations = object.value("annotations", json::array());
  for (const json& entry : annotations) {
    if (!entry.is_object()) continue;
    recommendation.annotation_changes.push_back({entry.value("key", ""),
                                                 EditableScalar{entry.value("from", ""), 0, 0},
                                                 entry.value("to", "")});
  }
}

Result<policy::Recommendation> recommendation_of(const json& entry, const std::string& where) {
  if (!entry.is_object()) return fail(where + ": not an object");
  policy::Recommendation recommendation;
  stats::ContainerStats& stats = recommendation.stats;
  for (const char* key : {"kind", "workload", "container"}) {
    if (!entry.contains(key) || !entry[key].is_string() || entry[key].get<std::string>().empty())
      return fail(where + ": no \"" + key + "\"");
  }
  stats.workload.namespace_name = entry.value("namespace", "");
  stats.workload.kind = entry["kind"].get<std::string>();
  stats.workload.name = entry["workload"].get<std::string>();
  stats.container = entry["container"].get<std::string>();
  stats.pods = static_cast<std::size_t>(number_at(entry, "pods"));
  stats.samples = static_cast<std::size_t>(number_at(entry, "samples"));
  stats.window_seconds = number_at(entry, "window_seconds");
  stats.effective_samples = number_at(entry, "effective_samples");
  stats.half_life_seconds = number_at(entry, "half_life_seconds");
  stats.memory_growth_per_second = number_at(entry, "memory_growth_per_second");
  stats.longest_pod_seconds = number_at(entry, "longest_pod_seconds");
  stats.max_concurrent_pods = static_cast<std::size_t>(number_at(entry, "max_concurrent_pods"));
  auto sketched = entry.find("sketched");
  stats.sketched = sketched != entry.end() && sketched->is_boolean() && sketched->get<bool>();
  recommendation.role = role_of(entry.value("role", "app"));
  read_side_changes(entry.value("also_changes", json::object()), recommendation);
  stats.cpu = summary_of(entry.value("cpu", json::object()));
  stats.memory = summary_of(entry.value("memory", json::object()));
  stats.cpu.count = stats.memory.count = stats.samples;
  PODFIT_TRY_ASSIGN(current,
                    resources_of(entry.value("current", json::object()), where + " current"));
  auto recommended =
      resources_of(entry.value("recommended", json::object()), where + " recommended");
  if (!recommended) return tl::unexpected(recommended.error());
  recommendation.current = current;
  recommendation.recommended = *recommended;
  auto has = entry.find("has_recommendation");
  recommendation.has_recommendation = has != entry.end() && has->is_boolean() && has->get<bool>();
  recommendation.reason = entry.value("reason", "");
  json events = entry.value("events", json::object());
  if (events.is_object()) {
    recommendation.events.restarts = static_cast<std::size_t>(number_at(events, "restarts"));
    recommendation.events.oom_kills = static_cast<std::size_t>(number_at(events, "oom_kills"));
    recommendation.events.oom_memory_limit_bytes = number_at(events, "oom_memory_limit_bytes");
  }
  return recommendation;
}

}  // namespace

void detail::write_json(std::ostream& out,
                        const std::vector<policy::Recommendation>& recommendations) {
  json list = json::array();
  for (const auto& recommendation : recommendations) {
    list.push_back(recommendation_json(recommendation));
  }
  // Invalid UTF-8 in a name becomes U+FFFD instead of an exception.
  out << json{{"recommendations", list}}.dump(2, ' ', false, json::error_handler_t::replace)
      << '\n';
}

Result<std::vector<policy::Recommendation>> parse_recommendations_json(const std::string& text,
                                                                       const std::string& origin) {
  auto parsed = json::parse(text, nullptr, false);
  if (parsed.is_discarded()) return fail(origin + ": not valid JSON");
  if (!parsed.is_object() || !parsed.contains("recommendations") ||
      !parsed["recommendations"].is_array()) {
    return fail(origin + ": no \"recommendations\" list (is it `podfit recommend -o json`?)");
  }
  std::vector<policy::Recommendation> out;
  const json& list = parsed["recommendations"];
  for (std::size_t i = 0; i < list.size(); ++i) {
    std::string where = origin + ": recommendations[" + std::to_string(i) + "]";
    Result<policy::Recommendation> one = fail(where);
    try {
      one = recommendation_of(list[i], where);
    } catch (const json::exception& e) {
      return fail(where + ": " + e.what());
    }
    if (!one) return tl::unexpected(one.error());
    out.push_back(std::move(*one));
  }
  return out;
}

}  // namespace podfit::report

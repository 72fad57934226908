// apply_workload_rules: what one container's numbers cannot decide alone (docs/policy.md).
#include <algorithm>
#include <cmath>

#include "podfit/policy/workload_policy.hpp"
#include "podfit/quantity/quantity.hpp"
#include "policy/target.hpp"

namespace podfit::policy {

namespace {

using namespace detail;

constexpr double kMinUtilization = 50;
constexpr double kMaxUtilization = 90;

using Field = std::optional<ResourceValue> Resources::*;

Field request_field(const std::string& resource) {
  return resource == "cpu" ? &Resources::cpu_request : &Resources::memory_request;
}

void add_note(Recommendation& recommendation, const std::string& note) {
  recommendation.reason += (recommendation.reason.empty() ? "" : "; ") + note;
}

bool runs_with_app(const Recommendation& recommendation) {
  return recommendation.role != ContainerRole::init;
}

double request_of(const Recommendation& recommendation, Field field, bool recommended) {
  const Resources& resources = recommended && recommendation.has_recommendation
                                   ? recommendation.recommended
                                   : recommendation.current;
  return (resources.*field) ? (resources.*field)->amount : 0;
}

// An init container runs before the app containers; a CPU request above theirs would
// raise what the pod reserves for its whole life, while CPU only makes it slower.
void fit_init_containers(std::vector<Recommendation*>& containers) {
  double app_cpu = 0, app_memory = 0;
  for (const Recommendation* r : containers) {
    if (!runs_with_app(*r)) continue;
    app_cpu += request_of(*r, &Resources::cpu_request, true);
    app_memory += request_of(*r, &Resources::memory_request, true);
  }
  for (Recommendation* r : containers) {
    if (runs_with_app(*r) || !r->has_recommendation) continue;
    auto& cpu = r->recommended.cpu_request;
    if (cpu && app_cpu > 0 && cpu->amount > app_cpu) {
      cpu = round_cpu(app_cpu);
      add_note(*r, "cpu request lowered to " + cpu->text +
                       ", the app containers' sum: an init container's request above it would "
                       "raise the pod's reservation for its whole life");
    }
    const auto& memory = r->recommended.memory_request;
    if (memory && app_memory > 0 && memory->amount > app_memory) {
      add_note(*r, "its memory request raises the pod's effective request from " +
                       describe(Kind::memory, app_memory) + " (the app containers') to " +
                       memory->text + " while it runs alone");
    }
  }
}

std::string hpa_name(const Autoscaler& autoscaler) {
  return "HPA " +
         (autoscaler.ref.namespace_name.empty() ? "" : autoscaler.ref.namespace_name + "/") +
         autoscaler.ref.name;
}

// Multiplies the members' recommended requests by `factor` (and limits below them follow).
void scale_requests(std::vector<Recommendation*>& members, Field field, bool cpu, double factor) {
  for (Recommendation* r : members) {
    auto& request = r->recommended.*field;
    if (!r->has_recommendation || !request) continue;
    request = cpu ? round_cpu(request->amount * factor) : round_memory(request->amount * factor);
    auto& limit = cpu ? r->recommended.cpu_limit : r->recommended.memory_limit;
    if (limit && limit->amount < request->amount) limit = request;
  }
}

std::string where_to_set(const Autoscaler& autoscaler, const AutoscalerMetric& metric) {
  if (autoscaler.file == "cluster") return " (an HPA of the cluster: change it where it is kept)";
  if (metric.offset == 0)
    return " (not written in " + autoscaler.file + ": the controller's default)";
  return "";
}

// An HPA on utilization scales when usage / request passes its target: a new request moves
// that point unless the target moves with it (target x old request / new request).
void keep_scaling_point(std::vector<Recommendation*>& members, const Autoscaler& autoscaler,
                        std::size_t index) {
  const AutoscalerMetric& metric = autoscaler.metrics[index];
  Field field = request_field(metric.resource);
  bool cpu = metric.resource == "cpu";
  Recommendation& first = *members.front();
  double before = 0, after = 0;
  for (const Recommendation* r : members) {
    double current = request_of(*r, field, false);
    if (current <= 0) {
      add_note(first, hpa_name(autoscaler) + " scales on " + metric.resource +
                          " utilization, but container " + r->stats.container +
                          " has no current request to measure it against");
      return;
    }
    before += current;
    after += request_of(*r, field, true);
  }
  double target = metric.utilization;
  double usage_point = target / 100 * before;  // per-pod usage at which it scales
  double proposed = target * before / after;
  std::string bound_note;
  if (proposed > kMaxUtilization || proposed < kMinUtilization) {
    double bound = proposed > kMaxUtilization ? kMaxUtilization : kMinUtilization;
    scale_requests(members, field, cpu, (usage_point / (bound / 100)) / after);
    after = 0;
    for (const Recommendation* r : members) after += request_of(*r, field, true);
    bound_note = " (" + three_digits(proposed) + "% would be outside " +
                 three_digits(kMinUtilization) + "-" + three_digits(kMaxUtilization) +
                 "%, so the " + metric.resource + " request is kept at " +
                 describe(cpu ? Kind::cpu : Kind::memory, after) + " instead)";
    proposed = std::clamp(target * before / after, kMinUtilization, kMaxUtilization);
  }
  double to = std::round(proposed);
  if (to == target) return;
  first.autoscaler_changes.push_back({autoscaler, index, target, to});
  add_note(first, hpa_name(autoscaler) + ": " + metric.resource + " averageUtilization " +
                      three_digits(target) + "% -> " + three_digits(to) +
                      "%, so it still scales at " +
                      describe(cpu ? Kind::cpu : Kind::memory, usage_point) + " per pod" +
                      bound_note + where_to_set(autoscaler, metric));
}

void follow_autoscalers(std::vector<Recommendation*>& containers, const WorkloadFacts& facts) {
  std::vector<Recommendation*> app;
  for (Recommendation* r : containers) {
    if (runs_with_app(*r)) app.push_back(r);
  }
  if (app.empty()) return;
  for (const Autoscaler& autoscaler : facts.autoscalers) {
    std::size_t most = 0;
    for (const Recommendation* r : app) most = std::max(most, r->stats.max_concurrent_pods);
    add_note(*app.front(),
             hpa_name(autoscaler) + " scales this workload: statistics are per pod (" +
                 std::to_string(most) + (most == 1 ? " pod" : " pods") + " at most at once)");
    for (std::size_t i = 0; i < autoscaler.metrics.size(); ++i) {
      const AutoscalerMetric& metric = autoscaler.metrics[i];
      if (metric.type != "Utilization" || metric.resource.empty()) {
        add_note(*app.front(),
                 hpa_name(autoscaler) + " metric " +
                     (metric.resource.empty() ? metric.type : metric.resource + " " + metric.type) +
                     ": does not depend on the request, unaffected");
        continue;
      }
      std::vector<Recommendation*> members;
      for (Recommendation* r : app) {
        if (metric.container.empty() || r->stats.container == metric.container)
          members.push_back(r);
      }
      if (!members.empty()) keep_scaling_point(members, autoscaler, i);
    }
  }
}

struct MeshAnnotations {
  const char* container;
  const char* mesh;
  const char* keys[4];  // cpu request, cpu limit, memory request, memory limit
};
const MeshAnnotations kMeshes[] = {
    {"istio-proxy",
     "Istio",
     {"sidecar.istio.io/proxyCPU", "sidecar.istio.io/proxyCPULimit", "sidecar.istio.io/proxyMemory",
      "sidecar.istio.io/proxyMemoryLimit"}},
    {"linkerd-proxy",
     "Linkerd",
     {"config.linkerd.io/proxy-cpu-request", "config.linkerd.io/proxy-cpu-limit",
      "config.linkerd.io/proxy-memory-request", "config.linkerd.io/proxy-memory-limit"}},
};

// A mesh injects its proxy at admission, so the manifest has no container to patch: its
// resources are the pod template's annotations, edited where present.
void place_mesh_sidecar(Recommendation& r, const WorkloadFacts& facts) {
  for (const MeshAnnotations& mesh : kMeshes) {
    if (r.stats.container != mesh.container) continue;
    const Field fields[4] = {&Resources::cpu_request, &Resources::cpu_limit,
                             &Resources::memory_request, &Resources::memory_limit};
    std::string missing;
    for (int i = 0; i < 4; ++i) {
      const auto& value = r.recommended.*fields[i];
      auto found = facts.template_annotations.find(mesh.keys[i]);
      if (found == facts.template_annotations.end()) {
        if (value) missing += std::string(missing.empty() ? "" : ", ") + mesh.keys[i];
        continue;
      }
      if (auto parsed = quantity::parse(found->second.text); parsed && !(r.current.*fields[i])) {
        r.current.*fields[i] = ResourceValue{parsed->value(), found->second.text};
      }
      if (value && value->text != found->second.text) {
        r.annotation_changes.push_back({mesh.keys[i], found->second, value->text});
      }
    }
    std::string note = std::string("injected by ") + mesh.mesh +
                       ": its resources are set by pod template annotations";
    if (!missing.empty()) note += "; add " + missing + " to set the rest";
    add_note(r, note);
    return;
  }
}

}  // namespace

void apply_workload_rules(std::vector<Recommendation*>& containers, const WorkloadFacts& facts) {
  // A proxy's request (from its annotation) counts in the pod's utilization, and the init
  // containers fit what the app containers finally request.
  for (Recommendation* r : containers) {
    bool in_manifest =
        std::any_of(facts.containers.begin(), facts.containers.end(),
                    [&](const ContainerFacts& c) { return c.name == r->stats.container; });
    if (!in_manifest && r->has_recommendation) place_mesh_sidecar(*r, facts);
  }
  follow_autoscalers(containers, facts);
  fit_init_containers(containers);
}

}  // namespace podfit::policy

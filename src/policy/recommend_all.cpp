#include "podfit/policy/recommend_all.hpp"

#include "podfit/stats/summary.hpp"

namespace podfit::policy {

namespace {

const ContainerFacts* container_in(const WorkloadFacts* facts, const std::string& name) {
  if (facts == nullptr) return nullptr;
  for (const ContainerFacts& container : facts->containers) {
    if (container.name == name) return &container;
  }
  return nullptr;
}

std::string joined(const std::vector<std::string>& notes) {
  std::string text;
  for (const std::string& note : notes) text += (text.empty() ? "" : ", ") + note;
  return text;
}

}  // namespace

std::vector<Recommendation> recommend_all(const history::History& history,
                                          const PolicySet& policy) {
  std::map<history::ContainerKey, EventCounts> events = history::event_counts(history);
  std::vector<Recommendation> recommendations;
  // Half-life is one setting per run: the statistics are computed once, before any
  // workload's own settings apply.
  for (const stats::ContainerStats& stats :
       stats::compute_history_stats(history.samples, history.sketches, history.workload_of_pod,
                                    policy.base.half_life_seconds, history.compacted)) {
    Resources current = history::current_resources(history, stats.workload, stats.container);
    auto seen = events.find({stats.workload, stats.container});
    EventCounts counts = seen == events.end() ? EventCounts{} : seen->second;
    auto found = history.workload_facts.find(stats.workload);
    const WorkloadFacts* facts = found == history.workload_facts.end() ? nullptr : &found->second;
    WorkloadPolicy workload = resolve_policy(policy, stats.workload, facts);
    ContainerContext context{facts, container_in(facts, stats.container)};
    if (!workload.error.empty() || workload.ignored) {
      Recommendation skipped{stats, current, current, false, "", counts};
      skipped.role = context.container ? context.container->role : ContainerRole::regular;
      skipped.reason = workload.ignored ? "ignored: annotation podfit.io/ignore is \"true\" (" +
                                              (facts ? facts->origin : std::string("?")) + ")"
                                        : "no recommendation: " + workload.error;
      recommendations.push_back(std::move(skipped));
      continue;
    }
    Recommendation recommendation = recommend(stats, current, workload.options, counts, context);
    if (!workload.origins.empty()) {
      recommendation.reason += "; settings: " + joined(workload.origins);
    }
    if (stats.sketched) recommendation.reason += "; percentiles sketched (within 1 %)";
    recommendations.push_back(std::move(recommendation));
  }
  // Recommendations come sorted by workload: each workload's containers are adjacent.
  for (std::size_t first = 0; first < recommendations.size();) {
    std::size_t end = first;
    std::vector<Recommendation*> containers;
    while (end < recommendations.size() &&
           recommendations[end].stats.workload == recommendations[first].stats.workload) {
      containers.push_back(&recommendations[end++]);
    }
    auto found = history.workload_facts.find(recommendations[first].stats.workload);
    if (found != history.workload_facts.end()) apply_workload_rules(containers, found->second);
    first = end;
  }
  return recommendations;
}

}  // namespace podfit::policy

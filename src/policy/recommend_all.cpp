#include "podfit/policy/recommend_all.hpp"

#include "podfit/stats/summary.hpp"

namespace podfit::policy {

std::vector<Recommendation> recommend_all(const history::History& history,
                                          const PolicyOptions& options) {
  std::map<history::ContainerKey, EventCounts> events = history::event_counts(history);
  std::vector<Recommendation> recommendations;
  for (const stats::ContainerStats& stats : stats::compute_history_stats(
           history.samples, history.sketches, history.workload_of_pod, options.half_life_seconds)) {
    Resources current = history::current_resources(history, stats.workload, stats.container);
    auto seen = events.find({stats.workload, stats.container});
    recommendations.push_back(
        recommend(stats, current, options, seen == events.end() ? EventCounts{} : seen->second));
  }
  return recommendations;
}

}  // namespace podfit::policy

// The stats -> policy loop over a whole attributed History.
#pragma once

#include <vector>

#include "podfit/history/history.hpp"
#include "podfit/policy/policy.hpp"
#include "podfit/policy/workload_policy.hpp"

namespace podfit::policy {

// One recommendation per workload container of `history` (attributed: history::attribute),
// sorted by workload and container: raw samples and compacted hours pooled, the current
// resources from history::current_resources, its restarts and OOM kills counted. Each
// workload gets its own policy (rules, podfit.io/ annotations) and the rules that read
// its manifest (workload_policy.hpp).
std::vector<Recommendation> recommend_all(const history::History& history, const PolicySet& policy);

}  // namespace podfit::policy

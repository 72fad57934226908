// Restarts and OOM kills: from what `collect` records to what the policy uses.
#pragma once

#include <map>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "podfit/core/sample_set.hpp"
#include "podfit/kube/collect.hpp"
#include "podfit/policy/policy.hpp"
#include "podfit/store/store.hpp"

namespace podfit::cli {

// An event as collect saw it, in the store's form (times and limits parsed).
store::ContainerEvent to_store_event(const kube::ContainerEvent& seen);

// The events file collect writes beside `samples_path`, when there is one.
// A malformed file is a warning on `diagnostics`, counted in `problems`.
std::vector<store::ContainerEvent> read_events_beside(const std::string& samples_path,
                                                      std::ostream& diagnostics,
                                                      std::size_t& problems);

using ContainerKey = std::pair<WorkloadRef, std::string>;

// Per workload container: how many restarts and OOM kills, and the highest limit killed at.
std::map<ContainerKey, policy::ContainerEvents> events_by_container(
    const std::vector<store::ContainerEvent>& events, const SampleSet& samples,
    const std::vector<WorkloadRef>& workload_of_pod);

}  // namespace podfit::cli

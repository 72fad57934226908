// `podfit collect`: poll the metrics API and append one JSON line per tick.
//
// Each line is the PodMetricsList the API returned (compacted onto one line if
// it was not), so the offline reader takes the file as it is. Restarts and OOM
// kills seen during collection go to a sidecar file (events_path()), one JSON
// object per line, because the samples file must hold PodMetricsList only.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "podfit/core/container_event.hpp"
#include "podfit/core/error.hpp"
#include "podfit/kube/client.hpp"
#include "podfit/kube/metrics.hpp"

namespace podfit::kube {

// Where collected ticks go instead of the JSONL files (the store, in the CLI).
class CollectSink {
 public:
  virtual ~CollectSink() = default;
  // One tick: the PodMetricsList as the API returned it.
  virtual Result<void> append_metrics(const std::string& pod_metrics_list) = 0;
  virtual Result<void> append_event(const ContainerEvent& event) = 0;
};

struct CollectOptions {
  Scope scope;
  double interval_seconds = 15;
  double duration_seconds = 1800;
  std::string out_path;
  CollectSink* sink = nullptr;  // when set, ticks go here and out_path is unused
  bool watch_pods = true;       // list pods each tick to record restarts and OOM kills
};

struct CollectStatus {
  double elapsed_seconds = 0;
  double remaining_seconds = 0;
  std::size_t ticks = 0;           // polls attempted
  std::size_t written = 0;         // lines appended
  std::size_t same_timestamp = 0;  // polls skipped: data not newer than the last line
  std::size_t errors = 0;          // failed polls or writes (each retried next tick)
  std::size_t pods_seen = 0;       // distinct pods in the metrics so far
  std::size_t events = 0;          // restart/OOM events recorded
};

struct CollectHooks {
  std::function<void(const CollectStatus&)> progress;  // after every tick
  std::function<void(const std::string&)> log;         // failed ticks, events
  std::function<double()> now;                         // monotonic seconds; default steady_clock
  // Waits up to `seconds`, returning early once `stop` is set; default: 100 ms naps.
  std::function<void(double seconds, const std::atomic<bool>& stop)> wait;
};

// "<samples>.events.jsonl"
std::string events_path(const std::string& samples_path);

struct LivePod;
struct LiveContainer;
// The event a restarted container stands for (its last termination, its limit then);
// an unreadable finishedAt gives the time now.
ContainerEvent event_of(const LivePod& pod, const LiveContainer& container);

// Reads an events file written by collect(); errors name path:line.
Result<std::vector<ContainerEvent>> read_events_file(const std::string& path);

// Runs until the duration ends or `stop` is set. Fails only when the output
// file cannot be opened; every later problem is counted, logged and retried.
Result<CollectStatus> collect(ApiClient& client, const CollectOptions& options,
                              const std::atomic<bool>& stop, CollectHooks hooks = {});

}  // namespace podfit::kube

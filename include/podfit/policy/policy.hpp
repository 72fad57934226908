// From statistics to requests and limits. Pure: no I/O.
// Defaults and their reasons are documented in docs/policy.md.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "podfit/core/container_event.hpp"
#include "podfit/core/error.hpp"
#include "podfit/core/workload.hpp"
#include "podfit/core/workload_facts.hpp"
#include "podfit/stats/summary.hpp"

namespace podfit::policy {

enum class CpuLimitMode { set, keep, none };
// Which statistic of a Summary a request or limit is based on.
enum class Statistic { p50, p80, p90, p95, p99, max };
const char* statistic_name(Statistic statistic);  // "p50" ... "max"

struct PolicyOptions {
  // p90: CPU is compressible and bursts above the request run on the limit's headroom;
  // docs/backtest.md shows why this beats p95-based requests.
  Statistic cpu_request_statistic = Statistic::p90;
  // The cost-based CPU request, in cores (docs/policy.md): from cpu_request_statistic up to
  // the max, the level where idle reserve + this x share of samples above it is least.
  // 0: the plain percentile. Chosen on real traces (docs/backtest.md).
  double cpu_request_exceedance_cost = 2.0;
  double cpu_request_margin = 1.15;
  // Confidence: with more history than this, the CPU request margin shrinks by
  // sqrt(this / history) (1 day of history: 1.15 -> 1.03). 0 keeps the full margin.
  double cpu_margin_confidence_seconds = 3600;
  Statistic cpu_limit_statistic = Statistic::max;
  // x 2: on real traces x 1.25 throttled 0.1-0.6 % of test samples (docs/backtest.md).
  double cpu_limit_margin = 2.0;
  Statistic memory_request_statistic = Statistic::p99;
  double memory_request_margin = 1.15;
  Statistic memory_limit_statistic = Statistic::max;
  // x 2: real memory steps up by more than 1.25 x within days (docs/backtest.md).
  double memory_limit_margin = 2.0;

  CpuLimitMode cpu_limit = CpuLimitMode::set;
  bool guaranteed = false;  // --qos=guaranteed: every limit equals its request
  // Memory that rises steadily in pods gets a limit at the max projected over the
  // longest pod lifetime seen (ContainerStats::memory_growth_per_second).
  bool project_memory_growth = true;

  double min_cpu_cores = 0.001;  // floors, see docs/policy.md
  double min_memory_bytes = 8.0 * 1024 * 1024;

  // Time decay of the percentiles (docs/policy.md): a sample one half-life older than the
  // newest counts half as much. 0: off, every sample counts the same. Max is never decayed.
  double half_life_seconds = 0;

  std::size_t min_samples = 20;     // fewer (or, with decay, fewer effective): no recommendation
  double min_window_seconds = 600;  // shorter: no recommendation
  double min_change = 0.10;         // smaller relative change: keep the current value
  // A CronJob seen for fewer runs (pods) gets no recommendation: one run's peak says little
  // of the next one's.
  std::size_t min_runs = 3;
  // Jobs and CronJobs from each run's peak (docs/policy.md); false pools their samples as
  // for any workload (what the VPA and KRR do).
  bool size_jobs_per_run = true;
};

// Applies `key: value` settings (from a --policy file or flags) on top of `base`.
// Keys are documented in docs/policy.md; an unknown key or bad value is an error
// naming `origin` (e.g. "policy.yaml:4").
Result<PolicyOptions> apply_settings(PolicyOptions base,
                                     const std::map<std::string, std::string>& settings,
                                     const std::string& origin);

// Every setting apply_settings knows, in key order: its help, and whether the CLI
// offers it as a flag (--KEY VALUE) as well as in a --policy file.
struct SettingDoc {
  std::string key;
  std::string help;
  bool flag = false;
};
std::vector<SettingDoc> setting_docs();
// A setting's value in `options`, written as the setting takes it ("p90", "1.15",
// "10%", "10m", "off"); empty for an unknown key.
std::string setting_text(const PolicyOptions& options, std::string_view key);

// An HPA target that keeps the pods' scaling point under new requests.
struct AutoscalerChange {
  Autoscaler autoscaler;
  std::size_t metric = 0;  // index into autoscaler.metrics
  double from = 0;         // averageUtilization now
  double to = 0;           // proposed
};

// A pod template annotation that sets an injected sidecar's resources.
struct AnnotationChange {
  std::string key;  // "sidecar.istio.io/proxyCPU"
  EditableScalar current;
  std::string value;  // "120m"
};

struct Recommendation {
  stats::ContainerStats stats;
  Resources current;                // as found in the manifest (empty when unknown)
  Resources recommended;            // the complete target: an absent field means "remove it"
  bool has_recommendation = false;  // false: too little data, nothing changes
  std::string reason;               // why these numbers, or why none
  EventCounts events;
  ContainerRole role = ContainerRole::regular;
  std::vector<AutoscalerChange> autoscaler_changes;  // HPAs of the workload (on one container)
  std::vector<AnnotationChange> annotation_changes;  // a mesh sidecar's annotations
  bool changes() const { return has_recommendation && recommended != current; }
  // An HPA target or sidecar annotation to change, besides (or instead of) the resources.
  bool changes_elsewhere() const {
    return has_recommendation && (!autoscaler_changes.empty() || !annotation_changes.empty());
  }
};

// What the manifests say of the container beyond its resources (all optional).
struct ContainerContext {
  const WorkloadFacts* workload = nullptr;
  const ContainerFacts* container = nullptr;  // nullptr: not in the manifest (injected?)
};

// An OOM-killed container's memory request and limit are at least 1.2 x the limit it
// was killed at: its real need is above what the samples could show.
// Jobs and CronJobs are sized per run (docs/policy.md); with `context`, plain init
// containers from their peak and a runtime's fixed heap bounds the memory limit.
Recommendation recommend(const stats::ContainerStats& stats, const Resources& current,
                         const PolicyOptions& options, const EventCounts& events = {},
                         const ContainerContext& context = {});

// CPU up to whole millicores and memory up to whole Mi, ignoring float noise just
// above a whole unit, with the text quantity::format_* gives.
ResourceValue round_cpu(double cores);
ResourceValue round_memory(double bytes);

}  // namespace podfit::policy

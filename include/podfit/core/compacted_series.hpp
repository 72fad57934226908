// What stays exact of a series whose raw points were folded into sketches while it was
// read (history::load_recorded streams long JSONL histories so): its time span, the
// window of its earliest point, its count, and the running moments of its memory trend.
// Its percentiles live in HourSketch entries of the same pod and container.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace podfit {

// Running co-moments of (time, memory) (Welford's update), so the least-squares slope
// and R^2 of memory over time need no points: the same numbers, up to float rounding,
// as stats::memory_trend over the points added (in any order).
class TrendMoments {
 public:
  void add(std::int64_t time_ns, double memory_bytes) {
    if (count_ == 0) origin_ns_ = time_ns;
    ++count_;
    // Seconds from the first point: nanosecond epochs squared would lose all precision.
    double t = static_cast<double>(time_ns - origin_ns_) / 1e9;
    double n = static_cast<double>(count_);
    double dt = t - mean_t_, dm = memory_bytes - mean_m_;
    mean_t_ += dt / n;
    mean_m_ += dm / n;
    double dm_after = memory_bytes - mean_m_;
    stt_ += dt * (t - mean_t_);
    smm_ += dm * dm_after;
    stm_ += dt * dm_after;
  }

  // As if `other`'s points had been added here (Chan et al.'s pairwise update): a
  // backtest folds a series part by part and merges the parts a window spans.
  void merge(const TrendMoments& other) {
    if (other.count_ == 0) return;
    if (count_ == 0) {
      *this = other;
      return;
    }
    double n_a = static_cast<double>(count_), n_b = static_cast<double>(other.count_);
    double n = n_a + n_b;
    double other_mean_t = other.mean_t_ + static_cast<double>(other.origin_ns_ - origin_ns_) / 1e9;
    double dt = other_mean_t - mean_t_, dm = other.mean_m_ - mean_m_;
    double cross = n_a * n_b / n;
    stt_ += other.stt_ + dt * dt * cross;
    smm_ += other.smm_ + dm * dm * cross;
    stm_ += other.stm_ + dt * dm * cross;
    mean_t_ += dt * n_b / n;
    mean_m_ += dm * n_b / n;
    count_ += other.count_;
  }

  std::size_t count() const { return count_; }
  double mean_memory() const { return mean_m_; }
  double sum_tt() const { return stt_; }  // sum of squared time deviations (s^2)
  double sum_mm() const { return smm_; }
  double sum_tm() const { return stm_; }

 private:
  std::size_t count_ = 0;
  std::int64_t origin_ns_ = 0;
  double mean_t_ = 0, mean_m_ = 0;
  double stt_ = 0, smm_ = 0, stm_ = 0;
};

struct CompactedSeries {
  std::uint32_t pod = 0;  // index into the SampleSet's pods() it comes with
  std::string container;
  std::int64_t first_ns = 0;  // earliest compacted point
  std::int64_t last_ns = 0;   // latest compacted point
  double last_cpu_cores = 0;  // its values (the current usage `top` shows)
  double last_memory_bytes = 0;
  double first_window_seconds = 0;  // `window` of the earliest point
  TrendMoments memory_trend;        // its count() is the number of points compacted
};

}  // namespace podfit

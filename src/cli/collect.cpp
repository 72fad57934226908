// podfit collect: sample the metrics API into a JSONL file the offline pipeline reads.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <thread>

#include "cli/commands.hpp"
#include "cli/durations.hpp"
#include "cli/kube_options.hpp"
#include "podfit/core/error.hpp"
#include "podfit/core/time.hpp"
#include "podfit/kube/collect.hpp"
#include "podfit/quantity/quantity.hpp"
#include "podfit/source/recorded.hpp"
#include "podfit/store/store.hpp"

namespace podfit::cli {

namespace {

std::atomic<bool> g_stop{false};

extern "C" void request_stop(int) {
  g_stop = true;
}

struct CollectFlags {
  KubeFlags kube;
  std::string interval = "15s";
  std::string duration = "30m";
  std::string out;
  std::string store;
  bool no_pod_status = false;
  // With --store: compaction when the run ends (as `podfit store compact`).
  std::string raw_window = "48h";
  std::string retention = "28d";
  bool no_compact = false;
};

// Ends a --store run the way `store compact` would, so that a store only ever written
// by scheduled runs stays bounded. The file is rewritten (VACUUM) only when a quarter
// of it is free: pages freed each hour are reused by the next hours anyway.
void compact_after_collecting(store::Store& store, double raw_window, double retention) {
  auto compacted =
      store.compact(now_ns(), raw_window, retention, store::Vacuum::when_a_quarter_free);
  if (!compacted) {
    throw Failure(ExitCode::fatal, "compacting after the run (every tick is already stored): " +
                                       compacted.error().message);
  }
  std::cerr << "podfit collect: " << compacted->text() << (compacted->vacuumed ? "; vacuumed" : "")
            << "\n";
}

// Ticks into the store: each tick (and each event) is one transaction.
class StoreSink : public kube::CollectSink {
 public:
  explicit StoreSink(store::Store& store) : store_(store) {}

  Result<void> append_metrics(const std::string& pod_metrics_list) override {
    SampleSet samples;
    std::istringstream line(pod_metrics_list);
    source::ReadSummary read = source::read_recorded(line, store_.path() + " (tick)", samples);
    if (read.skipped > 0) {
      return fail(read.warnings.empty() ? "a malformed PodMetricsList" : read.warnings.front());
    }
    samples.finalize();
    PODFIT_TRY(store_.append(samples));
    return {};
  }

  Result<void> append_event(const ContainerEvent& event) override {
    PODFIT_TRY(store_.append(SampleSet{}, {event}));
    return {};
  }

 private:
  store::Store& store_;
};

std::string clock_text(double seconds) {
  long total = static_cast<long>(seconds + 0.5);
  char text[32];
  std::snprintf(text, sizeof text, "%02ld:%02ld:%02ld", total / 3600, total / 60 % 60, total % 60);
  return text;
}

std::string status_text(const kube::CollectStatus& status) {
  return clock_text(status.elapsed_seconds) + " elapsed, " + clock_text(status.remaining_seconds) +
         " left | ticks " + std::to_string(status.ticks) + " (written " +
         std::to_string(status.written) + ", same timestamp " +
         std::to_string(status.same_timestamp) + ") | pods " + std::to_string(status.pods_seen) +
         " | errors " + std::to_string(status.errors);
}

// Progress on a terminal: one line redrawn every second. Otherwise a log line per minute.
class ProgressDisplay {
 public:
  explicit ProgressDisplay(double duration) : duration_(duration), tty_(isatty(STDERR_FILENO)) {}

  void update(const kube::CollectStatus& status) {
    last_ = status;
    if (tty_) return redraw();
    if (status.elapsed_seconds - last_log_ >= 60 || status.ticks == 1) {
      last_log_ = status.elapsed_seconds;
      std::cerr << "podfit collect: " << status_text(status) << std::endl;
    }
  }

  void log(const std::string& message) {
    if (tty_) std::cerr << "\r\033[K";
    std::cerr << "podfit collect: " << message << std::endl;
    if (tty_) redraw();
  }

  void wait(double seconds, const std::atomic<bool>& stop) {
    auto until = std::chrono::steady_clock::now() +
                 std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                     std::chrono::duration<double>(seconds));
    while (!stop && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
          until - std::chrono::steady_clock::now(), std::chrono::milliseconds(100)));
      if (tty_ && last_.ticks > 0 &&
          std::chrono::steady_clock::now() - drawn_ > std::chrono::seconds(1)) {
        last_.elapsed_seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
        last_.remaining_seconds = std::max(0.0, duration_ - last_.elapsed_seconds);
        redraw();
      }
    }
  }

  void finish() {
    if (tty_) std::cerr << "\r\033[K";
  }

 private:
  void redraw() {
    drawn_ = std::chrono::steady_clock::now();
    std::cerr << "\r\033[K" << status_text(last_) << std::flush;
  }

  double duration_;
  bool tty_;
  kube::CollectStatus last_;
  double last_log_ = 0;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point drawn_;
};

int run_collect(const CollectFlags& flags) {
  kube::CollectOptions options;
  options.interval_seconds = duration_flag("--interval", flags.interval);
  options.duration_seconds = duration_flag("--duration", flags.duration);
  double raw_window = duration_flag("--raw-window", flags.raw_window, true);
  double retention = duration_flag("--retention", flags.retention);
  if (retention < raw_window) {
    throw Failure(ExitCode::usage, "--retention must be at least --raw-window");
  }
  options.out_path = flags.out;
  options.watch_pods = !flags.no_pod_status;
  if (flags.out.empty() == flags.store.empty()) {
    throw Failure(ExitCode::usage, "collect needs one of --out FILE and --store PATH");
  }
  // The store: the writer lock first (a second collector is refused), then the file.
  std::optional<store::CollectorLock> lock;
  std::optional<store::Store> history;
  std::unique_ptr<StoreSink> sink;
  if (!flags.store.empty()) {
    auto acquired = store::CollectorLock::acquire(flags.store);
    if (!acquired) throw Failure(ExitCode::fatal, acquired.error().message);
    lock.emplace(std::move(*acquired));
    auto opened = store::Store::open(flags.store);
    if (!opened) throw Failure(ExitCode::fatal, opened.error().message);
    history.emplace(std::move(*opened));
    sink = std::make_unique<StoreSink>(*history);
    options.sink = sink.get();
  }
  KubeConnection connection = connect_to_cluster(flags.kube);
  options.scope = connection.scope;

  struct sigaction action {};
  action.sa_handler = request_stop;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);

  ProgressDisplay display(options.duration_seconds);
  kube::CollectHooks hooks;
  hooks.progress = [&](const kube::CollectStatus& status) { display.update(status); };
  hooks.log = [&](const std::string& message) { display.log(message); };
  hooks.wait = [&](double seconds, const std::atomic<bool>& stop) { display.wait(seconds, stop); };
  auto status = kube::collect(*connection.client, options, g_stop, hooks);
  display.finish();
  if (!status) throw Failure(ExitCode::fatal, status.error().message);
  std::cerr << "podfit collect: " << (g_stop ? "stopped" : "done") << ": wrote " << status->written
            << " ticks to " << (flags.store.empty() ? flags.out : flags.store) << " ("
            << status->same_timestamp << " skipped with an already written timestamp, "
            << status->errors << " errors, " << status->events << " restart/OOM events, "
            << status->pods_seen << " pods)\n";
  if (history && !flags.no_compact) compact_after_collecting(*history, raw_window, retention);
  return static_cast<int>(status->errors > 0 ? ExitCode::partial : ExitCode::ok);
}

}  // namespace

void register_collect(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<CollectFlags>();
  CLI::App* command = app.add_subcommand(
      "collect",
      "Sample pod usage from the metrics API into a JSONL file (until --duration or "
      "Ctrl-C)");
  add_kube_options(*command, flags->kube);
  command->add_option("--interval", flags->interval, "time between polls (default 15s)")
      ->type_name("DURATION");
  command->add_option("--duration", flags->duration, "how long to collect (default 30m)")
      ->type_name("DURATION");
  // Not -o: that is the output format in every other command.
  command->add_option("--out", flags->out, "JSONL file to append to")->type_name("FILE");
  command->add_option("--store", flags->store, "podfit store (SQLite) to write each tick to")
      ->type_name("PATH");
  command->add_flag("--no-pod-status", flags->no_pod_status,
                    "do not list pods each tick (no restart/OOM events)");
  command
      ->add_option("--raw-window", flags->raw_window,
                   "with --store: keep raw samples this long, then compact (default 48h)")
      ->type_name("DURATION");
  command
      ->add_option("--retention", flags->retention,
                   "with --store: drop compacted hours older than this (default 28d)")
      ->type_name("DURATION");
  command->add_flag("--no-compact", flags->no_compact,
                    "with --store: do not compact when the run ends");
  command->callback([flags, &exit_code] { exit_code = run_collect(*flags); });
}

}  // namespace podfit::cli

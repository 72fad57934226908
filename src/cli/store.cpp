// podfit store import|export|compact|info: moving history between JSON Lines and
// the store, compacting it, and saying what it holds.
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <memory>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/durations.hpp"
#include "podfit/core/time.hpp"
#include "podfit/kube/collect.hpp"
#include "podfit/source/recorded.hpp"
#include "podfit/store/store.hpp"

namespace podfit::cli {

namespace {

struct StoreOptions {
  std::string store_path = "podfit.db";
  std::vector<std::string> import_files;
  std::string from, to;  // export range (RFC 3339)
  std::string raw_window = "48h";
  std::string retention = "28d";
  std::string now;  // compact: RFC 3339 or "latest"; default the clock
  bool check = false;  // info --check
};

std::int64_t time_ns(const std::string& flag, const std::string& text) {
  auto parsed = parse_supported_time_ns(text);
  if (!parsed) throw Failure(ExitCode::usage, flag + ": " + parsed.error().message);
  return *parsed;
}

std::int64_t wall_clock_ns() {
  return now_ns();
}

// The reader numbers the lines of the one-line stream it is given; say which line it was.
std::string renumber(const std::string& warning, const std::string& path, std::size_t line) {
  std::string prefix = path + ":1:";
  if (warning.rfind(prefix, 0) != 0) return warning;
  return path + ":" + std::to_string(line) + ":" + warning.substr(prefix.size());
}

// One transaction per line, so a kill keeps every line reported as committed.
void import_file(store::Store& store, const std::string& path, std::size_t& problems) {
  std::ifstream file;
  std::istream* in = &std::cin;
  if (path != "-") {
    file.open(path, std::ios::binary);
    if (!file) throw Failure(ExitCode::fatal, path + ": cannot open: " + std::strerror(errno));
    in = &file;
  }
  std::string line;
  std::size_t number = 0, committed = 0, points = 0, added = 0;
  while (std::getline(*in, line)) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    std::istringstream one(line);
    SampleSet samples;
    source::ReadSummary read = source::read_recorded(one, path, samples);
    for (const std::string& warning : read.warnings) {
      std::cerr << "podfit: warning: " << renumber(warning, path, number) << '\n';
    }
    problems += read.skipped;
    samples.finalize();
    store::AppendSummary summary = must(store.append(samples));
    points += summary.points;
    added += summary.added;
    if (++committed % 100 == 0) {
      std::cerr << "podfit: " << path << ": committed " << committed << " lines\n";
    }
  }
  if (in->bad()) throw Failure(ExitCode::fatal, path + ": read error");
  std::cerr << "podfit: " << path << ": committed " << committed << " lines, " << added
            << " new points of " << points << '\n';
}

// The restarts and OOM kills `collect` wrote beside a samples file, when there are any.
void import_events_beside(store::Store& store, const std::string& path) {
  std::string events_path = kube::events_path(path);
  std::error_code error;
  if (path == "-" || !std::filesystem::is_regular_file(events_path, error)) return;
  std::vector<ContainerEvent> events = must(kube::read_events_file(events_path));
  must(store.append(SampleSet{}, events));
  std::cerr << "podfit: " << events_path << ": committed " << events.size() << " events\n";
}

int run_import(const StoreOptions& options) {
  store::CollectorLock lock = must(store::CollectorLock::acquire(options.store_path));
  store::Store store = must(store::Store::open(options.store_path));
  std::size_t problems = 0;
  for (const std::string& path : options.import_files) {
    import_file(store, path, problems);
    import_events_beside(store, path);
  }
  return static_cast<int>(problems > 0 ? ExitCode::partial : ExitCode::ok);
}

int run_export(const StoreOptions& options) {
  store::Store store = must(store::Store::open(options.store_path, store::OpenMode::read_only));
  std::int64_t from = options.from.empty() ? std::numeric_limits<std::int64_t>::min()
                                           : time_ns("--from", options.from);
  std::int64_t to =
      options.to.empty() ? std::numeric_limits<std::int64_t>::max() : time_ns("--to", options.to);
  store::StoredHistory history = must(store.read(from, to));
  store::write_jsonl(std::cout, history.samples);
  if (!history.sketches.empty()) {
    std::cerr << "podfit: note: " << history.sketches.size()
              << " compacted container-hours hold no raw samples and are not exported\n";
  }
  return static_cast<int>(ExitCode::ok);
}

int run_compact(const StoreOptions& options) {
  double raw_window = duration_flag("--raw-window", options.raw_window, true);
  double retention = duration_flag("--retention", options.retention);
  if (retention < raw_window) {
    throw Failure(ExitCode::usage, "--retention must be at least --raw-window");
  }
  store::CollectorLock lock = must(store::CollectorLock::acquire(options.store_path));
  store::Store store = must(store::Store::open(options.store_path));
  std::int64_t now = wall_clock_ns();
  if (options.now == "latest") {
    store::StoreInfo info = must(store.info());
    if (!info.last_raw_ns) throw Failure(ExitCode::fatal, "--now latest: no raw samples");
    now = *info.last_raw_ns;
  } else if (!options.now.empty()) {
    now = time_ns("--now", options.now);
  }
  store::CompactSummary summary = must(store.compact(now, raw_window, retention));
  std::cout << summary.text() << '\n';
  return static_cast<int>(ExitCode::ok);
}

std::string time_text(const std::optional<std::int64_t>& time_ns) {
  return time_ns ? format_rfc3339(*time_ns) : "-";
}

void print_info(const store::StoreInfo& info) {
  std::cout << "store:          " << info.path << " (schema " << info.schema_version << ")\n"
            << "size:           " << info.file_bytes << " bytes\n"
            << "pods:           " << info.pods << " (" << info.series << " containers)\n"
            << "raw samples:    " << info.raw_points << " from " << time_text(info.first_raw_ns)
            << " to " << time_text(info.last_raw_ns) << '\n'
            << "hour sketches:  " << info.sketches << " (" << info.sketched_points
            << " samples) from " << time_text(info.first_sketch_hour_ns) << " to "
            << time_text(info.last_sketch_hour_ns) << '\n'
            << "events:         " << info.events << '\n'
            << "workload specs: " << info.resources << '\n';
}

// What info --check found; true when the store is sound.
bool print_check(const store::Store& store) {
  store::StoreCheck check = must(store.check());
  std::cout << "check:          " << (check.ok() ? "ok" : "DAMAGED") << " (" << check.chunks
            << " chunks and " << check.sketches << " hour sketches verified";
  if (check.without_checksum > 0) std::cout << ", " << check.without_checksum << " without checksum";
  std::cout << ")\n";
  std::string where = "podfit: error: " + store.path() + ": ";
  if (check.integrity != "ok") std::cerr << where << "SQLite: " << check.integrity << '\n';
  for (const std::string& problem : check.problems) std::cerr << where << problem << '\n';
  if (check.problem_count > check.problems.size())
    std::cerr << where << "and " << check.problem_count - check.problems.size()
              << " more damaged rows\n";
  return check.ok();
}

int run_info(const StoreOptions& options) {
  store::Store store = must(store::Store::open(options.store_path, store::OpenMode::read_only));
  auto info = store.info();
  if (!options.check) {
    print_info(must(std::move(info)));
    return static_cast<int>(ExitCode::ok);
  }
  // A damaged store may fail the summary; the check still says where.
  if (info) {
    print_info(*info);
  } else {
    std::cerr << "podfit: error: " << info.error().message << '\n';
  }
  bool sound = print_check(store);
  return static_cast<int>(sound && info ? ExitCode::ok : ExitCode::fatal);
}

}  // namespace

void register_store(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<StoreOptions>();
  CLI::App* command =
      app.add_subcommand("store", "Import, export, compact or describe a history store");
  command->require_subcommand(1);
  // `store import FILE --store PATH` as well as `store --store PATH import FILE`.
  command->fallthrough();
  command->add_option("--store", options->store_path, "the store file (default podfit.db)")
      ->type_name("PATH");

  CLI::App* import_command = command->add_subcommand(
      "import",
      "Append recorded JSON Lines (and the events collect wrote beside them) to the store");
  import_command->add_option("files", options->import_files, "JSON Lines of PodMetricsList")
      ->required()
      ->type_name("FILE");
  import_command->callback([options, &exit_code] { exit_code = run_import(*options); });

  CLI::App* export_command =
      command->add_subcommand("export", "Write the raw samples as JSON Lines to standard output");
  export_command->add_option("--from", options->from, "first time (RFC 3339), inclusive")
      ->type_name("TIME");
  export_command->add_option("--to", options->to, "end time (RFC 3339), exclusive")
      ->type_name("TIME");
  export_command->callback([options, &exit_code] { exit_code = run_export(*options); });

  CLI::App* compact_command = command->add_subcommand(
      "compact", "Turn raw samples older than the raw window into hourly sketches");
  compact_command->add_option("--raw-window", options->raw_window, "keep raw (default 48h)")
      ->type_name("DURATION");
  compact_command->add_option("--retention", options->retention, "keep sketches (default 28d)")
      ->type_name("DURATION");
  compact_command->add_option("--now", options->now, "RFC 3339 time or 'latest' (default: now)")
      ->type_name("TIME");
  compact_command->callback([options, &exit_code] { exit_code = run_compact(*options); });

  CLI::App* info_command = command->add_subcommand("info", "What the store holds");
  info_command->add_flag("--check", options->check,
                         "also verify the file (SQLite integrity check) and every chunk and "
                         "sketch checksum; exit 4 when damaged");
  info_command->callback([options, &exit_code] { exit_code = run_info(*options); });
  for (CLI::App* subcommand : {import_command, export_command, compact_command, info_command}) {
    subcommand->fallthrough();
  }
}

}  // namespace podfit::cli

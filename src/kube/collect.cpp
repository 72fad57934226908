#include "podfit/kube/collect.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "podfit/core/time.hpp"
#include "podfit/kube/live.hpp"
#include "podfit/quantity/quantity.hpp"

namespace podfit::kube {

namespace {

using nlohmann::json;

// An append-only file: each record is written whole and fsync'ed, or not at all.
class AppendFile {
 public:
  ~AppendFile() {
    if (fd_ >= 0) close(fd_);
  }
  Result<void> open_file(const std::string& path) {
    path_ = path;
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd_ < 0) return fail(path + ": cannot open for appending: " + std::strerror(errno));
    struct stat info {};
    if (fstat(fd_, &info) == 0 && info.st_size > 0) {
      // A previous run cut short mid-line must not glue its tail to our first line.
      char last = '\n';
      int reader = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (reader >= 0) {
        if (pread(reader, &last, 1, info.st_size - 1) != 1) last = '\n';
        close(reader);
      }
      if (last != '\n') return append("\n");
    }
    return {};
  }
  Result<void> append(const std::string& record) {
    off_t before = lseek(fd_, 0, SEEK_END);
    std::size_t done = 0;
    while (done < record.size()) {
      ssize_t count = write(fd_, record.data() + done, record.size() - done);
      if (count < 0 && errno == EINTR) continue;
      if (count < 0) {
        std::string why = std::strerror(errno);
        if (before >= 0 && ftruncate(fd_, before) != 0)
          why += " (and could not undo a partial line)";
        return fail(path_ + ": write failed: " + why);
      }
      done += static_cast<std::size_t>(count);
    }
    if (fsync(fd_) != 0) return fail(path_ + ": fsync failed: " + std::strerror(errno));
    return {};
  }

 private:
  std::string path_;
  int fd_ = -1;
};

// The body on one line: as served when it already is, else re-serialised in key order.
std::string one_line(const std::string& body) {
  std::string line = body;
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  if (line.find('\n') != std::string::npos) {
    line = nlohmann::ordered_json::parse(body).dump();
  }
  return line + "\n";
}

std::string event_line(const LivePod& pod, const LiveContainer& container) {
  json event = {{"kind", "ContainerEvent"},
                {"namespace", pod.namespace_name},
                {"pod", pod.name},
                {"container", container.name},
                {"restartCount", container.restart_count},
                {"reason", container.last_termination_reason},
                {"finishedAt", container.last_termination_time}};
  if (container.current.memory_limit) event["memoryLimit"] = container.current.memory_limit->text;
  return event.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

ContainerEvent event_from(std::string namespace_name, std::string pod, std::string container,
                          int restart_count, std::string reason, const std::string& finished_at,
                          std::optional<double> memory_limit_bytes) {
  auto finished = parse_supported_time_ns(finished_at);
  return ContainerEvent{std::move(namespace_name), std::move(pod),
                        std::move(container),      finished ? *finished : now_ns(),
                        std::move(reason),         restart_count,
                        memory_limit_bytes};
}

void default_wait(double seconds, const std::atomic<bool>& stop) {
  auto until = std::chrono::steady_clock::now() +
               std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                   std::chrono::duration<double>(seconds));
  while (!stop && std::chrono::steady_clock::now() < until) {
    auto left = until - std::chrono::steady_clock::now();
    std::this_thread::sleep_for(
        std::min<std::chrono::steady_clock::duration>(left, std::chrono::milliseconds(100)));
  }
}

class Collector {
 public:
  Collector(ApiClient& client, const CollectOptions& options, CollectHooks& hooks)
      : client_(client), options_(options), hooks_(hooks) {}

  Result<void> open() {
    if (options_.sink != nullptr) return {};
    auto opened = samples_.open_file(options_.out_path);
    if (!opened) return opened;
    if (options_.watch_pods) return events_.open_file(events_path(options_.out_path));
    return {};
  }

  void tick(CollectStatus& status) {
    ++status.ticks;
    poll_metrics(status);
    if (options_.watch_pods) poll_pods(status);
    status.pods_seen = pods_seen_.size();
  }

 private:
  void report(CollectStatus& status, const std::string& message) {
    ++status.errors;
    if (hooks_.log) hooks_.log("tick " + std::to_string(status.ticks) + ": " + message);
  }

  void poll_metrics(CollectStatus& status) {
    auto body = fetch_pod_metrics(client_, options_.scope);
    if (!body) return report(status, body.error().message + " (retrying next tick)");
    std::string origin = "GET " + client_.url(pod_metrics_path(options_.scope));
    auto pods = parse_pod_metrics_list(*body, origin);
    if (!pods) return report(status, pods.error().message + " (retrying next tick)");
    std::int64_t newest = 0;
    for (const PodUsage& pod : *pods) {
      pods_seen_.insert(pod.namespace_name + "/" + pod.name);
      auto time = parse_supported_time_ns(pod.timestamp);
      if (time) newest = std::max(newest, *time);
    }
    if (pods->empty() || newest <= last_timestamp_ns_) {
      ++status.same_timestamp;  // nothing newer than what is already written
      return;
    }
    auto written = options_.sink != nullptr ? options_.sink->append_metrics(one_line(*body))
                                            : samples_.append(one_line(*body));
    if (!written) return report(status, written.error().message);
    last_timestamp_ns_ = newest;
    ++status.written;
  }

  void poll_pods(CollectStatus& status) {
    auto pods = list_pods(client_, options_.scope);
    if (!pods) return report(status, pods.error().message);
    for (const LivePod& pod : *pods) {
      for (const LiveContainer& container : pod.containers) {
        std::string key = pod.namespace_name + "/" + pod.name + "/" + container.name;
        auto known = restarts_.find(key);
        bool first_sight = known == restarts_.end();
        // Record a kill that happened before collection started, and every new one.
        bool changed =
            first_sight ? container.restart_count > 0 && !container.last_termination_reason.empty()
                        : container.restart_count > known->second;
        restarts_[key] = container.restart_count;
        if (!changed) continue;
        auto written = options_.sink != nullptr
                           ? options_.sink->append_event(event_of(pod, container))
                           : events_.append(event_line(pod, container));
        if (!written) return report(status, written.error().message);
        ++status.events;
        if (hooks_.log)
          hooks_.log(pod.namespace_name + "/" + pod.name + " container " + container.name +
                     " restarted (" + std::to_string(container.restart_count) + " restarts" +
                     (container.last_termination_reason.empty()
                          ? ""
                          : ", last: " + container.last_termination_reason) +
                     ")");
      }
    }
  }

  ApiClient& client_;
  const CollectOptions& options_;
  CollectHooks& hooks_;
  AppendFile samples_;
  AppendFile events_;
  std::int64_t last_timestamp_ns_ = 0;
  std::set<std::string> pods_seen_;
  std::map<std::string, int> restarts_;
};

}  // namespace

ContainerEvent event_of(const LivePod& pod, const LiveContainer& container) {
  std::optional<double> limit;
  if (container.current.memory_limit) limit = container.current.memory_limit->amount;
  return event_from(pod.namespace_name, pod.name, container.name, container.restart_count,
                    container.last_termination_reason, container.last_termination_time, limit);
}

std::string events_path(const std::string& samples_path) {
  return samples_path + ".events.jsonl";
}

Result<std::vector<ContainerEvent>> read_events_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return fail(path + ": cannot read it");
  std::vector<ContainerEvent> events;
  std::string line;
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    json object = json::parse(line, nullptr, false);
    if (!object.is_object() || object.value("kind", "") != "ContainerEvent")
      return fail(path + ":" + std::to_string(number) + ": not a ContainerEvent JSON object");
    std::optional<double> limit;
    if (auto text = object.value("memoryLimit", ""); !text.empty()) {
      auto parsed = quantity::parse(text);
      if (!parsed) return fail(path + ":" + std::to_string(number) + ": " + parsed.error().message);
      limit = parsed->value();
    }
    events.push_back(event_from(object.value("namespace", ""), object.value("pod", ""),
                                object.value("container", ""), object.value("restartCount", 0),
                                object.value("reason", ""), object.value("finishedAt", ""), limit));
  }
  return events;
}

Result<CollectStatus> collect(ApiClient& client, const CollectOptions& options,
                              const std::atomic<bool>& stop, CollectHooks hooks) {
  if (!hooks.now) {
    hooks.now = [] {
      return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
          .count();
    };
  }
  if (!hooks.wait) hooks.wait = default_wait;
  Collector collector(client, options, hooks);
  PODFIT_TRY(collector.open());
  CollectStatus status;
  const double start = hooks.now();
  double next_tick = start;
  // A dead server must not keep collect past --duration, one tick's retries after another.
  client.set_deadline([&] { return start + options.duration_seconds - hooks.now(); });
  while (!stop) {
    double now = hooks.now();
    if (now - start >= options.duration_seconds) break;
    if (now < next_tick) {
      hooks.wait(std::min(next_tick, start + options.duration_seconds) - now, stop);
      continue;
    }
    collector.tick(status);
    status.elapsed_seconds = hooks.now() - start;
    status.remaining_seconds = std::max(0.0, options.duration_seconds - status.elapsed_seconds);
    if (hooks.progress) hooks.progress(status);
    next_tick += options.interval_seconds;
    if (next_tick < hooks.now()) next_tick = hooks.now();  // a slow tick: skip, do not burst
  }
  client.set_deadline(nullptr);  // the lambda holds this frame's locals
  status.elapsed_seconds = hooks.now() - start;
  status.remaining_seconds = std::max(0.0, options.duration_seconds - status.elapsed_seconds);
  return status;
}

}  // namespace podfit::kube

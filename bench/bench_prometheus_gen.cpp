// OpenMetrics for bench/bench_prometheus.sh, written fast enough for 1,000
// containers x 14 days (40 M samples): CONTAINERS containers (2 per pod, 20 pods
// per namespace) scraped every SCRAPE seconds over DAYS days up to END, keeping
// only the samples in [FROM, TO) so that several parts can be written and turned
// into TSDB blocks in parallel. Each container's numbers come from its own seed,
// so the parts agree with each other.
//
// Series: container_cpu_usage_seconds_total (a counter), container_memory_working_set_bytes,
// and kube-state-metrics (kube_pod_owner, kube_pod_labels, memory limits; every 50th
// container restarted once, OOM-killed) at the first and last scrape of the part.
//
//   bench_prometheus_gen CONTAINERS DAYS SCRAPE END FROM TO OUT.om
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

namespace {

struct Container {
  std::string labels;  // namespace="..",pod="..",container=".."
  std::string pod_labels;
  double cpu_base = 0, memory_base = 0;
};

class Output {
 public:
  explicit Output(const char* path) : file_(std::fopen(path, "wb")) {
    if (file_ == nullptr) {
      std::perror(path);
      std::exit(1);
    }
    buffer_.reserve(1 << 22);
  }
  ~Output() {
    flush();
    std::fclose(file_);
  }
  void text(std::string_view part) {
    buffer_.append(part);
    if (buffer_.size() > (1 << 22)) flush();
  }
  void number(double value, int decimals) {
    char digits[48];
    auto end =
        std::to_chars(digits, digits + sizeof digits, value, std::chars_format::fixed, decimals)
            .ptr;
    buffer_.append(digits, end);
  }
  void integer(long long value) {
    char digits[24];
    buffer_.append(digits, std::to_chars(digits, digits + sizeof digits, value).ptr);
  }
  // name{labels} value time\n
  void sample(std::string_view head, double value, int decimals, long long time) {
    text(head);
    number(value, decimals);
    buffer_ += ' ';
    integer(time);
    buffer_ += '\n';
  }

 private:
  void flush() {
    if (std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size()) {
      std::perror("write");
      std::exit(1);
    }
    buffer_.clear();
  }
  std::FILE* file_;
  std::string buffer_;
};

std::vector<Container> make_containers(int count) {
  std::vector<Container> all;
  for (int c = 0; c < count; ++c) {
    int pod = c / 2, ns = pod / 20;
    char text[160];
    std::snprintf(text, sizeof text, "namespace=\"ns-%03d\",pod=\"web-%03d-7d9f8b6c5d-x%04d\"", ns,
                  ns, pod);
    Container container;
    container.pod_labels = text;
    container.labels = container.pod_labels + ",container=\"c" + std::to_string(c % 2) + "\"";
    std::mt19937_64 rng(1000 + c);
    container.cpu_base = std::uniform_real_distribution<double>(0.05, 0.5)(rng);
    container.memory_base = std::uniform_real_distribution<double>(64, 512)(rng) * 1048576;
    all.push_back(std::move(container));
  }
  return all;
}

void write_usage(Output& out, const std::vector<Container>& containers, long long start,
                 long long end, int scrape, long long from, long long to) {
  out.text("# TYPE container_cpu_usage_seconds counter\n");
  for (std::size_t c = 0; c < containers.size(); ++c) {
    std::mt19937_64 rng(7'000'000 + c);
    std::normal_distribution<double> noise(0, 1);
    std::string head = "container_cpu_usage_seconds_total{" + containers[c].labels + "} ";
    double counter = 1000;
    for (long long t = start; t <= end && t < to; t += scrape) {
      counter += containers[c].cpu_base * std::max(0.05, 1 + 0.2 * noise(rng)) * scrape;
      if (t >= from) out.sample(head, counter, 6, t);
    }
  }
  out.text("# TYPE container_memory_working_set_bytes gauge\n");
  for (std::size_t c = 0; c < containers.size(); ++c) {
    std::mt19937_64 rng(9'000'000 + c);
    std::normal_distribution<double> noise(0, 1);
    std::string head = "container_memory_working_set_bytes{" + containers[c].labels + "} ";
    for (long long t = start; t <= end && t < to; t += scrape) {
      double bytes = containers[c].memory_base * std::max(0.5, 1 + 0.02 * noise(rng));
      if (t >= from) out.sample(head, static_cast<double>(static_cast<long long>(bytes)), 0, t);
    }
  }
}

// kube-state-metrics gauges at the part's first and last scrape.
void write_kube_state(Output& out, const std::vector<Container>& containers,
                      std::vector<long long> times) {
  out.text("# TYPE kube_pod_owner gauge\n");
  for (std::size_t c = 0; c < containers.size(); c += 2) {
    int pod = static_cast<int>(c / 2), ns = pod / 20;
    char owner[64];
    std::snprintf(owner, sizeof owner, "web-%03d-7d9f8b6c5d", ns);
    std::string head = "kube_pod_owner{" + containers[c].pod_labels +
                       ",owner_kind=\"ReplicaSet\",owner_name=\"" + owner +
                       "\",owner_is_controller=\"true\"} ";
    for (long long t : times) out.sample(head, 1, 0, t);
  }
  out.text("# TYPE kube_pod_labels gauge\n");
  for (std::size_t c = 0; c < containers.size(); c += 2) {
    int ns = static_cast<int>(c / 2) / 20;
    std::string head = "kube_pod_labels{" + containers[c].pod_labels + ",label_app=\"web-" +
                       std::to_string(ns) + "\"} ";
    for (long long t : times) out.sample(head, 1, 0, t);
  }
  out.text("# TYPE kube_pod_container_resource_limits gauge\n");
  for (const Container& container : containers) {
    std::string head = "kube_pod_container_resource_limits{" + container.labels +
                       ",resource=\"memory\",unit=\"byte\"} ";
    for (long long t : times) out.sample(head, 1073741824, 0, t);
  }
  out.text("# TYPE kube_pod_container_status_restarts counter\n");
  for (std::size_t c = 0; c < containers.size(); c += 50) {
    std::string head = "kube_pod_container_status_restarts_total{" + containers[c].labels + "} ";
    for (long long t : times) out.sample(head, 1, 0, t);
  }
  out.text("# TYPE kube_pod_container_status_last_terminated_reason gauge\n");
  for (std::size_t c = 0; c < containers.size(); c += 50) {
    std::string head = "kube_pod_container_status_last_terminated_reason{" + containers[c].labels +
                       ",reason=\"OOMKilled\"} ";
    for (long long t : times) out.sample(head, 1, 0, t);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 8) {
    std::fprintf(stderr, "usage: bench_prometheus_gen CONTAINERS DAYS SCRAPE END FROM TO OUT.om\n");
    return 2;
  }
  int count = std::atoi(argv[1]);
  double days = std::atof(argv[2]);
  int scrape = std::atoi(argv[3]);
  long long end = std::atoll(argv[4]), from = std::atoll(argv[5]), to = std::atoll(argv[6]);
  long long start = end - static_cast<long long>(days * 86400);
  if (count <= 0 || scrape <= 0 || days <= 0) return 2;
  auto containers = make_containers(count);
  Output out(argv[7]);
  write_usage(out, containers, start, end, scrape, from, to);
  long long first = std::max(start, from), last = std::min(end, to - 1);
  if (long long offset = (first - start) % scrape; offset != 0) first += scrape - offset;
  last -= (last - start) % scrape;
  if (first <= last) write_kube_state(out, containers, {first, last});
  out.text("# EOF\n");
  return 0;
}

#include "podfit/kube/top.hpp"

#include <algorithm>
#include <cmath>

#include "podfit/quantity/quantity.hpp"

namespace podfit::kube {

namespace {

struct Usage {
  __int128 cpu_nanos = 0;     // cores x 10^9
  __int128 memory_nanos = 0;  // bytes x 10^9
};

// Go's resource.Quantity rounding: MilliValue() and Value() round up.
__int128 ceil_div(__int128 value, __int128 divisor) {
  __int128 quotient = value / divisor;
  return (value % divisor != 0 && value > 0) ? quotient + 1 : quotient;
}

std::string to_string(__int128 value) {
  if (value == 0) return "0";
  bool negative = value < 0;
  std::string digits;
  for (; value != 0; value /= 10)
    digits += static_cast<char>('0' + (negative ? -(value % 10) : value % 10));
  if (negative) digits += '-';
  return {digits.rbegin(), digits.rend()};
}

Result<__int128> nanos_of(const std::string& text) {
  if (text.empty()) return __int128{0};
  PODFIT_TRY_ASSIGN(parsed, quantity::parse(text));
  return parsed.nanos;
}

__int128 milli_value(__int128 nanos) {
  return ceil_div(nanos, 1'000'000);
}
__int128 mebibytes(__int128 nanos) {
  return ceil_div(nanos, 1'000'000'000) / (1024 * 1024);
}

struct ParsedPod {
  const PodUsage* pod;
  Usage total;
  std::vector<Usage> containers;  // same order as pod->containers
};

Result<ParsedPod> parse_pod(const PodUsage& pod) {
  ParsedPod parsed{&pod, {}, {}};
  for (const ContainerUsage& container : pod.containers) {
    auto cpu = nanos_of(container.cpu);
    auto memory = nanos_of(container.memory);
    if (!cpu || !memory) {
      return fail("pod " + pod.namespace_name + "/" + pod.name + " container " + container.name +
                  ": " + (!cpu ? cpu.error().message : memory.error().message));
    }
    parsed.containers.push_back({*cpu, *memory});
    parsed.total.cpu_nanos += *cpu;
    parsed.total.memory_nanos += *memory;
  }
  return parsed;
}

// kubectl's sorters: by usage descending (compared as printed precision), else by name.
bool usage_before(const Usage& a, const Usage& b, TopSort sort) {
  if (sort == TopSort::cpu) return milli_value(a.cpu_nanos) > milli_value(b.cpu_nanos);
  return ceil_div(a.memory_nanos, 1'000'000'000) > ceil_div(b.memory_nanos, 1'000'000'000);
}

}  // namespace

Result<TopSort> parse_top_sort(const std::string& text) {
  if (text.empty()) return TopSort::name;
  if (text == "cpu") return TopSort::cpu;
  if (text == "memory") return TopSort::memory;
  return fail("--sort-by accepts only cpu or memory");
}

Result<std::string> format_top_cpu(const std::string& quantity) {
  PODFIT_TRY_ASSIGN(nanos, nanos_of(quantity));
  return to_string(milli_value(nanos)) + "m";
}

Result<std::string> format_top_memory(const std::string& quantity) {
  PODFIT_TRY_ASSIGN(nanos, nanos_of(quantity));
  return to_string(mebibytes(nanos)) + "Mi";
}

std::string format_top_cores(double cores) {
  double millicores = std::max(0.0, std::ceil(cores * 1000 - 1e-6));
  return to_string(static_cast<__int128>(millicores)) + "m";
}

std::string format_top_bytes(double bytes) {
  double whole = std::max(0.0, std::ceil(bytes - 1e-6));
  return to_string(static_cast<__int128>(whole) / (1024 * 1024)) + "Mi";
}

Result<std::string> format_top_table(std::vector<PodUsage> pods, const TopOptions& options) {
  if (pods.empty()) return std::string();
  std::vector<ParsedPod> parsed;
  parsed.reserve(pods.size());
  for (const PodUsage& pod : pods) {
    PODFIT_TRY_ASSIGN(one, parse_pod(pod));
    parsed.push_back(std::move(one));
  }
  // Go's sort.Sort is an insertion sort for short inputs, which keeps ties in
  // server order; a stable sort gives the same result there.
  std::stable_sort(parsed.begin(), parsed.end(), [&](const ParsedPod& a, const ParsedPod& b) {
    if (options.sort != TopSort::name) return usage_before(a.total, b.total, options.sort);
    if (options.with_namespace && a.pod->namespace_name != b.pod->namespace_name)
      return a.pod->namespace_name < b.pod->namespace_name;
    return a.pod->name < b.pod->name;
  });

  std::vector<std::vector<std::string>> rows;
  rows.reserve(parsed.size() + 1);
  std::vector<std::string> header;
  if (options.with_namespace) header.push_back("NAMESPACE");
  if (options.containers) header.push_back("POD");
  for (const char* name : {"NAME", "CPU(cores)", "MEMORY(bytes)"}) header.push_back(name);
  if (!options.no_headers) rows.push_back(std::move(header));
  for (const ParsedPod& pod : parsed) {
    auto add_row = [&](const std::string& name, const Usage& usage, bool container_row) {
      std::vector<std::string> row;
      if (options.with_namespace) row.push_back(pod.pod->namespace_name);
      if (container_row) row.push_back(pod.pod->name);
      row.push_back(name);
      row.push_back(to_string(milli_value(usage.cpu_nanos)) + "m");
      row.push_back(to_string(mebibytes(usage.memory_nanos)) + "Mi");
      rows.push_back(std::move(row));
    };
    if (!options.containers) {
      add_row(pod.pod->name, pod.total, false);
      continue;
    }
    std::vector<std::size_t> order(pod.containers.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      if (options.sort != TopSort::name)
        return usage_before(pod.containers[a], pod.containers[b], options.sort);
      return pod.pod->containers[a].name < pod.pod->containers[b].name;
    });
    for (std::size_t i : order) add_row(pod.pod->containers[i].name, pod.containers[i], true);
  }
  return format_columns(rows, kTopColumns);
}

}  // namespace podfit::kube

// Ingest benchmark: read a recorded JSON Lines file and finalize it.
//
//   bench/gen_ingest_data.py /tmp/podfit-ingest.jsonl  # 1,000 pods x 2 containers, 2,880 polls
//   build/bench/bench_ingest /tmp/podfit-ingest.jsonl
//
// Target: >= 150 MB/s on one core.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "podfit/core/sample_set.hpp"
#include "podfit/source/recorded.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: bench_ingest FILE.jsonl\n");
    return 2;
  }
  std::string path = argv[1];
  std::error_code error;
  auto bytes = std::filesystem::file_size(path, error);
  if (error) {
    std::fprintf(stderr, "%s: %s\n", path.c_str(), error.message().c_str());
    return 1;
  }

  auto start = std::chrono::steady_clock::now();
  podfit::SampleSet samples;
  auto summary = podfit::source::read_recorded_file(path, samples);
  if (!summary) {
    std::fprintf(stderr, "%s\n", summary.error().message.c_str());
    return 1;
  }
  auto read_done = std::chrono::steady_clock::now();
  samples.finalize();
  auto done = std::chrono::steady_clock::now();

  double seconds = std::chrono::duration<double>(done - start).count();
  double read_seconds = std::chrono::duration<double>(read_done - start).count();
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf("bytes         %ju\n", static_cast<std::uintmax_t>(bytes));
  std::printf("lines         %zu (%zu skipped)\n", summary->lines, summary->skipped);
  std::printf("points        %zu read, %zu after de-duplication\n", summary->points,
              samples.point_count());
  std::printf("pods/series   %zu / %zu\n", samples.pods().size(), samples.series().size());
  std::printf("seconds       %.3f (read %.3f, finalize %.3f)\n", seconds, read_seconds,
              seconds - read_seconds);
  std::printf("MB/s          %.1f\n", static_cast<double>(bytes) / 1e6 / seconds);
  std::printf("peak RSS      %.1f MiB\n", static_cast<double>(usage.ru_maxrss) / 1024.0);
  return 0;
}

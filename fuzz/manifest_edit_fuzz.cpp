// The manifest reader and the byte-exact editor: any text is read or refused; when an
// edit of every container succeeds, the edited text parses to the same workloads and
// each container reads back the values asked for.
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_check.hpp"
#include "podfit/manifest/editor.hpp"
#include "podfit/manifest/manifest.hpp"

namespace {

podfit::Resources target_for(std::size_t index) {
  podfit::Resources target;
  target.cpu_request = podfit::ResourceValue{0.123, "123m"};
  target.memory_request = podfit::ResourceValue{77.0 * 1024 * 1024, "77Mi"};
  if (index % 2 == 0) target.memory_limit = podfit::ResourceValue{2.0 * 1024 * 1024 * 1024, "2Gi"};
  return target;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto file = podfit::manifest::parse_manifest("fuzz.yaml", text);
  if (!file) return 0;
  std::vector<podfit::manifest::ContainerChange> changes;
  for (const auto& workload : file->workloads) {
    for (const auto& container : workload.containers) {
      changes.push_back({workload.ref, container.name, target_for(changes.size())});
    }
  }
  if (changes.empty()) return 0;
  auto edited = podfit::manifest::apply_changes(*file, changes);
  if (!edited) return 0;  // refused with a reason (anchors, a value it cannot place)
  auto again = podfit::manifest::parse_manifest("fuzz.yaml", *edited);
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(again->workloads.size() == file->workloads.size());
  std::size_t index = 0;
  for (std::size_t w = 0; w < again->workloads.size(); ++w) {
    const auto& containers = again->workloads[w].containers;
    FUZZ_CHECK(containers.size() == file->workloads[w].containers.size());
    for (const auto& container : containers) {
      const podfit::Resources want = target_for(index++);
      // Same name twice in one pod: the editor and a reader may take different ones.
      bool unique = true;
      for (const auto& other : containers)
        unique = unique && (&other == &container || other.name != container.name);
      if (!unique) continue;
      FUZZ_CHECK(container.current.cpu_request && container.current.cpu_request->text == "123m");
      FUZZ_CHECK(container.current.memory_request &&
                 container.current.memory_request->text == "77Mi");
      FUZZ_CHECK(container.current.memory_limit.has_value() == want.memory_limit.has_value());
      FUZZ_CHECK(!container.current.cpu_limit);
    }
  }
  return 0;
}

// For every golden input and random targets: the patched text parses to the
// original tree except the changed containers' resources, which equal the targets.
#include <random>
#include <set>
#include <string>

#include <catch2/catch.hpp>

#include "manifest/golden_cases.hpp"
#include "podfit/manifest/editor.hpp"
#include "podfit/manifest/manifest.hpp"

namespace podfit::manifest::test {
namespace {

// The tree as text, ignoring presentation (style, quoting, comments).
std::string canonical(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar:
      return "'" + node.Scalar() + "'";
    case YAML::NodeType::Sequence: {
      std::string out = "[";
      for (const auto& item : node) out += canonical(item) + ",";
      return out + "]";
    }
    case YAML::NodeType::Map: {
      std::string out = "{";
      for (const auto& entry : node) {
        out += canonical(entry.first) + ":" + canonical(entry.second) + ",";
      }
      return out + "}";
    }
    default:
      return "~";
  }
}

std::string without_resources(const std::string& text, const std::set<std::string>& changed) {
  std::vector<YAML::Node> documents = YAML::LoadAll(text);
  for (auto& [key, container] : container_nodes(documents)) {
    if (changed.count(key)) container.remove("resources");
  }
  std::string out;
  for (const auto& document : documents) out += canonical(document) + "\n---\n";
  return out;
}

std::optional<ResourceValue> random_value(std::mt19937& random, bool cpu) {
  static const char* cpus[] = {"1m", "25m", "250m", "1", "2", "1500m", "0.5"};
  static const char* memories[] = {"16Mi", "64Mi", "1Gi", "1536Mi", "100M", "512Ki"};
  if (random() % 3 == 0) return std::nullopt;
  return cpu ? value_of(cpus[random() % 7]) : value_of(memories[random() % 6]);
}

bool same_texts(const Resources& a, const Resources& b) {
  auto same = [](const std::optional<ResourceValue>& x, const std::optional<ResourceValue>& y) {
    return x.has_value() == y.has_value() && (!x || x->text == y->text);
  };
  return same(a.cpu_request, b.cpu_request) && same(a.memory_request, b.memory_request) &&
         same(a.cpu_limit, b.cpu_limit) && same(a.memory_limit, b.memory_limit);
}

TEST_CASE("patched text equals the original tree except the targeted resources", "[manifest]") {
  std::mt19937 random(20240611);
  for (const auto& golden : golden_cases()) {
    auto file = load_manifest(golden.dir + "/input.yaml");
    REQUIRE(file);
    for (int round = 0; round < 8; ++round) {
      std::vector<ContainerChange> changes;
      std::set<std::string> changed;
      for (const auto& workload : file->workloads) {
        for (const auto& container : workload.containers) {
          if (random() % 4 == 0) continue;  // leave some containers alone
          Resources target;
          target.cpu_request = random_value(random, true);
          target.memory_request = random_value(random, false);
          target.cpu_limit = random_value(random, true);
          target.memory_limit = random_value(random, false);
          changes.push_back({workload.ref, container.name, target});
          changed.insert(container_key(workload.ref, container.name));
        }
      }
      INFO(golden.name << " round " << round);
      auto patched = apply_changes(*file, changes);
      REQUIRE(patched);
      INFO(*patched);
      CHECK(without_resources(*patched, changed) == without_resources(file->text, changed));

      auto nodes = container_nodes(YAML::LoadAll(*patched));
      for (const auto& change : changes) {
        std::string key = container_key(change.workload, change.container);
        auto found = std::find_if(nodes.begin(), nodes.end(),
                                  [&](const auto& node) { return node.first == key; });
        REQUIRE(found != nodes.end());
        INFO(key);
        CHECK(same_texts(resources_of(found->second), change.target));
      }
      // The module's own reader agrees (amounts included).
      auto reread = parse_manifest(file->path, *patched);
      REQUIRE(reread);
      REQUIRE(reread->workloads.size() == file->workloads.size());
    }
  }
}

}  // namespace
}  // namespace podfit::manifest::test

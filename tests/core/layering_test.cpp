// The include rule of docs/ARCHITECTURE.md: a module includes headers only from
// modules below it (never from a peer or from above), and third-party headers stay in
// the module that owns them. Reads every file under src/ and include/podfit/.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "support/support.hpp"

namespace {

namespace fs = std::filesystem;

// Lowest first; modules of the same rank are peers and may not include each other.
const std::map<std::string, int> kRank = {
    {"core", 0},   {"quantity", 1}, {"net", 2},      {"yaml", 2},    {"source", 3},
    {"kube", 3},   {"store", 3},    {"manifest", 3}, {"history", 4}, {"stats", 5},
    {"policy", 6}, {"backtest", 7}, {"report", 8},   {"cli", 9}};

// Third-party headers and the only modules that may include them.
const std::vector<std::pair<std::string, std::set<std::string>>> kThirdParty = {
    {"curl/", {"net"}},       {"zlib.h", {"net"}},
    {"sqlite3.h", {"store"}}, {"yaml-cpp/", {"yaml", "manifest"}},
    {"CLI/", {"cli"}},        {"simdjson", {"source"}},
    {"dtl/", {"manifest"}}};

struct Include {
  std::string file;  // relative to the checkout
  int line = 0;
  std::string target;
};

// The module a file belongs to: src/<module>/... or include/podfit/<module>/...
std::string module_of(const fs::path& relative) {
  auto part = relative.begin();
  if (part == relative.end()) return "";
  std::string top = (part++)->string();
  if (top == "include" && part != relative.end()) ++part;  // "podfit"
  return part == relative.end() ? "" : part->string();
}

std::vector<Include> includes_under(const fs::path& root, const std::string& folder) {
  std::vector<Include> found;
  static const std::regex kInclude(R"(^\s*#\s*include\s*[<"]([^>"]+)[>"])");
  for (const auto& entry : fs::recursive_directory_iterator(root / folder)) {
    if (!entry.is_regular_file()) continue;
    std::string extension = entry.path().extension().string();
    if (extension != ".cpp" && extension != ".hpp" && extension != ".in") continue;
    std::ifstream in(entry.path());
    std::string text;
    for (int number = 1; std::getline(in, text); ++number) {
      std::smatch match;
      if (std::regex_search(text, match, kInclude)) {
        found.push_back({fs::relative(entry.path(), root).string(), number, match[1]});
      }
    }
  }
  return found;
}

// The module an include names: "podfit/<module>/..." or a private "<module>/...".
std::string included_module(const std::string& target) {
  std::string path = target.rfind("podfit/", 0) == 0 ? target.substr(7) : target;
  std::size_t slash = path.find('/');
  if (slash == std::string::npos) return "";
  std::string module = path.substr(0, slash);
  return kRank.count(module) ? module : "";
}

}  // namespace

TEST_CASE("modules include only from below them", "[core][layering]") {
  fs::path root = podfit::test::source_dir();
  std::vector<Include> all = includes_under(root, "src");
  for (const Include& include : includes_under(root, "include/podfit")) all.push_back(include);
  REQUIRE(all.size() > 300);  // the scan found the code
  std::size_t checked = 0;
  for (const Include& include : all) {
    std::string from = module_of(include.file);
    if (!kRank.count(from)) continue;  // src/main.cpp
    std::string to = included_module(include.target);
    if (to.empty() || to == from) continue;
    ++checked;
    INFO(include.file << ":" << include.line << " includes " << include.target);
    CHECK(kRank.at(to) < kRank.at(from));
  }
  CHECK(checked > 100);
}

TEST_CASE("third-party headers stay in the module that owns them", "[core][layering]") {
  fs::path root = podfit::test::source_dir();
  std::vector<Include> all = includes_under(root, "src");
  for (const Include& include : includes_under(root, "include/podfit")) all.push_back(include);
  for (const Include& include : all) {
    std::string from = module_of(include.file);
    for (const auto& [prefix, owners] : kThirdParty) {
      if (include.target.rfind(prefix, 0) != 0) continue;
      INFO(include.file << ":" << include.line << " includes " << include.target);
      CHECK(owners.count(from) == 1);
      // A public header would hand the library to every module that includes it.
      CHECK(include.file.rfind("include/", 0) != 0);
    }
  }
}

TEST_CASE("the layering check sees a violation", "[core][layering]") {
  CHECK(included_module("podfit/cli/pipeline.hpp") == "cli");
  CHECK(included_module("store/impl.hpp") == "store");
  CHECK(included_module("nlohmann/json.hpp").empty());
  CHECK(module_of("include/podfit/kube/client.hpp") == "kube");
  CHECK(module_of("src/history/load.cpp") == "history");
  CHECK(kRank.at("kube") == kRank.at("source"));  // peers: neither may include the other
}

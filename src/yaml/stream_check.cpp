#include "podfit/yaml/stream_check.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>

#include <cstdint>
#include <sstream>
#include <unordered_map>
#include <vector>

namespace podfit::yaml {

namespace {

constexpr std::size_t kMaxDepth = 256;

// Counts the nodes the stream expands to, aliases included.
class Counter : public YAML::EventHandler {
 public:
  explicit Counter(std::uint64_t limit) : limit_(limit) {}

  bool over_limit = false, too_deep = false, recursive = false;
  std::uint64_t nodes = 0;

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t anchor) override { leaf(anchor); }
  void OnAlias(const YAML::Mark&, YAML::anchor_t anchor) override {
    // An alias inside the collection its anchor names makes a cycle, which yaml-cpp
    // builds and every walk of the tree would follow forever.
    for (const Open& outer : open_) recursive = recursive || outer.anchor == anchor;
    auto found = size_of_.find(anchor);
    add(found == size_of_.end() ? 1 : found->second);
  }
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t anchor,
                const std::string&) override {
    leaf(anchor);
  }
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(anchor);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    open(anchor);
  }
  void OnMapEnd() override { close(); }

 private:
  struct Open {
    YAML::anchor_t anchor;
    std::uint64_t nodes_before;
  };
  void add(std::uint64_t count) {
    nodes += count;
    if (nodes > limit_) over_limit = true;
  }
  void leaf(YAML::anchor_t anchor) {
    add(1);
    if (anchor != YAML::NullAnchor) size_of_[anchor] = 1;
  }
  void open(YAML::anchor_t anchor) {
    open_.push_back({anchor, nodes});
    add(1);
    if (open_.size() > kMaxDepth) too_deep = true;
  }
  void close() {
    if (open_.empty()) return;
    Open done = open_.back();
    open_.pop_back();
    if (done.anchor != YAML::NullAnchor) size_of_[done.anchor] = nodes - done.nodes_before;
  }

  std::uint64_t limit_;
  std::vector<Open> open_;
  std::unordered_map<YAML::anchor_t, std::uint64_t> size_of_;
};

}  // namespace

Result<void> check_stream(const std::string& text, const std::string& origin) {
  std::istringstream in(text);
  Counter counter(20 * static_cast<std::uint64_t>(text.size()) + 100'000);
  try {
    YAML::Parser parser(in);
    // Every document takes at least one byte (or a "---"), so more documents than bytes
    // means the parser is no longer reading.
    for (std::size_t documents = 0; parser.HandleNextDocument(counter); ++documents) {
      if (documents > text.size() + 1) {
        return fail(origin + ": invalid YAML (the parser stopped reading it)");
      }
      if (counter.recursive) {
        return fail(origin + ": a YAML alias refers to a collection that contains it (a cycle); "
                             "refused");
      }
      if (counter.too_deep) {
        return fail(origin + ": YAML nested deeper than " + std::to_string(kMaxDepth) + " levels");
      }
      if (counter.over_limit) {
        return fail(origin + ": YAML aliases expand to more than " +
                    std::to_string(20 * text.size() + 100'000) +
                    " nodes (an alias bomb?); refused");
      }
    }
  } catch (const YAML::Exception&) {
    return {};  // the real parse reports it, with line and column
  }
  return {};
}

}  // namespace podfit::yaml

// kubectl's -l selector syntax.
#include <sstream>

#include "podfit/core/workload.hpp"

namespace podfit {

namespace {

std::string trim(const std::string& text) {
  std::size_t begin = text.find_first_not_of(' ');
  std::size_t end = text.find_last_not_of(' ');
  return begin == std::string::npos ? "" : text.substr(begin, end - begin + 1);
}

// Splits on commas outside parentheses.
std::vector<std::string> selector_terms(const std::string& text) {
  std::vector<std::string> terms;
  std::string current;
  int depth = 0;
  for (char c : text) {
    depth += c == '(' ? 1 : c == ')' ? -1 : 0;
    if (c == ',' && depth == 0) {
      terms.push_back(trim(current));
      current.clear();
    } else {
      current += c;
    }
  }
  terms.push_back(trim(current));
  return terms;
}

}  // namespace

Result<LabelSelector> parse_label_selector(const std::string& text) {
  LabelSelector selector;
  if (trim(text).empty()) return selector;
  for (const std::string& term : selector_terms(text)) {
    auto bad = [&] { return fail("-l: cannot parse '" + term + "' in selector '" + text + "'"); };
    if (term.empty()) return bad();
    std::size_t space = term.find(' ');
    if (space != std::string::npos &&
        (term.find(" in ") != std::string::npos || term.find(" notin ") != std::string::npos)) {
      bool negate = term.find(" notin ") != std::string::npos;
      std::size_t open = term.find('('), close = term.rfind(')');
      if (open == std::string::npos || close == std::string::npos || close < open) return bad();
      LabelRequirement requirement;
      requirement.key = trim(term.substr(0, space));
      requirement.op = negate ? LabelRequirement::Operator::not_in : LabelRequirement::Operator::in;
      std::stringstream values(term.substr(open + 1, close - open - 1));
      for (std::string value; std::getline(values, value, ',');) {
        requirement.values.push_back(trim(value));
      }
      selector.match_expressions.push_back(std::move(requirement));
      continue;
    }
    std::size_t not_equal = term.find("!=");
    std::size_t equal = term.find('=');
    if (not_equal != std::string::npos) {
      selector.match_expressions.push_back({trim(term.substr(0, not_equal)),
                                            LabelRequirement::Operator::not_in,
                                            {trim(term.substr(not_equal + 2))}});
    } else if (equal != std::string::npos) {
      std::size_t value_at = term.compare(equal, 2, "==") == 0 ? equal + 2 : equal + 1;
      selector.match_labels[trim(term.substr(0, equal))] = trim(term.substr(value_at));
    } else if (term[0] == '!') {
      selector.match_expressions.push_back(
          {trim(term.substr(1)), LabelRequirement::Operator::does_not_exist, {}});
    } else {
      selector.match_expressions.push_back({term, LabelRequirement::Operator::exists, {}});
    }
  }
  return selector;
}

}  // namespace podfit

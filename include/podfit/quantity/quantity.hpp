// Kubernetes resource quantities (k8s.io/apimachinery resource.Quantity):
// parsing every form the API accepts, and formatting as a person writes them.
#pragma once

#include <string>
#include <string_view>

#include "podfit/core/error.hpp"

namespace podfit::quantity {

// A parsed quantity, exact to the nano-unit (like Kubernetes, finer values round up).
struct Quantity {
  __int128 nanos = 0;  // value × 10^9

  double value() const;  // in base units: cores or bytes
  auto operator<=>(const Quantity&) const = default;
};

// Accepts: plain and decimal numbers with optional sign, decimal suffixes
// n u m k M G T P E, binary suffixes Ki Mi Gi Ti Pi Ei, exponents (1e3, 1.5E-3).
// The error message quotes the text and says what is wrong with it.
Result<Quantity> parse(std::string_view text);

// CPU: whole cores as an integer ("2"), otherwise whole millicores rounded up ("250m",
// 1.5 -> "1500m"); never below "1m" for a positive amount; "0" for zero.
std::string format_cpu(double cores);
// Memory: the largest binary unit that divides the amount exactly ("96Mi", "2Gi",
// "1536Ki"), else plain bytes; fractional bytes round up.
std::string format_memory(double bytes);

}  // namespace podfit::quantity

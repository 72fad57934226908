// Writers for backtest results: table (default), JSON, Markdown.
#pragma once

#include <ostream>

#include "podfit/backtest/backtest.hpp"
#include "podfit/report/report.hpp"

namespace podfit::report {

void write_backtest(std::ostream& out, const backtest::BacktestResult& result, Format format);

}  // namespace podfit::report

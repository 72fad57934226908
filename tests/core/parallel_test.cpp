// parallel_for and BackgroundConsumer: every item once, in order where promised,
// and failures reported rather than lost or hung on.
#include "podfit/core/parallel.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace podfit {

TEST_CASE("parallel_for calls the work once for every index", "[parallel]") {
  for (std::size_t count : {0u, 1u, 7u, 1000u}) {
    std::vector<std::atomic<int>> calls(count);
    parallel_for(count, [&](std::size_t i) { ++calls[i]; });
    for (std::size_t i = 0; i < count; ++i) CHECK(calls[i] == 1);
  }
  std::vector<int> seen(5, 0);
  parallel_for(
      5, [&](std::size_t i) { seen[i] = static_cast<int>(i) * 2; }, 100);
  CHECK(seen == std::vector<int>{0, 2, 4, 6, 8});  // too few for a thread: done here
}

TEST_CASE("parallel_for rethrows the first failure after every thread stopped", "[parallel]") {
  std::atomic<int> finished{0};
  auto run = [&] {
    parallel_for(200, [&](std::size_t i) {
      if (i == 13) throw std::runtime_error("item 13 failed");
      ++finished;
    });
  };
  CHECK_THROWS_WITH(run(), "item 13 failed");
  CHECK(finished == 199);  // the other items still ran
}

TEST_CASE("BackgroundConsumer consumes every item in order on another thread", "[parallel]") {
  std::vector<int> consumed;
  std::thread::id consumer_thread;
  BackgroundConsumer<int> consumer(
      [&](int& item) -> Result<void> {
        consumed.push_back(item);
        consumer_thread = std::this_thread::get_id();
        return {};
      },
      2);
  for (int i = 0; i < 1000; ++i) consumer.push(i);
  REQUIRE(consumer.finish());
  REQUIRE(consumed.size() == 1000);
  for (int i = 0; i < 1000; ++i) CHECK(consumed[static_cast<std::size_t>(i)] == i);
  CHECK(consumer_thread != std::this_thread::get_id());
  CHECK(consumer.finish());  // a second finish is harmless
}

TEST_CASE("BackgroundConsumer stops at the first failure and reports it", "[parallel]") {
  std::atomic<int> consumed{0};
  BackgroundConsumer<int> consumer(
      [&](int& item) -> Result<void> {
        if (item == 10) return fail("item 10 is bad");
        ++consumed;
        return {};
      },
      1);
  for (int i = 0; i < 100; ++i) consumer.push(i);  // must not block once it failed
  auto result = consumer.finish();
  REQUIRE_FALSE(result);
  CHECK(result.error().message == "item 10 is bad");
  CHECK(consumed == 10);

  BackgroundConsumer<int> throwing([](int&) -> Result<void> { throw std::runtime_error("boom"); });
  throwing.push(1);
  auto thrown = throwing.finish();
  REQUIRE_FALSE(thrown);
  CHECK(thrown.error().message == "boom");
}

}  // namespace podfit

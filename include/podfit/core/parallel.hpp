// Runs independent pieces of work on the machine's cores.
#pragma once

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "podfit/core/error.hpp"

namespace podfit {

// Calls work(i) for every i in [0, count), on up to one thread per core (and never
// more than `count / min_per_thread` of them: a thread costs more than a tiny item).
// Items are handed out one at a time, so uneven items still balance. The first
// exception thrown by any work(i) is rethrown here once every thread has stopped.
template <typename Work>
void parallel_for(std::size_t count, Work&& work, std::size_t min_per_thread = 1) {
  std::atomic<std::size_t> next{0};
  std::exception_ptr failure;
  std::mutex failure_mutex;
  auto run = [&] {
    for (std::size_t i = next++; i < count; i = next++) {
      try {
        work(i);
      } catch (...) {  // must not leave a worker thread
        std::lock_guard lock(failure_mutex);
        if (!failure) failure = std::current_exception();
      }
    }
  };
  std::size_t threads = std::min<std::size_t>(std::max(1u, std::thread::hardware_concurrency()),
                                              count / std::max<std::size_t>(min_per_thread, 1));
  std::vector<std::thread> workers;
  try {
    for (std::size_t t = 1; t < threads; ++t) workers.emplace_back(run);
  } catch (const std::system_error&) {
    // No more threads: the ones started and this one do the work.
  }
  run();
  for (std::thread& worker : workers) worker.join();
  if (failure) std::rethrow_exception(failure);
}

// Hands items from the calling thread to one background thread, which consumes
// them in order while the caller goes on with other work (reading the next ones
// from a database connection only the caller may use, say). At most `capacity`
// items wait: push() blocks beyond that. The first failure of `consume` (an
// error or an exception) stops the consuming; finish() returns it.
template <typename Item>
class BackgroundConsumer {
 public:
  using Consume = std::function<Result<void>(Item&)>;

  explicit BackgroundConsumer(Consume consume, std::size_t capacity = 4)
      : consume_(std::move(consume)), capacity_(capacity) {
    try {
      thread_ = std::thread([this] { run(); });
    } catch (const std::system_error&) {
      inline_ = true;  // no thread to be had (a pids limit): push() consumes each item
    }
  }
  BackgroundConsumer(const BackgroundConsumer&) = delete;
  BackgroundConsumer& operator=(const BackgroundConsumer&) = delete;
  ~BackgroundConsumer() { (void)finish(); }

  void push(Item item) {
    if (inline_) {
      if (!failed_) consume_one(item);
      return;
    }
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return waiting_.size() < capacity_ || failed_; });
    if (failed_) return;  // nothing more gets consumed
    waiting_.push_back(std::move(item));
    changed_.notify_all();
  }

  // Whether push() would wait now: `capacity` items are waiting (the caller may do
  // other work first).
  bool full() {
    if (inline_) return false;
    std::lock_guard lock(mutex_);
    return waiting_.size() >= capacity_ && !failed_;
  }

  // Waits until every item pushed is consumed (or the consuming failed).
  Result<void> finish() {
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
      changed_.notify_all();
    }
    if (thread_.joinable()) thread_.join();
    return result_;
  }

 private:
  void run() {
    for (;;) {
      Item item;
      {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return !waiting_.empty() || closed_; });
        if (waiting_.empty()) return;
        item = std::move(waiting_.front());
        waiting_.pop_front();
        changed_.notify_all();
      }
      if (!consume_one(item)) return;
    }
  }

  // False once consuming failed (the failure is kept for finish()).
  bool consume_one(Item& item) {
    Result<void> done;
    try {
      done = consume_(item);
    } catch (const std::exception& error) {
      done = fail(error.what());
    }
    if (done) return true;
    std::lock_guard lock(mutex_);
    result_ = std::move(done);
    failed_ = true;
    waiting_.clear();
    changed_.notify_all();
    return false;
  }

  Consume consume_;
  std::size_t capacity_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Item> waiting_;
  bool closed_ = false, failed_ = false, inline_ = false;
  Result<void> result_;
  std::thread thread_;  // started last, once the members above exist
};

}  // namespace podfit

// The writer lock beside the store: "<store>.lock", flock'ed, holding the owner's pid.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "podfit/store/store.hpp"

namespace podfit::store {

namespace {

std::string read_holder(int fd) {
  char buffer[32] = {};
  ssize_t size = ::pread(fd, buffer, sizeof buffer - 1, 0);
  std::string pid = size > 0 ? std::string(buffer, static_cast<std::size_t>(size)) : "";
  while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
  return pid;
}

}  // namespace

Result<CollectorLock> CollectorLock::acquire(const std::string& store_path) {
  std::string lock_path = store_path + ".lock";
  int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return fail(lock_path + ": cannot open the lock file: " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int error = errno;
    std::string holder = read_holder(fd);
    ::close(fd);
    if (error != EWOULDBLOCK) {
      return fail(lock_path + ": cannot lock: " + std::strerror(error));
    }
    return fail(store_path + ": another podfit is writing to this store" +
                (holder.empty() ? std::string() : " (pid " + holder + ")") +
                "; two collectors on one store are refused (lock: " + lock_path + ")");
  }
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    // The lock holds without the pid; only the message of a refused writer is poorer.
  }
  return CollectorLock(fd);
}

CollectorLock::CollectorLock(CollectorLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

CollectorLock& CollectorLock::operator=(CollectorLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

CollectorLock::~CollectorLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

}  // namespace podfit::store

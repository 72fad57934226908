// write_file_atomically: temp file beside the target, fsync, keep mode, rename(2).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "podfit/manifest/editor.hpp"

namespace podfit::manifest {

namespace fs = std::filesystem;

namespace {

std::string errno_text() {
  return std::strerror(errno);
}

// The mode a new file would get: 0666 less the umask.
mode_t default_mode() {
  mode_t mask = umask(0);
  umask(mask);
  return 0666 & ~mask;
}

Result<void> write_all(int fd, const std::string& text) {
  std::size_t written = 0;
  while (written < text.size()) {
    ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(errno_text());
    written += static_cast<std::size_t>(n);
  }
  return {};
}

// Makes renames in `folder` durable; a failure here no longer risks the data.
void sync_folder(const fs::path& folder) {
  int folder_fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY);
  if (folder_fd >= 0) {
    ::fsync(folder_fd);
    ::close(folder_fd);
  }
}

// Temp files of ours for `target` that a killed run left behind (an hour old or more, so
// never one a concurrent run is writing).
void remove_stale_temps(const fs::path& folder, const fs::path& target) {
  std::string prefix = ".";
  prefix += target.filename().string();
  prefix += ".podfit-";
  std::error_code error;
  auto now = fs::file_time_type::clock::now();
  for (const auto& entry : fs::directory_iterator(folder, error)) {
    std::string name = entry.path().filename().string();
    if (name.size() != prefix.size() + 6 || name.rfind(prefix, 0) != 0) continue;
    auto written = fs::last_write_time(entry.path(), error);
    if (!error && now - written >= std::chrono::hours(1)) fs::remove(entry.path(), error);
  }
}

// Everything but the folder's fsync; on success `folder` names the folder renamed in.
Result<void> replace_file(const std::string& path, const std::string& text, fs::path& folder) {
  // Write through a symlink to the file it names, rather than replacing the link.
  std::error_code error;
  fs::path target = path;
  if (fs::is_symlink(fs::symlink_status(target, error))) {
    target = fs::canonical(target, error);
    if (error) return fail(path + ": cannot resolve the link: " + error.message());
  }

  mode_t mode = default_mode();
  struct stat original;
  bool exists = ::stat(target.c_str(), &original) == 0;
  if (exists) mode = original.st_mode & 07777;
  if (exists && S_ISREG(original.st_mode) && original.st_nlink > 1) {
    // rename(2) would give this name a new inode and leave the other names on the old one.
    return fail(path + ": has " + std::to_string(original.st_nlink) +
                " hard links, which replacing it would split: not written (copy it to break "
                "the link, or apply the diff to each name)");
  }

  folder = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  remove_stale_temps(folder, target);
  std::string temp_name = ".";
  temp_name += target.filename().string();
  temp_name += ".podfit-XXXXXX";
  std::string temp = (folder / temp_name).string();
  int fd = ::mkstemp(temp.data());
  if (fd < 0)
    return fail(path + ": cannot create a temp file in " + folder.string() + ": " + errno_text());

  auto abandon = [&](const std::string& what) {
    std::string message = path + ": " + what + ": " + errno_text();
    ::close(fd);
    ::unlink(temp.c_str());
    return fail(message);
  };
  if (auto result = write_all(fd, text); !result) return abandon("cannot write");
  // Keep the owner (podfit run by root, or with a group's write access). Changing the
  // owner needs privileges a plain user lacks, and then the user owns the temp file anyway.
  if (exists && ::fchown(fd, original.st_uid, original.st_gid) != 0 && errno != EPERM)
    return abandon("cannot keep the file's owner");
  if (::fchmod(fd, mode) != 0) return abandon("cannot set the file mode");
  if (::fsync(fd) != 0) return abandon("cannot flush to disk");
  if (::close(fd) != 0) {
    std::string message = path + ": cannot close: " + errno_text();
    ::unlink(temp.c_str());
    return fail(message);
  }
  if (::rename(temp.c_str(), target.c_str()) != 0) {
    std::string message = path + ": cannot replace: " + errno_text();
    ::unlink(temp.c_str());
    return fail(message);
  }
  return {};
}

}  // namespace

Result<void> write_file_atomically(const std::string& path, const std::string& text) {
  fs::path folder;
  if (auto result = replace_file(path, text, folder); !result) return result;
  sync_folder(folder);
  return {};
}

std::vector<Result<void>> write_files_atomically(
    const std::vector<std::pair<std::string, std::string>>& files) {
  std::vector<Result<void>> results;
  std::set<fs::path> folders;
  for (const auto& [path, text] : files) {
    fs::path folder;
    results.push_back(replace_file(path, text, folder));
    if (results.back()) folders.insert(folder);
  }
  for (const auto& folder : folders) sync_folder(folder);
  return results;
}

}  // namespace podfit::manifest

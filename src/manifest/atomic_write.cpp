// write_file_atomically: temp file beside the target, fsync, keep mode, rename(2).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
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
  if (::stat(target.c_str(), &original) == 0) mode = original.st_mode & 07777;

  folder = target.parent_path().empty() ? fs::path(".") : target.parent_path();
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

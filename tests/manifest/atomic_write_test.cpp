// write_file(s)_atomically: content, mode kept, original untouched on failure.
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "podfit/manifest/editor.hpp"
#include "support/support.hpp"

namespace podfit::manifest {
namespace {

using podfit::test::read_file;
using podfit::test::TempDir;
using podfit::test::write_file;
namespace fs = std::filesystem;

mode_t mode_of(const fs::path& path) {
  struct stat info;
  REQUIRE(::stat(path.c_str(), &info) == 0);
  return info.st_mode & 07777;
}

std::size_t entries_in(const fs::path& dir) {
  return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), {}));
}

TEST_CASE("write_file_atomically replaces the content and keeps the mode", "[manifest]") {
  TempDir dir;
  fs::path file = dir / "app.yaml";
  write_file(file, "old\n");
  REQUIRE(::chmod(file.c_str(), 0640) == 0);
  REQUIRE(write_file_atomically(file.string(), "new\r\ntext"));
  CHECK(read_file(file) == "new\r\ntext");
  CHECK(mode_of(file) == 0640);
  CHECK(entries_in(dir.path()) == 1);  // no temp file left behind
}

TEST_CASE("write_file_atomically writes through a symlink", "[manifest]") {
  TempDir dir;
  write_file(dir / "real.yaml", "old\n");
  fs::create_symlink("real.yaml", dir / "link.yaml");
  REQUIRE(write_file_atomically((dir / "link.yaml").string(), "new\n"));
  CHECK(fs::is_symlink(dir / "link.yaml"));
  CHECK(read_file(dir / "real.yaml") == "new\n");
}

TEST_CASE("write_file_atomically creates a new file", "[manifest]") {
  TempDir dir;
  REQUIRE(write_file_atomically((dir / "fresh.yaml").string(), "x: 1\n"));
  CHECK(read_file(dir / "fresh.yaml") == "x: 1\n");
}

TEST_CASE("write_file_atomically fails cleanly", "[manifest]") {
  TempDir dir;
  SECTION("the folder is a file: no temp file can be made") {
    write_file(dir / "plain", "keep\n");
    std::string path = (dir / "plain" / "app.yaml").string();
    auto result = write_file_atomically(path, "new\n");
    REQUIRE_FALSE(result);
    CHECK_THAT(result.error().message,
               Catch::StartsWith(path + ":") && Catch::Contains("Not a directory"));
    CHECK(read_file(dir / "plain") == "keep\n");
  }
  SECTION("the rename fails: the original stays and the temp file is removed") {
    fs::create_directories(dir / "app.yaml");  // a non-empty folder cannot be renamed over
    write_file(dir / "app.yaml" / "inside", "keep\n");
    std::string path = (dir / "app.yaml").string();
    auto result = write_file_atomically(path, "new\n");
    REQUIRE_FALSE(result);
    CHECK_THAT(result.error().message, Catch::StartsWith(path + ": cannot replace: "));
    CHECK(read_file(dir / "app.yaml" / "inside") == "keep\n");
    CHECK(entries_in(dir.path()) == 1);
  }
}

TEST_CASE("write_files_atomically writes many files, one result per file in order", "[manifest]") {
  TempDir dir;
  fs::create_directories(dir / "a");
  fs::create_directories(dir / "b");
  write_file(dir / "a" / "1.yaml", "old 1\n");
  REQUIRE(::chmod((dir / "a" / "1.yaml").c_str(), 0600) == 0);
  write_file(dir / "b" / "2.yaml", "old 2\n");
  write_file(dir / "plain", "keep\n");
  std::vector<std::pair<std::string, std::string>> files = {
      {(dir / "a" / "1.yaml").string(), "new 1\n"},
      {(dir / "plain" / "x.yaml").string(), "never\n"},  // folder is a file: fails
      {(dir / "b" / "2.yaml").string(), "new 2\n"},
      {(dir / "a" / "3.yaml").string(), "new 3\n"},
  };
  auto results = write_files_atomically(files);
  REQUIRE(results.size() == 4);
  CHECK(results[0]);
  REQUIRE_FALSE(results[1]);
  CHECK_THAT(results[1].error().message, Catch::StartsWith(files[1].first + ":"));
  CHECK(results[2]);
  CHECK(results[3]);
  CHECK(read_file(dir / "a" / "1.yaml") == "new 1\n");
  CHECK(mode_of(dir / "a" / "1.yaml") == 0600);
  CHECK(read_file(dir / "b" / "2.yaml") == "new 2\n");
  CHECK(read_file(dir / "a" / "3.yaml") == "new 3\n");
  CHECK(read_file(dir / "plain") == "keep\n");
  CHECK(entries_in(dir / "a") == 2);  // no temp files left behind
  CHECK(entries_in(dir / "b") == 1);
  CHECK(write_files_atomically({}).empty());
}

TEST_CASE("a rewrite keeps the owner, refuses to split hard links and sweeps old temps",
          "[manifest][hostile]") {
  TempDir dir;
  fs::path file = dir / "deploy.yaml";
  write_file(file, "old\n");
  if (::geteuid() == 0) {  // only root can give a file away; CI runs as root
    REQUIRE(::chown(file.c_str(), 1234, 5678) == 0);
    REQUIRE(write_file_atomically(file.string(), "new\n"));
    struct stat info;
    REQUIRE(::stat(file.c_str(), &info) == 0);
    CHECK(info.st_uid == 1234u);
    CHECK(info.st_gid == 5678u);
  }

  fs::path other = dir / "also.yaml";
  fs::create_hard_link(file, other);
  auto linked = write_file_atomically(file.string(), "newer\n");
  REQUIRE_FALSE(linked);
  CHECK_THAT(linked.error().message, Catch::Contains("has 2 hard links"));
  CHECK(read_file(file) == read_file(other));  // both names still one file, unchanged
  fs::remove(other);

  // A run killed between mkstemp and rename left these; only the old one is ours to sweep.
  fs::path stale = dir / ".deploy.yaml.podfit-AbC123";
  fs::path fresh = dir / ".deploy.yaml.podfit-XyZ789";
  fs::path unrelated = dir / ".other.yaml.podfit-AbC123";
  for (const fs::path& temp : {stale, fresh, unrelated}) write_file(temp, "half");
  fs::last_write_time(stale, fs::file_time_type::clock::now() - std::chrono::hours(2));
  fs::last_write_time(unrelated, fs::file_time_type::clock::now() - std::chrono::hours(2));
  REQUIRE(write_file_atomically(file.string(), "newest\n"));
  CHECK(read_file(file) == "newest\n");
  CHECK_FALSE(fs::exists(stale));
  CHECK(fs::exists(fresh));
  CHECK(fs::exists(unrelated));
}

}  // namespace
}  // namespace podfit::manifest

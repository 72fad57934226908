// write_file_atomically: content, mode kept, original untouched on failure.
#include <sys/stat.h>

#include <filesystem>
#include <string>

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

}  // namespace
}  // namespace podfit::manifest

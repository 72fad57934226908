// gzip through zlib, checked against Python's gzip module in both directions, and
// the ways damaged data is refused.
#include <catch2/catch.hpp>

#include <string>

#include "podfit/net/gzip.hpp"
#include "support/support.hpp"

namespace podfit::test {

namespace {

std::string report_like_text() {
  std::string text;
  for (int i = 0; i < 40000; ++i) {
    text += "| shop | Deployment/api-" + std::to_string(i * 7919 % 10007) + " | app | " +
            std::to_string(i % 977) + "m | " + std::to_string(i % 313) + "Mi |\n";
  }
  return text;
}

}  // namespace

TEST_CASE("gzip output is what Python's gzip reads, and the other way", "[kube][report]") {
  TempDir dir;
  std::string text = report_like_text();
  std::string packed = net::gzip_compress(text);
  CHECK(packed.size() < text.size() / 5);
  write_file(dir / "ours.gz", packed);
  write_file(dir / "text", text);
  write_file(dir / "check.py",
             "import gzip, sys\n"
             "d = sys.argv[1]\n"
             "text = open(d + '/text', 'rb').read()\n"
             "assert gzip.decompress(open(d + '/ours.gz', 'rb').read()) == text\n"
             "open(d + '/theirs.gz', 'wb').write(gzip.compress(text, 6))\n"
             "print('ok')\n");
  auto checked = run_command(python() + " " + shell_quote((dir / "check.py").string()) + " " +
                             shell_quote(dir.path().string()));
  INFO(checked.err);
  REQUIRE(checked.out == "ok\n");
  auto theirs = net::gzip_decompress(read_file((dir / "theirs.gz").string()), 1 << 24);
  REQUIRE(theirs);
  CHECK(*theirs == text);
  auto ours = net::gzip_decompress(packed, text.size());
  REQUIRE(ours);
  CHECK(*ours == text);
  auto empty = net::gzip_decompress(net::gzip_compress(""), 10);
  REQUIRE(empty);
  CHECK(empty->empty());
}

TEST_CASE("damaged or oversized gzip data is refused", "[kube][report]") {
  std::string text = report_like_text();
  std::string packed = net::gzip_compress(text);
  auto cut = net::gzip_decompress(packed.substr(0, packed.size() / 2), 1 << 24);
  REQUIRE_FALSE(cut);
  CHECK(cut.error().message == "gzip: data cut short");
  auto garbage = net::gzip_decompress("this is not gzip", 1 << 24);
  REQUIRE_FALSE(garbage);
  CHECK(garbage.error().message.rfind("gzip: ", 0) == 0);
  auto trailing = net::gzip_decompress(packed + "x", 1 << 24);
  REQUIRE_FALSE(trailing);
  CHECK(trailing.error().message == "gzip: trailing bytes after the data");
  auto bomb = net::gzip_decompress(packed, text.size() - 1);
  REQUIRE_FALSE(bomb);
  CHECK(bomb.error().message ==
        "gzip: inflates to more than " + std::to_string(text.size() - 1) + " bytes");
  std::string flipped = packed;
  flipped[flipped.size() - 6] ^= 0x55;  // the CRC-32 of the text
  CHECK_FALSE(net::gzip_decompress(flipped, 1 << 24));
}

}  // namespace podfit::test

#pragma once
// Helpers for the SL 651 tests: raw sample frames from samples/ and hex strings.

#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <string_view>

namespace quanyu::ingest::sl651::test {

/// The raw bytes of tests/ingest/sl651/samples/<name>.
inline std::string sample(const std::string& name) {
  const std::string path = QUANYU_SOURCE_DIR "/tests/ingest/sl651/samples/" + name;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

/// Bytes of a hex string ("7E7E01..."), whitespace ignored.
inline std::string unhex(std::string_view hex) {
  std::string out;
  int high = -1;
  for (const char c : hex) {
    int v;
    if (c >= '0' && c <= '9') {
      v = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      v = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      v = c - 'A' + 10;
    } else {
      continue;
    }
    if (high < 0) {
      high = v;
    } else {
      out += static_cast<char>(high << 4 | v);
      high = -1;
    }
  }
  return out;
}

}  // namespace quanyu::ingest::sl651::test

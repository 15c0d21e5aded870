#pragma once
// Loads the raw CAP messages of tests/ingest/cap/samples (also the fuzz seed corpus).

#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>

namespace quanyu::ingest::cap::testing {

inline std::string sample(const std::string& name) {
  std::ifstream in(QUANYU_SOURCE_DIR "/tests/ingest/cap/samples/" + name, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

constexpr std::int64_t kSecond = 1'000'000;

}  // namespace quanyu::ingest::cap::testing

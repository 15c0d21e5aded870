#pragma once
// Loads a raw sample from tests/ingest/gb28181/samples/ (the bytes as they were on the wire).

#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

namespace quanyu::ingest::gb28181::testing {

inline std::string sample(const std::string& name) {
  const std::string path = QUANYU_SOURCE_DIR "/tests/ingest/gb28181/samples/" + name;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace quanyu::ingest::gb28181::testing

#pragma once
// Loads the raw push bodies in tests/ingest/camera_push/samples (bytes exactly as on the wire;
// they are also the fuzz seed corpus).

#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

#include "engine/core/time.hpp"

namespace quanyu::ingest::camera_push::test {

inline std::string sample(const std::string& name) {
  const std::string path = QUANYU_SOURCE_DIR "/tests/ingest/camera_push/samples/" + name;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

/// `text` with the first `from` replaced by `to`; throws when `from` is absent, so a test never
/// silently checks the unmodified sample.
inline std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  if (at == std::string::npos) throw std::runtime_error("sample has no " + from);
  return text.replace(at, from.size(), to);
}

inline std::int64_t seconds_of(const google::protobuf::Timestamp& t) { return t.seconds(); }
inline std::int64_t micros_of(const google::protobuf::Timestamp& t) { return engine::to_micros(t); }

}  // namespace quanyu::ingest::camera_push::test

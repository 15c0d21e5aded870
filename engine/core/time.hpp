#pragma once
/// Time inside the engine is microseconds since the Unix epoch (UTC), carried by journal entries
/// and observations as google.protobuf.Timestamp. Nothing here reads a clock.

#include <google/protobuf/timestamp.pb.h>

#include <cstdint>
#include <string>

namespace quanyu::engine {

constexpr std::int64_t kMicrosPerSecond = 1'000'000;

inline std::int64_t to_micros(const google::protobuf::Timestamp& t) {
  return t.seconds() * kMicrosPerSecond + t.nanos() / 1000;
}

inline google::protobuf::Timestamp to_timestamp(std::int64_t micros) {
  google::protobuf::Timestamp t;
  std::int64_t seconds = micros / kMicrosPerSecond;
  std::int64_t rest = micros % kMicrosPerSecond;
  if (rest < 0) {
    rest += kMicrosPerSecond;
    --seconds;
  }
  t.set_seconds(seconds);
  t.set_nanos(static_cast<std::int32_t>(rest * 1000));
  return t;
}

/// RFC 3339 in UTC, e.g. "2026-11-23T02:15:00Z", for messages.
std::string format_utc(std::int64_t micros);

}  // namespace quanyu::engine

#pragma once
// What the load generators in bench/ share: the wall clock in microseconds, RFC 3339 times,
// a process's CPU time and memory from /proc, and a light walk over the live channel's
// ServerMessage wire format (screens in a load generator must not spend the CPU they share with
// the server on building full messages).
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace quanyu::bench {

/// Microseconds since the Unix epoch (system clock: comparable across processes).
inline std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// "YYYY-MM-DDThh:mm:ssZ" for a Unix time in seconds.
inline std::string rfc3339(std::int64_t unix_s) {
  const auto t = static_cast<std::time_t>(unix_s);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buffer;
}

struct ProcessSample {
  double cpu_s = 0;  ///< user + system, all threads
  long rss_kb = 0;   ///< VmRSS
  long hwm_kb = 0;   ///< VmHWM: the peak RSS
};

/// CPU time and memory of process `pid` (zeros for pid <= 0 or a process that is gone).
inline ProcessSample sample_process(int pid) {
  ProcessSample s;
  if (pid <= 0) return s;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  const std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const auto paren = text.rfind(')');
  if (paren != std::string::npos) {
    // After the command come the state (field 3) ... utime (14) and stime (15).
    std::vector<std::string> fields;
    std::size_t at = paren + 2;
    while (at < text.size() && fields.size() < 13) {
      const auto space = text.find(' ', at);
      fields.push_back(text.substr(at, space - at));
      at = space == std::string::npos ? text.size() : space + 1;
    }
    if (fields.size() == 13) {
      const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
      s.cpu_s = (std::stod(fields[11]) + std::stod(fields[12])) / ticks;
    }
  }
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) s.rss_kb = std::atol(line.c_str() + 6);
    if (line.rfind("VmHWM:", 0) == 0) s.hwm_kb = std::atol(line.c_str() + 6);
  }
  return s;
}

inline long rss_kb(int pid) { return sample_process(pid).rss_kb; }

/// What a screen in a load generator reads of one ServerMessage frame.
struct FrameInfo {
  std::uint64_t seq = 0;  ///< field 1, when present
  bool snapshot = false;  ///< field 10 (else a delta, field 11, or neither)
};

/// Walks a ServerMessage: calls `incident(data, size, in_snapshot)` for every incident (field 1)
/// of its snapshot (10) or delta (11), skipping everything else. False on a malformed frame.
template <typename Fn>
bool for_each_incident(const std::uint8_t* data, int size, FrameInfo& info, Fn&& incident) {
  namespace io = google::protobuf::io;
  using google::protobuf::internal::WireFormatLite;
  io::CodedInputStream in(data, size);
  while (const std::uint32_t tag = in.ReadTag()) {
    const int field = static_cast<int>(tag >> 3);
    if (field == 1 && (tag & 7) == 0) {
      if (!in.ReadVarint64(&info.seq)) return false;
    } else if ((field == 10 || field == 11) && (tag & 7) == 2) {
      std::uint32_t length = 0;
      if (!in.ReadVarint32(&length)) return false;
      const auto limit = in.PushLimit(static_cast<int>(length));
      while (const std::uint32_t inner = in.ReadTag()) {
        if ((inner >> 3) == 1 && (inner & 7) == 2) {
          std::uint32_t n = 0;
          const void* start = nullptr;
          int available = 0;
          if (!in.ReadVarint32(&n) || !in.GetDirectBufferPointer(&start, &available) ||
              available < static_cast<int>(n)) {
            return false;
          }
          incident(static_cast<const std::uint8_t*>(start), static_cast<int>(n), field == 10);
          in.Skip(static_cast<int>(n));
        } else if (!WireFormatLite::SkipField(&in, inner)) {
          return false;
        }
      }
      in.PopLimit(limit);
      if (field == 10) info.snapshot = true;
    } else if (!WireFormatLite::SkipField(&in, tag)) {
      return false;
    }
  }
  return true;
}

/// The fields of an Incident a load generator checks: 1 id, 17 version, and the observation id
/// (field 1) of its last evidence entry (field 9, repeated: the latest comes last).
struct IncidentFields {
  std::string id;
  std::string latest_evidence;
  std::uint64_t version = 0;
};

inline bool read_incident(const std::uint8_t* data, int size, IncidentFields& out) {
  namespace io = google::protobuf::io;
  using google::protobuf::internal::WireFormatLite;
  io::CodedInputStream in(data, size);
  out.id.clear();
  out.latest_evidence.clear();
  out.version = 0;
  while (const std::uint32_t tag = in.ReadTag()) {
    const int field = static_cast<int>(tag >> 3);
    if (field == 1 && (tag & 7) == 2) {
      if (!WireFormatLite::ReadString(&in, &out.id)) return false;
    } else if (field == 17 && (tag & 7) == 0) {
      if (!in.ReadVarint64(&out.version)) return false;
    } else if (field == 9 && (tag & 7) == 2) {
      std::uint32_t n = 0;
      if (!in.ReadVarint32(&n)) return false;
      const auto limit = in.PushLimit(static_cast<int>(n));
      while (const std::uint32_t inner = in.ReadTag()) {
        if ((inner >> 3) == 1 && (inner & 7) == 2) {
          if (!WireFormatLite::ReadString(&in, &out.latest_evidence)) return false;
        } else if (!WireFormatLite::SkipField(&in, inner)) {
          return false;
        }
      }
      in.PopLimit(limit);
    } else if (!WireFormatLite::SkipField(&in, tag)) {
      return false;
    }
  }
  return true;
}

}  // namespace quanyu::bench

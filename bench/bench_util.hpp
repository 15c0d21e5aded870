#pragma once
// What the load generators in bench/ share: the wall clock in microseconds, RFC 3339 times,
// a process's CPU time and memory from /proc, and a light walk over the live channel's
// ServerMessage wire format (screens in a load generator must not spend the CPU they share with
// the server on building full messages).
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
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

/// A forward reader of the Protobuf wire format over one buffer, for the few fields a load
/// generator checks (protobuf's CodedInputStream costs a screen several times more per field).
/// Every read is bounds-checked; the first malformed byte makes `ok()` false for good.
class WireReader {
 public:
  WireReader(const std::uint8_t* data, int size) : at_(data), end_(data + size) {}
  bool ok() const { return ok_; }
  bool done() const { return at_ >= end_ || !ok_; }

  /// The next field's tag (field << 3 | wire type), or 0 at the end or on an error.
  std::uint32_t tag() {
    if (done()) return 0;
    const std::uint64_t value = varint();
    if (!ok_ || value == 0 || value > 0xFFFFFFFFU) return fail();
    return static_cast<std::uint32_t>(value);
  }
  std::uint64_t varint() {
    std::uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (at_ >= end_) return fail();
      const std::uint8_t byte = *at_++;
      value |= std::uint64_t{byte & 0x7FU} << shift;
      if ((byte & 0x80U) == 0) return value;
    }
    return fail();
  }
  /// A length-delimited field's bytes (after its tag): start and size, or false.
  bool bytes(const std::uint8_t*& data, int& size) {
    const std::uint64_t n = varint();
    if (!ok_ || n > static_cast<std::uint64_t>(end_ - at_)) return fail() != 0;
    data = at_;
    size = static_cast<int>(n);
    at_ += n;
    return true;
  }
  /// A length-delimited field as a view into the frame (valid while the frame is).
  bool string(std::string_view& out) {
    const std::uint8_t* data = nullptr;
    int size = 0;
    if (!bytes(data, size)) return false;
    out = std::string_view(reinterpret_cast<const char*>(data), static_cast<std::size_t>(size));
    return true;
  }
  /// Skips the value of a field with this tag.
  bool skip(std::uint32_t tag) {
    switch (tag & 7U) {
      case 0:
        varint();
        return ok_;
      case 1:
        return advance(8);
      case 2: {
        const std::uint8_t* data = nullptr;
        int size = 0;
        return bytes(data, size);
      }
      case 5:
        return advance(4);
      default:
        return fail() != 0;
    }
  }

 private:
  std::uint64_t fail() {
    ok_ = false;
    at_ = end_;
    return 0;
  }
  bool advance(std::ptrdiff_t n) {
    if (end_ - at_ < n) return fail() != 0;
    at_ += n;
    return true;
  }
  const std::uint8_t* at_;
  const std::uint8_t* end_;
  bool ok_ = true;
};

/// What a screen in a load generator reads of one ServerMessage frame.
struct FrameInfo {
  std::uint64_t seq = 0;  ///< field 1, when present
  bool snapshot = false;  ///< field 10 (else a delta, field 11, or neither)
};

/// Walks a ServerMessage: calls `incident(data, size, in_snapshot)` for every incident (field 1)
/// of its snapshot (10) or delta (11), skipping everything else. False on a malformed frame.
template <typename Fn>
bool for_each_incident(const std::uint8_t* data, int size, FrameInfo& info, Fn&& incident) {
  WireReader in(data, size);
  while (const std::uint32_t tag = in.tag()) {
    const std::uint32_t field = tag >> 3;
    if (field == 1 && (tag & 7) == 0) {
      info.seq = in.varint();
    } else if ((field == 10 || field == 11) && (tag & 7) == 2) {
      const std::uint8_t* body = nullptr;
      int length = 0;
      if (!in.bytes(body, length)) return false;
      WireReader list(body, length);
      while (const std::uint32_t inner = list.tag()) {
        if ((inner >> 3) == 1 && (inner & 7) == 2) {
          const std::uint8_t* bytes = nullptr;
          int n = 0;
          if (!list.bytes(bytes, n)) return false;
          incident(bytes, n, field == 10);
        } else if (!list.skip(inner)) {
          return false;
        }
      }
      if (!list.ok()) return false;
      if (field == 10) info.snapshot = true;
    } else if (!in.skip(tag)) {
      return false;
    }
  }
  return in.ok();
}

/// The fields of an Incident a load generator checks: 1 id, 17 version, and the observation id
/// (field 1) of its last evidence entry (field 9, repeated: the latest comes last). Views into
/// the frame read (no copy per incident: a load generator reads millions a second).
struct IncidentFields {
  std::string_view id;
  std::string_view latest_evidence;
  std::uint64_t version = 0;
};

inline bool read_incident(const std::uint8_t* data, int size, IncidentFields& out) {
  WireReader in(data, size);
  out = IncidentFields{};
  while (const std::uint32_t tag = in.tag()) {
    const std::uint32_t field = tag >> 3;
    if (field == 1 && (tag & 7) == 2) {
      if (!in.string(out.id)) return false;
    } else if (field == 17 && (tag & 7) == 0) {
      out.version = in.varint();
    } else if (field == 9 && (tag & 7) == 2) {
      const std::uint8_t* body = nullptr;
      int n = 0;
      if (!in.bytes(body, n)) return false;
      WireReader evidence(body, n);
      while (const std::uint32_t inner = evidence.tag()) {
        if ((inner >> 3) == 1 && (inner & 7) == 2) {
          if (!evidence.string(out.latest_evidence)) return false;
        } else if (!evidence.skip(inner)) {
          return false;
        }
      }
      if (!evidence.ok()) return false;
    } else if (!in.skip(tag)) {
      return false;
    }
  }
  return in.ok();
}

}  // namespace quanyu::bench

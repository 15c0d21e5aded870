#pragma once
/// What every feed adapter shares once its parser has turned a message into observations: the
/// counters behind `quanyu_feed_messages_total{feed,result}` and the sink that prepares a
/// message's observations all-or-nothing and ingests them through the engine, so a device is
/// acknowledged only for what is durable. Asio stays out of this header.

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "quanyu/v1/observation.pb.h"

namespace quanyu::server {

class EngineService;

/// The wall clock in microseconds since the epoch: acknowledgement times of the adapters.
std::int64_t wall_clock_us();

enum class Feed { gb28181, sl651, isapi, dahua, mqtt, cap, count };
const char* to_string(Feed feed);

/// How one feed message ended.
enum class FeedResult {
  accepted,   ///< its observations are journaled (or were duplicates of journaled ones)
  ignored,    ///< well-formed and nothing to store (keepalive, event end, heartbeat)
  malformed,  ///< did not parse: the protocol's error answer, nothing applied
  refused,    ///< parsed but its observations failed validation: nothing applied
  failed,     ///< the journal could not store it: nothing applied, the device should resend
  count
};
const char* to_string(FeedResult result);

/// Lock-free counters per feed and result, and connection gauges per feed.
class FeedMetrics {
 public:
  void count(Feed feed, FeedResult result, std::uint64_t n = 1) {
    counters_[index(feed, result)].fetch_add(n, std::memory_order_relaxed);
  }
  void count_observations(Feed feed, std::uint64_t n) {
    observations_[static_cast<std::size_t>(feed)].fetch_add(n, std::memory_order_relaxed);
  }
  void connection_opened(Feed feed) {
    connections_[static_cast<std::size_t>(feed)].fetch_add(1, std::memory_order_relaxed);
  }
  void connection_closed(Feed feed) {
    connections_[static_cast<std::size_t>(feed)].fetch_sub(1, std::memory_order_relaxed);
  }
  std::uint64_t value(Feed feed, FeedResult result) const {
    return counters_[index(feed, result)].load(std::memory_order_relaxed);
  }
  /// Prometheus text exposition of every counter and gauge.
  std::string render() const;

 private:
  static constexpr std::size_t kFeeds = static_cast<std::size_t>(Feed::count);
  static constexpr std::size_t kResults = static_cast<std::size_t>(FeedResult::count);
  static std::size_t index(Feed feed, FeedResult result) {
    return static_cast<std::size_t>(feed) * kResults + static_cast<std::size_t>(result);
  }
  std::array<std::atomic<std::uint64_t>, kFeeds * kResults> counters_{};
  std::array<std::atomic<std::uint64_t>, kFeeds> observations_{};
  std::array<std::atomic<std::int64_t>, kFeeds> connections_{};
};

/// The outcome of submitting one message's observations.
struct SubmitOutcome {
  FeedResult result = FeedResult::accepted;
  std::size_t accepted = 0;
  std::size_t duplicates = 0;
  std::string error;  ///< for refused and failed: what was wrong, naming the field
};

/// Prepares and ingests the observations of one feed message. All of them are prepared before
/// anything is submitted: one refusal refuses the message, so it is never half-applied.
class FeedSink {
 public:
  FeedSink(EngineService& engine, FeedMetrics& metrics, Feed feed);

  /// `done` runs on the engine strand (or at once, on the caller's thread, for a refusal or an
  /// empty message): callers post back to their own executor. The outcome is counted, and a
  /// refusal or failure logged once, before `done` runs.
  void submit(std::vector<v1::Observation> observations, const std::string& device,
              std::function<void(const SubmitOutcome&)> done);

  /// Counts (and logs, with the device and reason) a message that did not parse.
  void malformed(const std::string& device, const std::string& reason);
  /// Counts (and logs) a message that parsed but cannot be taken (unknown station, unregistered
  /// device).
  void refused(const std::string& device, const std::string& reason);
  /// Counts a message that had nothing to store.
  void ignored() { metrics_.count(feed_, FeedResult::ignored); }

  Feed feed() const { return feed_; }
  FeedMetrics& metrics() { return metrics_; }

  /// Whether a problem line may be logged now: at most kLogBurst lines per second per feed, so
  /// a broken device sending thousands of bad messages cannot flood the log (every one is still
  /// counted). The first line after a suppression says how many were left out.
  bool may_log(std::uint64_t& suppressed);
  static constexpr int kLogBurst = 20;

 private:
  EngineService& engine_;
  FeedMetrics& metrics_;
  Feed feed_;
  std::string actor_;  ///< recorded in the journal, e.g. "feed:sl651"
  std::mutex log_mutex_;
  std::int64_t log_second_ = 0;
  int logged_this_second_ = 0;
  std::uint64_t suppressed_ = 0;
};

}  // namespace quanyu::server

#include "server/ingest/feed_sink.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

#include "server/live/engine_service.hpp"

namespace quanyu::server {

std::int64_t wall_clock_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

const char* to_string(Feed feed) {
  switch (feed) {
    case Feed::gb28181:
      return "gb28181";
    case Feed::sl651:
      return "sl651";
    case Feed::isapi:
      return "isapi";
    case Feed::dahua:
      return "dahua";
    case Feed::mqtt:
      return "mqtt";
    case Feed::cap:
      return "cap";
    case Feed::count:
      break;
  }
  return "unknown";
}

const char* to_string(FeedResult result) {
  switch (result) {
    case FeedResult::accepted:
      return "accepted";
    case FeedResult::ignored:
      return "ignored";
    case FeedResult::malformed:
      return "malformed";
    case FeedResult::refused:
      return "refused";
    case FeedResult::failed:
      return "failed";
    case FeedResult::count:
      break;
  }
  return "unknown";
}

std::string FeedMetrics::render() const {
  std::string out =
      "# HELP quanyu_feed_messages_total Feed messages by protocol and how they ended.\n"
      "# TYPE quanyu_feed_messages_total counter\n";
  for (std::size_t f = 0; f < kFeeds; ++f) {
    for (std::size_t r = 0; r < kResults; ++r) {
      out += std::string("quanyu_feed_messages_total{feed=\"") + to_string(static_cast<Feed>(f)) +
             "\",result=\"" + to_string(static_cast<FeedResult>(r)) + "\"} " +
             std::to_string(counters_[f * kResults + r].load(std::memory_order_relaxed)) + "\n";
    }
  }
  out +=
      "# HELP quanyu_feed_observations_total Observations accepted from feed messages.\n"
      "# TYPE quanyu_feed_observations_total counter\n";
  for (std::size_t f = 0; f < kFeeds; ++f) {
    out += std::string("quanyu_feed_observations_total{feed=\"") + to_string(static_cast<Feed>(f)) +
           "\"} " + std::to_string(observations_[f].load(std::memory_order_relaxed)) + "\n";
  }
  out +=
      "# HELP quanyu_feed_connections Open device connections by protocol.\n"
      "# TYPE quanyu_feed_connections gauge\n";
  for (std::size_t f = 0; f < kFeeds; ++f) {
    out += std::string("quanyu_feed_connections{feed=\"") + to_string(static_cast<Feed>(f)) +
           "\"} " + std::to_string(connections_[f].load(std::memory_order_relaxed)) + "\n";
  }
  return out;
}

FeedSink::FeedSink(EngineService& engine, FeedMetrics& metrics, Feed feed)
    : engine_(engine),
      metrics_(metrics),
      feed_(feed),
      actor_(std::string("feed:") + to_string(feed)) {}

bool FeedSink::may_log(std::uint64_t& suppressed) {
  const std::int64_t second = std::chrono::duration_cast<std::chrono::seconds>(
                                  std::chrono::steady_clock::now().time_since_epoch())
                                  .count();
  const std::lock_guard lock(log_mutex_);
  if (second != log_second_) {
    log_second_ = second;
    logged_this_second_ = 0;
  }
  if (logged_this_second_ >= kLogBurst) {
    ++suppressed_;
    return false;
  }
  ++logged_this_second_;
  suppressed = suppressed_;
  suppressed_ = 0;
  return true;
}

namespace {
std::string suppressed_note(std::uint64_t n) {
  return n == 0 ? std::string() : " (" + std::to_string(n) + " earlier lines suppressed)";
}
}  // namespace

void FeedSink::malformed(const std::string& device, const std::string& reason) {
  metrics_.count(feed_, FeedResult::malformed);
  std::uint64_t suppressed = 0;
  if (!may_log(suppressed)) return;
  spdlog::warn("feed={} device={} malformed: {}{}", to_string(feed_), device, reason,
               suppressed_note(suppressed));
}

void FeedSink::refused(const std::string& device, const std::string& reason) {
  metrics_.count(feed_, FeedResult::refused);
  std::uint64_t suppressed = 0;
  if (!may_log(suppressed)) return;
  spdlog::warn("feed={} device={} refused: {}{}", to_string(feed_), device, reason,
               suppressed_note(suppressed));
}

void FeedSink::submit(std::vector<v1::Observation> observations, const std::string& device,
                      std::function<void(const SubmitOutcome&)> done) {
  if (observations.empty()) {
    ignored();
    done(SubmitOutcome{FeedResult::ignored, 0, 0, {}});
    return;
  }
  std::vector<v1::Observation> prepared;
  prepared.reserve(observations.size());
  for (std::size_t i = 0; i < observations.size(); ++i) {
    auto result = engine_.prepare(std::move(observations[i]));
    if (!result) {
      SubmitOutcome outcome{FeedResult::refused, 0, 0, result.error().message};
      if (observations.size() > 1) {
        outcome.error = "observation " + std::to_string(i + 1) + " of " +
                        std::to_string(observations.size()) + ": " + outcome.error;
      }
      metrics_.count(feed_, FeedResult::refused);
      std::uint64_t suppressed = 0;
      if (may_log(suppressed)) {
        spdlog::warn("feed={} device={} refused ({}): {}{}", to_string(feed_), device,
                     result.error().code, outcome.error, suppressed_note(suppressed));
      }
      done(outcome);
      return;
    }
    prepared.push_back(std::move(result).value());
  }
  const auto started = std::chrono::steady_clock::now();
  const std::size_t n = prepared.size();
  engine_.ingest(std::move(prepared), actor_,
                 [this, device, n, started, done = std::move(done)](const IngestOutcome& ingest) {
                   SubmitOutcome outcome;
                   outcome.accepted = ingest.accepted;
                   outcome.duplicates = ingest.duplicates;
                   if (ingest.error) {
                     outcome.result = FeedResult::failed;
                     outcome.error = *ingest.error;
                     spdlog::error("feed={} device={} not stored: {}", to_string(feed_), device,
                                   *ingest.error);
                   } else {
                     metrics_.count_observations(feed_, ingest.accepted);
                     const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                                         std::chrono::steady_clock::now() - started)
                                         .count();
                     spdlog::debug(
                         "feed={} device={} observations={} accepted={} duplicates={} us={}",
                         to_string(feed_), device, n, ingest.accepted, ingest.duplicates, us);
                   }
                   metrics_.count(feed_, outcome.result);
                   done(outcome);
                 });
}

}  // namespace quanyu::server

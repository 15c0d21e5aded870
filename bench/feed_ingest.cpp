// Durable ingest over the live feed paths (issue 6, item 3): observations per second that Quanyu
// accepts with journal durability when they arrive from a feed rather than over HTTP.
//
//   mqtt   One publisher connection to a broker (mosquitto) sends N PUBLISHes with QoS 1, each one
//          smoke detection in the JSON that Quanyu's MQTT feed takes (distinct ids, 2,000 places
//          by default, so 2,000 fire incidents that later detections join), at full speed with at
//          most `window` PUBLISHes waiting for the broker's PUBACK. Quanyu, subscribed to the
//          broker, acknowledges each message to the broker only after its journal commit. The tool
//          polls /metrics every 10 ms until
//          quanyu_feed_messages_total{feed="mqtt",result="accepted"} has grown by N (bounded wait)
//          and reports N / (that moment - the first publish).
//   sl651  K station connections, as SL 651-2014 RTUs: each sends 32H timed reports (water level
//          Z and battery VT, CRC-16 frames built with Quanyu's own sl651::encode_frame) and waits
//          for each report's confirmation (sent once its reading is journaled) before sending the
//          next, for S seconds. Reports/s and observations/s confirmed, confirmation latency
//          p50/p99/max. Stations must be gauges of the sensor layer (its `stationCode`s); with
//          more connections than stations, connections share a station and take turns at its
//          observation minutes (an SL 651 reading's id is station + minute, so a minute used twice
//          would be a duplicate, not a new reading). Minutes run in time order from 10 minutes
//          inside the acceptance window (rules.validation.max_age_s, given as `max_age_s`) to 3
//          minutes after the start; a connection that runs out of minutes stops, the line says
//          so (exhausted=) and the run fails its checks. With 24 h, the 26 demo stations have
//          37,000 minutes in all, fewer than a few seconds of load: the script gives quanyu a
//          longer window (30 days) instead.
//
// What is checked, so that no number comes from dropped data (the line's `ok=1`, and exit 0):
//   - every PUBLISH was PUBACKed by the broker / every report confirmed by Quanyu, each
//     confirmation decoded (CRC), downstream, for that station, echoing that serial, ESC;
//   - /metrics grew by exactly that many accepted messages and accepted (new, not duplicate)
//     observations, with no refused, malformed or failed message of that feed;
//   - quanyu_journal_entries_total grew by at least that many observations (they are journaled).
//
//   quanyu_feed_ingest mqtt BROKER_PORT QUANYU_HTTP_PORT [messages=100000] [window=1000]
//                      [server_pid=0] [broker_pid=0] [places=2000]
//   quanyu_feed_ingest sl651 SL651_PORT QUANYU_HTTP_PORT [stations=50] [seconds=5]
//                      [server_pid=0] [sensors=config/demo/sensors.geojson] [max_age_s=86400]
// A pid lets the line print that process's CPU over the run (cores busy). Everything is on
// 127.0.0.1; every wait is bounded.
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "server/ingest/mqtt/codec.hpp"
#include "server/ingest/sl651/bcd.hpp"
#include "server/ingest/sl651/frame.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace mqtt = quanyu::ingest::mqtt;
namespace sl651 = quanyu::ingest::sl651;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;

namespace {

double seconds_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

std::int64_t wall_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string now_utc() {
  const std::time_t t = std::time(nullptr);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buffer;
}

/// CPU seconds (user + system) a process has used so far, 0 when there is no such process.
double cpu_seconds(int pid) {
  if (pid <= 0) return 0;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto paren = text.rfind(')');
  if (paren == std::string::npos) return 0;
  std::vector<std::string> fields;
  std::string field;
  for (std::size_t i = paren + 2; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == ' ') {
      fields.push_back(field);
      field.clear();
    } else {
      field += text[i];
    }
  }
  // After the command: state is field 3 of stat, so utime (14) and stime (15) are at 11 and 12.
  if (fields.size() < 13) return 0;
  return (std::atof(fields[11].c_str()) + std::atof(fields[12].c_str())) /
         static_cast<double>(::sysconf(_SC_CLK_TCK));
}

/// GET /metrics over one keep-alive connection (reconnecting when it breaks).
class MetricsClient {
 public:
  explicit MetricsClient(std::string port) : port_(std::move(port)) {}

  /// The body of /metrics, or "" when the server does not answer.
  std::string get() {
    for (int attempt = 0; attempt < 2; ++attempt) {
      try {
        if (!stream_) {
          stream_ = std::make_unique<beast::tcp_stream>(ioc_);
          tcp::resolver resolver(ioc_);
          stream_->expires_after(std::chrono::seconds(5));
          stream_->connect(resolver.resolve("127.0.0.1", port_));
          stream_->socket().set_option(tcp::no_delay(true));
        }
        http::request<http::empty_body> request{http::verb::get, "/metrics", 11};
        request.set(http::field::host, "127.0.0.1");
        stream_->expires_after(std::chrono::seconds(5));
        http::write(*stream_, request);
        http::response<http::string_body> response;
        http::read(*stream_, buffer_, response);
        if (!response.keep_alive()) close();
        return response.body();
      } catch (const std::exception&) {
        close();
      }
    }
    return "";
  }

 private:
  void close() {
    stream_.reset();
    buffer_.clear();
  }

  std::string port_;
  asio::io_context ioc_;
  std::unique_ptr<beast::tcp_stream> stream_;
  beast::flat_buffer buffer_;
};

/// The value of the line of `body` that starts with `name` followed by a space (0 when absent).
double metric(const std::string& body, const std::string& name) {
  std::size_t at = 0;
  while ((at = body.find(name + " ", at)) != std::string::npos) {
    if (at == 0 || body[at - 1] == '\n') {
      return std::atof(body.c_str() + at + name.size() + 1);
    }
    at += name.size();
  }
  return 0;
}

/// The counters of one feed that the checks read.
struct FeedCounters {
  double accepted = 0, refused = 0, malformed = 0, failed = 0, ignored = 0;
  double observations = 0;  ///< accepted observations, duplicates not counted
  double journal_entries = 0;

  static FeedCounters read(const std::string& body, const std::string& feed) {
    const std::string m = "quanyu_feed_messages_total{feed=\"" + feed + "\",result=\"";
    FeedCounters c;
    c.accepted = metric(body, m + "accepted\"}");
    c.refused = metric(body, m + "refused\"}");
    c.malformed = metric(body, m + "malformed\"}");
    c.failed = metric(body, m + "failed\"}");
    c.ignored = metric(body, m + "ignored\"}");
    c.observations = metric(body, "quanyu_feed_observations_total{feed=\"" + feed + "\"}");
    c.journal_entries = metric(body, "quanyu_journal_entries_total");
    return c;
  }
  FeedCounters minus(const FeedCounters& o) const {
    return {accepted - o.accepted,
            refused - o.refused,
            malformed - o.malformed,
            failed - o.failed,
            ignored - o.ignored,
            observations - o.observations,
            journal_entries - o.journal_entries};
  }
};

template <typename T>
T percentile(const std::vector<T>& sorted, double p) {
  if (sorted.empty()) return T{};
  return sorted[std::min(sorted.size() - 1, static_cast<std::size_t>(p * sorted.size()))];
}

// ---------------------------------------------------------------------------------------------
// MQTT through a broker

/// One smoke detection with a unique id at one of `places` places (at most 2,000) over Chongqing
/// (5 km apart, so each place is its own fire incident), as the MQTT feed takes it (POST
/// /api/v1/observations's JSON; the feed gives it the source mqtt:<topic>).
std::string mqtt_payload(const std::string& tag, long n, long places, const std::string& time) {
  const long place = n % places;
  char item[320];
  std::snprintf(item, sizeof item,
                R"({"id":"mq-%s-%ld","observedAt":"%s","position":{"x":%.5f,"y":%.5f},)"
                R"("smokeDetection":{"towerId":"mqtt-bench-%ld","confidence":0.6}})",
                tag.c_str(), n, time.c_str(), 106.0 + 0.05 * static_cast<double>(place % 50),
                28.9 + 0.05 * static_cast<double>((place / 50) % 40), n % 64);
  return item;
}

/// The publisher: QoS 1 with a bounded window of PUBLISHes awaiting the broker's PUBACK.
class Publisher {
 public:
  Publisher(asio::io_context& ioc, long messages, long window, long places)
      : socket_(ioc),
        timer_(ioc),
        messages_(messages),
        window_(window),
        places_(places),
        in_flight_(65536, 0) {
    char tag[48];
    std::snprintf(tag, sizeof tag, "%d-%lld", static_cast<int>(::getpid()),
                  static_cast<long long>(wall_us() / 1000));
    tag_ = tag;
    time_ = now_utc();
  }

  /// Connects and waits for CONNACK (blocking, bounded by the socket timeout of the broker).
  bool connect(const std::string& port, std::string& why) {
    try {
      tcp::resolver resolver(socket_.get_executor());
      asio::connect(socket_, resolver.resolve("127.0.0.1", port));
      socket_.set_option(tcp::no_delay(true));
      mqtt::ConnectOptions o;
      o.client_id = "quanyu-feed-ingest-" + tag_;
      o.clean_session = true;
      o.keepalive_s = 120;
      asio::write(socket_, asio::buffer(mqtt::encode_connect(o)));
      std::array<char, 64> buffer{};
      while (true) {
        const auto n = socket_.read_some(asio::buffer(buffer));
        decoder_.feed(std::string_view(buffer.data(), n));
        auto next = decoder_.next();
        if (!next) {
          why = next.error().message;
          return false;
        }
        if (!next.value()) continue;
        if (next.value()->type != mqtt::PacketType::connack || next.value()->return_code != 0) {
          why = std::string("CONNACK: ") + mqtt::connack_reason(next.value()->return_code);
          return false;
        }
        return true;
      }
    } catch (const std::exception& e) {
      why = e.what();
      return false;
    }
  }

  /// Starts publishing; `give_up` bounds the whole run.
  void start(Clock::duration give_up) {
    started = Clock::now();
    timer_.expires_after(give_up);
    timer_.async_wait([this](const error_code& ec) {
      if (ec) return;
      fail("timed out with " + std::to_string(acked) + " of " + std::to_string(messages_) +
           " PUBACKs");
    });
    read();
    fill();
  }

  Clock::time_point started{};
  Clock::time_point finished{};  ///< the last PUBACK from the broker
  long acked = 0;
  std::string error;

 private:
  static std::uint16_t packet_id(long n) { return static_cast<std::uint16_t>(n % 65535 + 1); }

  void fill() {
    if (writing_ || done_) return;
    out_.clear();
    while (next_ < messages_ && next_ - acked < window_ && out_.size() < 64 * 1024) {
      const auto id = packet_id(next_);
      if (in_flight_[id] != 0) return fail("packet id " + std::to_string(id) + " still in flight");
      in_flight_[id] = 1;
      out_ += mqtt::encode_publish("quanyu/observations/bench",
                                   mqtt_payload(tag_, next_, places_, time_), 1, id);
      ++next_;
    }
    if (out_.empty()) return;
    writing_ = true;
    asio::async_write(socket_, asio::buffer(out_), [this](const error_code& ec, std::size_t) {
      writing_ = false;
      if (ec) return fail("write: " + ec.message());
      fill();
    });
  }

  void read() {
    socket_.async_read_some(asio::buffer(buffer_), [this](const error_code& ec, std::size_t n) {
      if (done_) return;
      if (ec) return fail("read: " + ec.message());
      decoder_.feed(std::string_view(buffer_.data(), n));
      while (true) {
        auto next = decoder_.next();
        if (!next) return fail("broker sent: " + next.error().message);
        if (!next.value()) break;
        const mqtt::Packet& p = *next.value();
        if (p.type != mqtt::PacketType::puback) {
          return fail("unexpected packet type " + std::to_string(static_cast<int>(p.type)));
        }
        if (in_flight_[p.packet_id] == 0) {
          return fail("PUBACK for packet id " + std::to_string(p.packet_id) + " not in flight");
        }
        in_flight_[p.packet_id] = 0;
        if (++acked == messages_) {
          finished = Clock::now();
          done_ = true;
          timer_.cancel();
          error_code ignored;
          asio::write(socket_, asio::buffer(mqtt::encode_disconnect()), ignored);
          socket_.close(ignored);
          return;
        }
      }
      fill();
      read();
    });
  }

  void fail(const std::string& why) {
    if (done_) return;
    done_ = true;
    error = why;
    finished = Clock::now();
    timer_.cancel();
    error_code ignored;
    socket_.close(ignored);
  }

  tcp::socket socket_;
  asio::steady_timer timer_;
  long messages_;
  long window_;
  long places_;
  std::string tag_;
  std::string time_;
  std::vector<std::uint8_t> in_flight_;  ///< by packet id
  mqtt::Decoder decoder_;
  std::array<char, 16384> buffer_{};
  std::string out_;
  long next_ = 0;
  bool writing_ = false;
  bool done_ = false;
};

int run_mqtt(const std::string& broker_port, const std::string& http_port, long messages,
             long window, int server_pid, int broker_pid, long places) {
  MetricsClient metrics(http_port);
  const std::string before_body = metrics.get();
  if (before_body.empty()) {
    std::fprintf(stderr, "no /metrics on port %s\n", http_port.c_str());
    return 2;
  }
  const auto before = FeedCounters::read(before_body, "mqtt");

  asio::io_context ioc;
  Publisher publisher(ioc, messages, window, places);
  std::string error;
  if (!publisher.connect(broker_port, error)) {
    std::fprintf(stderr, "cannot connect to the broker on port %s: %s\n", broker_port.c_str(),
                 error.c_str());
    return 2;
  }

  // The poller runs beside the publisher from the first publish on, so the moment accepted
  // reaches N is seen within one poll interval (10 ms) whether or not publishing is over. Once
  // publishing is over it gives up when the counters have not moved for 10 s (a broker that
  // dropped messages: they never come), and in any case 60 s later.
  std::atomic<bool> publishing_over{false};
  std::atomic<bool> reached{false};
  Clock::time_point reached_at{};
  FeedCounters last;
  long polls = 0;
  const double server_cpu0 = cpu_seconds(server_pid);
  const double broker_cpu0 = cpu_seconds(broker_pid);
  const auto give_up_publishing = std::chrono::seconds(120);
  const auto drain_limit = std::chrono::seconds(60);
  const auto stall_limit = std::chrono::seconds(10);
  publisher.start(give_up_publishing);
  const Clock::time_point started = publisher.started;
  std::thread poller([&] {
    Clock::time_point drain_deadline = Clock::time_point::max();
    Clock::time_point moved = Clock::now();
    double seen = -1;
    while (true) {
      const auto body = metrics.get();
      ++polls;
      last = FeedCounters::read(body, "mqtt").minus(before);
      const auto now = Clock::now();
      const double total = last.accepted + last.refused + last.malformed + last.failed;
      if (total != seen) {
        seen = total;
        moved = now;
      }
      if (total >= static_cast<double>(messages)) {
        reached_at = now;
        reached = last.accepted >= static_cast<double>(messages);
        return;
      }
      if (publishing_over && drain_deadline == Clock::time_point::max()) {
        drain_deadline = now + drain_limit;
      }
      if (now > drain_deadline || (publishing_over && now - moved > stall_limit) ||
          now - started > give_up_publishing + drain_limit) {
        reached_at = now;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });
  ioc.run();
  publishing_over = true;
  poller.join();
  const double server_cpu = cpu_seconds(server_pid) - server_cpu0;
  const double broker_cpu = cpu_seconds(broker_pid) - broker_cpu0;

  // Give the journal counter a moment to show the last commit (it is read after the feed's
  // counters move), then take the final values.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const auto after = FeedCounters::read(metrics.get(), "mqtt").minus(before);
  const double n = static_cast<double>(messages);
  const double elapsed = seconds_between(started, reached_at);
  const double broker_elapsed = seconds_between(started, publisher.finished);
  const bool ok = publisher.error.empty() && publisher.acked == messages && reached &&
                  after.accepted == n && after.observations == n && after.refused == 0 &&
                  after.malformed == 0 && after.failed == 0 && after.journal_entries >= n;
  std::printf(
      "feed=mqtt messages=%ld window=%ld places=%ld broker_acked=%ld broker_ack_s=%.3f "
      "broker_acked_per_s=%.0f accepted=%.0f observations=%.0f refused=%.0f malformed=%.0f "
      "failed=%.0f journal_entries=%.0f elapsed_s=%.3f obs_per_s=%.0f polls=%ld "
      "server_cores=%.2f broker_cores=%.2f ok=%d%s%s\n",
      messages, window, places, publisher.acked, broker_elapsed,
      broker_elapsed > 0 ? static_cast<double>(publisher.acked) / broker_elapsed : 0.0,
      after.accepted, after.observations, after.refused, after.malformed, after.failed,
      after.journal_entries, elapsed, reached && elapsed > 0 ? n / elapsed : 0.0, polls,
      elapsed > 0 ? server_cpu / elapsed : 0.0, elapsed > 0 ? broker_cpu / elapsed : 0.0,
      ok ? 1 : 0, publisher.error.empty() ? "" : " error=", publisher.error.c_str());
  return ok ? 0 : 1;
}

// ---------------------------------------------------------------------------------------------
// SL 651 stations over TCP

struct Gauge {
  std::string station_code;  ///< 10 digits
  double warning_level_m = 0;
};

/// The gauges of a sensor layer in GeoJSON with one feature per line (as the shipped layers are).
std::vector<Gauge> read_gauges(const std::string& path) {
  std::ifstream in(path);
  std::vector<Gauge> out;
  std::string line;
  const std::string code_key = "\"stationCode\":\"";
  const std::string level_key = "\"warningLevelM\":";
  while (std::getline(in, line)) {
    const auto at = line.find(code_key);
    if (at == std::string::npos) continue;
    Gauge g;
    g.station_code = line.substr(at + code_key.size(), 10);
    if (g.station_code.size() != 10 ||
        g.station_code.find_first_not_of("0123456789") != std::string::npos) {
      continue;
    }
    const auto level = line.find(level_key);
    g.warning_level_m =
        level == std::string::npos ? 100.0 : std::atof(line.c_str() + level + level_key.size());
    out.push_back(g);
  }
  return out;
}

std::string bcd(long value, int digits) {
  std::string out;
  for (int i = digits - 2; i >= 0; i -= 2) {
    long pair = value;
    for (int k = 0; k < i; ++k) pair /= 10;
    pair %= 100;
    out += static_cast<char>(((pair / 10) << 4) | (pair % 10));
  }
  return out;
}

constexpr std::int64_t kMinuteUs = 60'000'000;

/// One RTU connection: one report in flight at a time, as the protocol has it.
class Station {
 public:
  Station(asio::io_context& ioc, const Gauge& gauge, long lane, long lanes, std::int64_t first_us,
          long minutes, const std::atomic<bool>& stopping)
      : socket_(ioc),
        gauge_(gauge),
        lane_(lane),
        lanes_(lanes),
        first_minute_us_(first_us),
        minutes_(minutes),
        stopping_(stopping) {
    for (std::size_t i = 0; i < 5; ++i) {
      address_[i] = static_cast<std::uint8_t>(((gauge.station_code[2 * i] - '0') << 4) |
                                              (gauge.station_code[2 * i + 1] - '0'));
    }
  }

  void connect(const tcp::endpoint& endpoint) {
    socket_.connect(endpoint);
    socket_.set_option(tcp::no_delay(true));
  }

  void start() { send_next(); }
  void close() {
    error_code ignored;
    socket_.close(ignored);
  }

  long sent = 0;
  long confirmed = 0;
  bool exhausted = false;
  bool finished = false;
  std::string error;
  Clock::time_point last_confirmed{};
  std::vector<float> latencies_ms;

 private:
  /// A 32H timed report: serial, send time, station address and type H, observation time, Z with
  /// 3 decimals (below the gauge's warning level) and VT with 2.
  std::string report(std::uint16_t serial, std::int64_t observed_us) const {
    sl651::Header h;
    h.centre_address = 0x01;
    h.station_address = address_;
    h.password = 0x1234;
    h.function_code = 0x32;
    const std::string send_time = sl651::encode_bcd_time(sl651::station_time_from_us(wall_us()));
    const std::string observed =
        sl651::encode_bcd_time(sl651::station_time_from_us(observed_us)).substr(0, 5);
    const double level =
        gauge_.warning_level_m - 1.5 + 0.5 * std::sin(static_cast<double>(observed_us) / 3.6e9);
    std::string body;
    body += static_cast<char>(serial >> 8);
    body += static_cast<char>(serial & 0xFF);
    body += send_time;
    body += "\xF1\xF1" + std::string(address_.begin(), address_.end()) + "H";
    body += "\xF0\xF0" + observed;
    body += "\x39\x23" + bcd(std::lround(level * 1000), 8);  // Z, 4 bytes, 3 decimals
    body += "\x38\x12" + bcd(1268, 4);                       // VT 12.68 V
    return sl651::encode_frame(h, body).value();
  }

  void send_next() {
    if (!error.empty()) return;
    if (stopping_) {
      finished = true;
      return;
    }
    const long minute = lane_ + sent * lanes_;
    if (minute >= minutes_) {
      exhausted = true;
      finished = true;
      return;
    }
    serial_ = static_cast<std::uint16_t>(sent % 65535 + 1);
    out_ = report(serial_, first_minute_us_ + minute * kMinuteUs);
    ++sent;
    sent_at_ = Clock::now();
    asio::async_write(socket_, asio::buffer(out_), [this](const error_code& ec, std::size_t) {
      if (ec) return fail("write: " + ec.message());
      read();
    });
  }

  void read() {
    socket_.async_read_some(asio::buffer(buffer_), [this](const error_code& ec, std::size_t n) {
      if (ec) return fail("read: " + ec.message());
      received_.append(buffer_.data(), n);
      if (received_.size() < 13) return read();
      const std::size_t length = ((static_cast<std::uint8_t>(received_[11]) & 0x0F) << 8 |
                                  static_cast<std::uint8_t>(received_[12])) +
                                 sl651::kFrameOverhead;
      if (received_.size() < length) return read();
      if (received_.size() > length) return fail("more bytes than one confirmation");
      const auto now = Clock::now();
      auto frame = sl651::decode_frame(received_);
      received_.clear();
      if (!frame) return fail("confirmation: " + frame.error().message);
      const auto& h = frame->header;
      if (h.direction != sl651::Direction::kDown || h.function_code != 0x32 ||
          h.station_address != address_ || h.end_marker != sl651::kEsc || frame->body.size() < 2 ||
          static_cast<std::uint16_t>(static_cast<std::uint8_t>(frame->body[0]) << 8 |
                                     static_cast<std::uint8_t>(frame->body[1])) != serial_) {
        return fail("confirmation does not match report " + std::to_string(serial_));
      }
      ++confirmed;
      last_confirmed = now;
      latencies_ms.push_back(
          static_cast<float>(std::chrono::duration<double, std::milli>(now - sent_at_).count()));
      send_next();
    });
  }

  void fail(const std::string& why) {
    if (error.empty()) error = gauge_.station_code + ": " + why;
    finished = true;
    close();
  }

  tcp::socket socket_;
  Gauge gauge_;
  sl651::StationAddress address_{};
  long lane_;
  long lanes_;
  std::int64_t first_minute_us_;
  long minutes_;  ///< observation minutes of the station
  const std::atomic<bool>& stopping_;
  std::uint16_t serial_ = 0;
  std::string out_;
  std::array<char, 256> buffer_{};
  std::string received_;
  Clock::time_point sent_at_{};
};

int run_sl651(const std::string& station_port, const std::string& http_port, int connections,
              double seconds, int server_pid, const std::string& sensors, long max_age_s) {
  const auto gauges = read_gauges(sensors);
  if (gauges.empty()) {
    std::fprintf(stderr, "no gauge with a stationCode in %s\n", sensors.c_str());
    return 2;
  }
  MetricsClient metrics(http_port);
  const std::string before_body = metrics.get();
  if (before_body.empty()) {
    std::fprintf(stderr, "no /metrics on port %s\n", http_port.c_str());
    return 2;
  }
  const auto before = FeedCounters::read(before_body, "sl651");

  asio::io_context ioc;
  std::atomic<bool> stopping{false};
  const long stations = static_cast<long>(gauges.size());
  const long lanes = (connections + stations - 1) / stations;  // connections per station, at most
  // From 10 minutes inside the acceptance window (so the oldest stays valid through the run)
  // to 3 minutes ahead of the start (max_ahead_s is 5 minutes).
  const long back = max_age_s / 60 - 10;
  if (back < 1) {
    std::fprintf(stderr, "max_age_s must be above 10 minutes\n");
    return 2;
  }
  const long minutes = back + 3;
  const std::int64_t first_minute_us = (wall_us() / kMinuteUs) * kMinuteUs - back * kMinuteUs;
  std::vector<std::unique_ptr<Station>> all;
  const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"),
                               static_cast<std::uint16_t>(std::atoi(station_port.c_str())));
  try {
    for (int c = 0; c < connections; ++c) {
      all.push_back(std::make_unique<Station>(ioc, gauges[static_cast<std::size_t>(c % stations)],
                                              c / stations, lanes, first_minute_us, minutes,
                                              stopping));
      all.back()->connect(endpoint);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cannot connect to the SL 651 listener on port %s: %s\n",
                 station_port.c_str(), e.what());
    return 2;
  }

  const double server_cpu0 = cpu_seconds(server_pid);
  const auto started = Clock::now();
  for (auto& s : all) s->start();
  // Stop sending after `seconds`; reports still in flight then are waited for, at most 10 s.
  asio::steady_timer stop(
      ioc, std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds)));
  asio::steady_timer hard(ioc);
  stop.async_wait([&](const error_code& ec) {
    if (ec) return;
    stopping = true;
    hard.expires_after(std::chrono::seconds(10));
    hard.async_wait([&](const error_code& hard_ec) {
      if (hard_ec) return;
      for (auto& s : all) s->close();
    });
  });
  // Once every station is done, cancel the hard stop so run() returns.
  asio::steady_timer check(ioc);
  std::function<void()> watch = [&] {
    check.expires_after(std::chrono::milliseconds(20));
    check.async_wait([&](const error_code&) {
      const bool all_done = std::all_of(
          all.begin(), all.end(), [](const auto& s) { return s->finished || (!s->error.empty()); });
      if (all_done) {
        stop.cancel();
        hard.cancel();
        return;
      }
      watch();
    });
  };
  watch();
  ioc.run();
  const double server_cpu = cpu_seconds(server_pid) - server_cpu0;

  long sent = 0, confirmed = 0;
  int exhausted = 0;
  std::string error;
  Clock::time_point last = started;
  std::vector<float> latencies;
  for (const auto& s : all) {
    sent += s->sent;
    confirmed += s->confirmed;
    exhausted += s->exhausted ? 1 : 0;
    if (error.empty() && !s->error.empty()) error = s->error;
    last = std::max(last, s->last_confirmed);
    latencies.insert(latencies.end(), s->latencies_ms.begin(), s->latencies_ms.end());
    s->close();
  }
  std::sort(latencies.begin(), latencies.end());
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const auto after = FeedCounters::read(metrics.get(), "sl651").minus(before);
  const double elapsed = seconds_between(started, last);
  const double n = static_cast<double>(confirmed);
  // One reading per report: the observations accepted must equal the reports confirmed.
  const bool ok = error.empty() && exhausted == 0 && sent == confirmed && confirmed > 0 &&
                  after.accepted == n && after.observations == n && after.refused == 0 &&
                  after.malformed == 0 && after.failed == 0 && after.journal_entries >= n;
  std::printf(
      "feed=sl651 stations=%d station_codes=%ld max_age_s=%ld seconds=%.1f reports=%ld "
      "confirmed=%ld "
      "accepted=%.0f observations=%.0f refused=%.0f malformed=%.0f failed=%.0f "
      "journal_entries=%.0f elapsed_s=%.3f reports_per_s=%.0f obs_per_s=%.0f p50_ms=%.2f "
      "p99_ms=%.2f max_ms=%.2f exhausted=%d server_cores=%.2f ok=%d%s%s\n",
      connections, stations, max_age_s, seconds, sent, confirmed, after.accepted,
      after.observations, after.refused, after.malformed, after.failed, after.journal_entries,
      elapsed, elapsed > 0 ? n / elapsed : 0.0, elapsed > 0 ? after.observations / elapsed : 0.0,
      static_cast<double>(percentile(latencies, 0.50)),
      static_cast<double>(percentile(latencies, 0.99)),
      latencies.empty() ? 0.0 : static_cast<double>(latencies.back()), exhausted,
      elapsed > 0 ? server_cpu / elapsed : 0.0, ok ? 1 : 0,
      error.empty() ? "" : " error=", error.c_str());
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (argc < 4 || (mode != "mqtt" && mode != "sl651")) {
    std::fprintf(stderr,
                 "usage: %s mqtt BROKER_PORT QUANYU_HTTP_PORT [messages=100000] [window=1000] "
                 "[server_pid=0] [broker_pid=0] [places=2000]\n"
                 "       %s sl651 SL651_PORT QUANYU_HTTP_PORT [stations=50] [seconds=5] "
                 "[server_pid=0] [sensors=config/demo/sensors.geojson] [max_age_s=86400]\n",
                 argv[0], argv[0]);
    return 2;
  }
  if (mode == "mqtt") {
    const long messages = argc > 4 ? std::atol(argv[4]) : 100'000;
    const long window = argc > 5 ? std::max(1L, std::atol(argv[5])) : 1000;
    const long places = argc > 8 ? std::atol(argv[8]) : 2000;
    if (messages <= 0 || window > 60000 || places < 1 || places > 2000) {
      std::fprintf(stderr,
                   "messages must be positive, window at most 60000, places in [1, 2000]\n");
      return 2;
    }
    return run_mqtt(argv[2], argv[3], messages, window, argc > 6 ? std::atoi(argv[6]) : 0,
                    argc > 7 ? std::atoi(argv[7]) : 0, places);
  }
  const int stations = argc > 4 ? std::max(1, std::atoi(argv[4])) : 50;
  const double seconds = argc > 5 ? std::atof(argv[5]) : 5.0;
  if (seconds <= 0 || seconds > 600 || stations > 10000) {
    std::fprintf(stderr, "seconds must be in (0, 600] and stations at most 10000\n");
    return 2;
  }
  return run_sl651(argv[2], argv[3], stations, seconds, argc > 6 ? std::atoi(argv[6]) : 0,
                   argc > 7 ? argv[7] : "config/demo/sensors.geojson",
                   argc > 8 ? std::atol(argv[8]) : 86400);
}

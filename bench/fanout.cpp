// Fan-out to screens, side by side (issue 6, item 1): S subscribers hold one connection each while
// one publisher sends N updates at a fixed rate; the same load goes to one of three servers:
//
//   quanyu  S wall screens on Quanyu's /ws/situation (Protobuf, summary detail); the publisher
//           POSTs smoke detections to /api/v1/observations (durable: each 202 follows the
//           journal's fsync). An update is delivered when a delta shows the incident with that
//           observation as its latest evidence (~200-300 bytes of summary incident).
//   mqtt    S MQTT 3.1.1 clients over WebSocket (subprotocol "mqtt") subscribed with QoS 0 to one
//           topic on mosquitto; the publisher sends QoS 0 PUBLISHes over plain MQTT (TCP).
//   redis   S RESP clients SUBSCRIBEd to one channel on redis-server; the publisher pipelines
//           PUBLISH commands and reads their replies.
//
// Update k is due at start + k / rate. Four publisher connections share the schedule: a free one
// sends every update already due (at most 1,000) in one write (one POST, one pipelined batch, one
// TCP write), so all three are driven the same way, and a server that is slow to answer gets
// fewer but larger batches, never a lower offered rate.
// Latency runs from the update's due time (not its send time: waiting to be sent counts) to the
// moment a subscriber has read it. Every subscriber must end with every update exactly once; the
// line says how many did (`complete=S/S`) and the tool fails otherwise, so a rate can never come
// from dropped data. Printed: delivered updates/s over all subscribers (from the first due time
// to the last delivery), p50/p99/max latency, the server's CPU (cores busy while the updates
// flowed) and RSS, this load generator's own CPU, and p50/p99 from due time to the answer to
// each publisher write (Quanyu: the 202 after the commit; Redis: its replies). Bounded:
// N = rate * seconds, and a drain of at most 60 s after the last send.
//
//   quanyu_fanout MODE PORT [subscribers=1000] [rate=1000] [seconds=10] [server_pid=0]
//                 [payload_bytes=300] [publish_port=PORT] [threads=2]
// MODE is quanyu, mqtt or redis; PORT is the subscribers' port; publish_port the publisher's
// (mosquitto: its MQTT TCP listener). payload_bytes sizes the peers' messages (Quanyu's size is
// what its summary incident takes; the line prints the bytes per update every mode received).
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bench/bench_util.hpp"
#include "bench/ws_client.hpp"
#include "quanyu/v1/observation.pb.h"
#include "server/ingest/mqtt/codec.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace mqtt = quanyu::ingest::mqtt;
namespace v1 = quanyu::v1;
using tcp = asio::ip::tcp;

namespace {

using quanyu::bench::now_us;
namespace bench = quanyu::bench;

enum class Mode { quanyu, mqtt, redis };

constexpr std::string_view kTopic = "quanyu/fanout";
constexpr std::string_view kChannel = "quanyu.fanout";
constexpr int kPublishers = 4;  // publisher connections, each sending whatever is due when free
/// Quanyu: the fires the updates rotate over (each fire changes once every 1,000 updates).
constexpr int kPlaces = 1000;

// ---- measurement ---------------------------------------------------------------------------

/// Log-linear latency histogram in microseconds: 64 sub-buckets per power of two (< 1.6 % error).
class Histogram {
 public:
  Histogram() : counts_(64 * 40, 0) {}
  void add(std::int64_t us) {
    const auto v = static_cast<std::uint64_t>(std::max<std::int64_t>(us, 0));
    ++counts_[std::min(index(v), counts_.size() - 1)];
    ++total_;
    max_ = std::max(max_, v);
  }
  void merge(const Histogram& other) {
    for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
    total_ += other.total_;
    max_ = std::max(max_, other.max_);
  }
  /// The value below which `p` of the samples lie, in milliseconds.
  double percentile_ms(double p) const {
    const auto rank = static_cast<std::uint64_t>(p * static_cast<double>(total_));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (seen > rank) return static_cast<double>(upper(i)) / 1000.0;
    }
    return static_cast<double>(max_) / 1000.0;
  }
  double max_ms() const { return static_cast<double>(max_) / 1000.0; }
  std::uint64_t total() const { return total_; }

 private:
  static std::size_t index(std::uint64_t v) {
    if (v < 64) return v;
    const int e = 63 - __builtin_clzll(v);  // >= 6
    return static_cast<std::size_t>(e - 5) * 64 + ((v >> (e - 6)) & 63);
  }
  static std::uint64_t upper(std::size_t i) {
    if (i < 64) return i;
    const int e = static_cast<int>(i / 64) + 5;
    return ((64 + (i % 64) + 1) << (e - 6)) - 1;
  }
  std::vector<std::uint64_t> counts_;
  std::uint64_t total_ = 0;
  std::uint64_t max_ = 0;
};

/// One histogram per reader thread, merged at the end.
std::mutex g_histograms_mutex;
std::vector<std::unique_ptr<Histogram>> g_histograms;
Histogram& thread_histogram() {
  thread_local Histogram* mine = [] {
    std::lock_guard lock(g_histograms_mutex);
    g_histograms.push_back(std::make_unique<Histogram>());
    return g_histograms.back().get();
  }();
  return *mine;
}

/// QUANYU_FANOUT_DEFLATE=1: WebSocket subscribers offer permessage-deflate, as browsers do.
bool g_deflate = false;
/// QUANYU_FANOUT_JSON=1: Quanyu's publisher posts JSON instead of Protobuf.
bool g_json = false;

/// The worst and the best latency of each update over all subscribers (for QUANYU_FANOUT_WORST
/// diagnostics: the best is how long the update took to reach the first screen, the difference
/// how long the fan-out to all of them took).
std::vector<std::atomic<std::int64_t>>* g_worst = nullptr;
std::vector<std::atomic<std::int64_t>>* g_first = nullptr;

/// What one subscriber received: each update once, all of them.
class Tally {
 public:
  explicit Tally(std::size_t updates) : seen_((updates + 63) / 64, 0), updates_(updates) {}
  void deliver(std::uint64_t k, std::int64_t due_us, std::int64_t received_us) {
    if (k >= updates_) {
      ++unknown_;
      return;
    }
    auto& word = seen_[k / 64];
    const std::uint64_t bit = std::uint64_t{1} << (k % 64);
    if (word & bit) {
      ++duplicates_;
      return;
    }
    word |= bit;
    // Only this subscriber's strand writes its counters; the main thread reads them.
    received_.store(received_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    last_us_.store(received_us, std::memory_order_relaxed);
    thread_histogram().add(received_us - due_us);
    if (g_worst != nullptr) {
      auto& worst = (*g_worst)[k];
      std::int64_t seen = worst.load(std::memory_order_relaxed);
      while (received_us - due_us > seen &&
             !worst.compare_exchange_weak(seen, received_us - due_us)) {
      }
      auto& first = (*g_first)[k];
      seen = first.load(std::memory_order_relaxed);
      while (received_us - due_us < seen &&
             !first.compare_exchange_weak(seen, received_us - due_us)) {
      }
    }
  }
  /// When the latest update arrived (µs since the epoch).
  std::int64_t last_us() const { return last_us_.load(std::memory_order_relaxed); }
  std::size_t received() const { return received_.load(std::memory_order_relaxed); }
  bool complete() const { return received() == updates_ && duplicates_ == 0 && unknown_ == 0; }
  std::uint64_t duplicates() const { return duplicates_; }
  std::uint64_t bytes = 0;  ///< payload bytes read (frames, packets or RESP replies)

 private:
  std::vector<std::uint64_t> seen_;
  std::size_t updates_;
  std::atomic<std::size_t> received_{0};
  std::atomic<std::int64_t> last_us_{0};
  std::uint64_t duplicates_ = 0;
  std::uint64_t unknown_ = 0;
};

/// Peers' payload: "k=<update> t=<due us> " padded to `size` bytes.
std::string peer_payload(std::uint64_t k, std::int64_t due_us, std::size_t size) {
  char head[64];
  const int n = std::snprintf(head, sizeof head, "k=%llu t=%lld ",
                              static_cast<unsigned long long>(k), static_cast<long long>(due_us));
  std::string payload(head, static_cast<std::size_t>(n));
  if (payload.size() < size) payload.append(size - payload.size(), 'x');
  return payload;
}

/// Reads the decimal digits at `at` into `value` (at most 19: no overflow); advances past them.
bool read_digits(const char*& at, const char* end, std::uint64_t& value) {
  const char* start = at;
  value = 0;
  while (at < end && at - start < 19 && *at >= '0' && *at <= '9') {
    value = value * 10 + static_cast<std::uint64_t>(*at++ - '0');
  }
  return at > start;
}

/// Reads "<prefix><k><separator><due us>" (the peers' "k=K t=T", Quanyu's "fan-K-T").
/// (std::from_chars took a tenth of the load generator's CPU here.)
bool parse_update(std::string_view text, std::string_view prefix, std::string_view separator,
                  std::uint64_t& k, std::int64_t& due_us) {
  if (text.substr(0, prefix.size()) != prefix) return false;
  const char* at = text.data() + prefix.size();
  const char* end = text.data() + text.size();
  if (!read_digits(at, end, k) || static_cast<std::size_t>(end - at) < separator.size() ||
      std::string_view(at, separator.size()) != separator) {
    return false;
  }
  at += separator.size();
  std::uint64_t due = 0;
  if (!read_digits(at, end, due)) return false;
  due_us = static_cast<std::int64_t>(due);
  return true;
}

bool parse_peer_payload(std::string_view payload, std::uint64_t& k, std::int64_t& due_us) {
  return parse_update(payload, "k=", " t=", k, due_us);
}

double self_cpu_s() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// ---- subscribers ---------------------------------------------------------------------------

class Subscriber {
 public:
  explicit Subscriber(std::size_t updates) : tally(updates) {}
  virtual ~Subscriber() = default;
  /// Connects and subscribes synchronously, then starts reading on its strand.
  virtual void start(const std::string& port) = 0;
  /// Whether it holds its subscription (Quanyu: its first snapshot arrived).
  virtual bool ready() const = 0;
  /// Whether the server compresses what it sends (permessage-deflate).
  virtual bool deflated() const { return false; }
  virtual void close() = 0;
  Tally tally;
};

/// A wall screen on /ws/situation. Walks the Protobuf wire format for the few fields it needs
/// (ServerMessage 11 delta -> 1 incidents -> 9 evidence -> 1 observation_id) instead of building
/// a full message per frame, so the load generator stays light.
class QuanyuSubscriber : public Subscriber, public std::enable_shared_from_this<QuanyuSubscriber> {
 public:
  QuanyuSubscriber(asio::io_context& ioc, std::size_t updates)
      : Subscriber(updates), ws_(asio::make_strand(ioc)) {}

  void start(const std::string& port) override {
    ws_.connect(port, "/ws/situation", {{"Authorization", "Bearer quanyu-demo-wall"}}, g_deflate);
    ws_.read_loop([self = shared_from_this()](const char* data, std::size_t n) {
      // Updates only, not the first snapshot; on the wire (compressed, when it was).
      if (self->snapshot_) self->tally.bytes += self->ws_.wire_size();
      self->scan(reinterpret_cast<const std::uint8_t*>(data), static_cast<int>(n));
    });
  }
  bool ready() const override { return snapshot_.load(); }
  bool deflated() const override { return ws_.deflated(); }
  void close() override { ws_.close(); }

 private:
  void scan(const std::uint8_t* data, int size) {
    const std::int64_t received = now_us();
    bench::FrameInfo info;
    bench::for_each_incident(data, size, info,
                             [&](const std::uint8_t* bytes, int n, bool snapshot) {
                               // Updates arrive in deltas; the first snapshot holds the warm-up
                               // state.
                               if (snapshot || !bench::read_incident(bytes, n, fields_)) return;
                               std::uint64_t k = 0;
                               std::int64_t due = 0;
                               if (parse_update(fields_.latest_evidence, "fan-", "-", k, due))
                                 tally.deliver(k, due, received);
                             });
    if (info.snapshot) snapshot_ = true;
  }

  bench::WsClient ws_;
  bench::IncidentFields fields_;
  std::atomic<bool> snapshot_{false};
};

/// An MQTT 3.1.1 client over WebSocket, as a browser screen on mosquitto would be.
class MqttSubscriber : public Subscriber, public std::enable_shared_from_this<MqttSubscriber> {
 public:
  MqttSubscriber(asio::io_context& ioc, std::size_t updates, int id)
      : Subscriber(updates), ws_(asio::make_strand(ioc)), id_(id) {}

  void start(const std::string& port) override {
    ws_.connect(port, "/mqtt", {{"Sec-WebSocket-Protocol", "mqtt"}}, g_deflate);
    mqtt::ConnectOptions options;
    options.client_id = "fanout-" + std::to_string(id_);
    options.clean_session = true;
    options.keepalive_s = 0;
    ws_.write_binary(mqtt::encode_connect(options));
    expect(mqtt::PacketType::connack);
    ws_.write_binary(mqtt::encode_subscribe(1, {std::string(kTopic)}, 0));
    expect(mqtt::PacketType::suback);
    ready_ = true;
    ws_.read_loop(
        [self = shared_from_this()](const char* data, std::size_t n) { self->on_frame(data, n); });
  }
  bool ready() const override { return ready_; }
  bool deflated() const override { return ws_.deflated(); }
  void close() override { ws_.close(); }

 private:
  void expect(mqtt::PacketType type) {
    for (int i = 0; i < 100; ++i) {
      auto packet = decoder_.next();
      if (!packet) throw std::runtime_error("mqtt: " + packet.error().message);
      if (packet.value()) {
        if (packet.value()->type != type) throw std::runtime_error("mqtt: unexpected packet");
        if (type == mqtt::PacketType::connack && packet.value()->return_code != 0) {
          throw std::runtime_error(std::string("mqtt: refused: ") +
                                   mqtt::connack_reason(packet.value()->return_code));
        }
        return;
      }
      decoder_.feed(ws_.read_message());
    }
    throw std::runtime_error("mqtt: no answer");
  }

  void on_frame(const char* data, std::size_t n) {
    const std::int64_t received = now_us();
    tally.bytes += ws_.wire_size();
    decoder_.feed({data, n});
    while (true) {
      auto packet = decoder_.next();
      if (!packet || !packet.value()) return;
      if (packet.value()->type != mqtt::PacketType::publish) continue;
      std::uint64_t k = 0;
      std::int64_t due = 0;
      if (parse_peer_payload(packet.value()->payload, k, due)) tally.deliver(k, due, received);
    }
  }

  bench::WsClient ws_;
  mqtt::Decoder decoder_;
  int id_;
  std::atomic<bool> ready_{false};
};

/// Incremental RESP reader for what a subscriber receives: arrays of bulk strings and integers.
/// Reads from an offset and drops what it has read only when more bytes come in, so a 64 KB read
/// of two hundred messages costs one move, not one per message.
class RespReader {
 public:
  void feed(const char* data, std::size_t n) {
    buffer_.erase(0, consumed_);
    consumed_ = 0;
    buffer_.append(data, n);
  }
  /// The next complete array's elements (views into the buffer, valid until the next feed), or
  /// false when more bytes are needed.
  bool next(std::vector<std::string_view>& out) {
    out.clear();
    std::size_t at = consumed_;
    std::int64_t count = 1;
    if (at < buffer_.size() && buffer_[at] == '*' && !number(at, count)) return false;
    for (std::int64_t i = 0; i < count; ++i) {
      if (at >= buffer_.size()) return false;
      const char type = buffer_[at];
      std::int64_t value = 0;
      const std::size_t start = at;
      if (!number(at, value)) return false;
      if (type == '$') {
        if (buffer_.size() < at + static_cast<std::size_t>(value) + 2) return false;
        out.emplace_back(buffer_.data() + at, static_cast<std::size_t>(value));
        at += static_cast<std::size_t>(value) + 2;
      } else if (type == ':' || type == '+' || type == '-') {
        out.emplace_back(buffer_.data() + start, at - start - 2);
      } else {
        throw std::runtime_error("resp: unexpected type byte");
      }
    }
    consumed_ = at;
    return true;
  }

 private:
  /// Reads "<type><integer>\r\n" at `at`; advances past it.
  bool number(std::size_t& at, std::int64_t& value) {
    const auto end = buffer_.find("\r\n", at);
    if (end == std::string::npos) return false;
    std::uint64_t magnitude = 0;
    const char* digits = buffer_.data() + at + 1;
    const bool negative = *digits == '-';
    if (negative) ++digits;
    std::from_chars(digits, buffer_.data() + end, magnitude);
    value = negative ? -static_cast<std::int64_t>(magnitude) : static_cast<std::int64_t>(magnitude);
    at = end + 2;
    return true;
  }
  std::string buffer_;
  std::size_t consumed_ = 0;
};

class RedisSubscriber : public Subscriber, public std::enable_shared_from_this<RedisSubscriber> {
 public:
  RedisSubscriber(asio::io_context& ioc, std::size_t updates)
      : Subscriber(updates), socket_(asio::make_strand(ioc)) {}

  void start(const std::string& port) override {
    tcp::resolver resolver(socket_.get_executor());
    asio::connect(socket_, resolver.resolve("127.0.0.1", port));
    socket_.set_option(tcp::no_delay(true));
    const std::string command = "*2\r\n$9\r\nSUBSCRIBE\r\n$" + std::to_string(kChannel.size()) +
                                "\r\n" + std::string(kChannel) + "\r\n";
    asio::write(socket_, asio::buffer(command));
    std::vector<std::string_view> reply;
    for (int i = 0; i < 100 && !reader_.next(reply); ++i) {
      const std::size_t n = socket_.read_some(asio::buffer(chunk_));
      reader_.feed(chunk_.data(), n);
    }
    if (reply.size() != 3 || reply[0] != "subscribe") {
      throw std::runtime_error("redis: SUBSCRIBE not confirmed");
    }
    ready_ = true;
    read();
  }
  bool ready() const override { return ready_; }
  void close() override {
    beast::error_code ec;
    socket_.close(ec);
  }

 private:
  void read() {
    socket_.async_read_some(asio::buffer(chunk_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              if (ec) return;
                              self->on_bytes(n);
                              self->read();
                            });
  }
  void on_bytes(std::size_t n) {
    const std::int64_t received = now_us();
    tally.bytes += n;
    reader_.feed(chunk_.data(), n);
    while (reader_.next(reply_)) {
      if (reply_.size() != 3 || reply_[0] != "message") continue;
      std::uint64_t k = 0;
      std::int64_t due = 0;
      if (parse_peer_payload(reply_[2], k, due)) tally.deliver(k, due, received);
    }
  }

  tcp::socket socket_;
  std::array<char, 64 * 1024> chunk_{};
  RespReader reader_;
  std::vector<std::string_view> reply_;
  std::atomic<bool> ready_{false};
};

// ---- publishers ----------------------------------------------------------------------------

/// Sends updates [from, to) in one go; update k is due at `due_us(k)`.
class Publisher {
 public:
  virtual ~Publisher() = default;
  virtual void send(std::uint64_t from, std::uint64_t to,
                    const std::function<std::int64_t(std::uint64_t)>& due_us) = 0;
};

/// Smoke detections over HTTP, one POST per batch; waits for each 202 (journal commit).
class QuanyuPublisher : public Publisher {
 public:
  explicit QuanyuPublisher(const std::string& port) : stream_(ioc_) {
    tcp::resolver resolver(ioc_);
    stream_.connect(resolver.resolve("127.0.0.1", port));
    stream_.socket().set_option(tcp::no_delay(true));
  }

  /// One observation per place before the subscribers connect: the updates then change open
  /// fires, as on a working day, rather than open new ones.
  void warm_up() {
    Body body;
    for (int p = 0; p < kPlaces; ++p) add("warm-" + std::to_string(p), p, body);
    post(finish(body));
  }

  void send(std::uint64_t from, std::uint64_t to,
            const std::function<std::int64_t(std::uint64_t)>& due_us) override {
    Body body;
    for (std::uint64_t k = from; k < to; ++k) {
      add("fan-" + std::to_string(k) + "-" + std::to_string(due_us(k)),
          static_cast<int>(k % kPlaces), body);
    }
    post(finish(body));
  }

 private:
  /// A batch as Protobuf (the binary form a high-rate feed posts) or as JSON.
  struct Body {
    v1::ObservationBatch batch;
    std::string json;
  };
  void add(const std::string& id, int place, Body& body) {
    const double x = 106.0 + 0.05 * (place % 40);
    const double y = 29.0 + 0.05 * (place / 40);
    if (g_json) {
      char item[400];
      std::snprintf(
          item, sizeof item,
          R"({"id":"%s","source":"fanout","observedAt":"%s","position":{"x":%.4f,"y":%.4f},)"
          R"("smokeDetection":{"towerId":"fanout","confidence":0.5}})",
          id.c_str(), when_.c_str(), x, y);
      body.json += (body.json.empty() ? R"({"observations":[)" : ",") + std::string(item);
      return;
    }
    v1::Observation& o = *body.batch.add_observations();
    o.set_id(id);
    o.set_source("fanout");
    o.mutable_observed_at()->set_seconds(when_at_);
    o.mutable_position()->set_x(x);
    o.mutable_position()->set_y(y);
    o.mutable_smoke_detection()->set_tower_id("fanout");
    o.mutable_smoke_detection()->set_confidence(0.5);
  }
  static std::string finish(const Body& body) {
    return g_json ? body.json + "]}" : body.batch.SerializeAsString();
  }
  void post(std::string body) {
    if (std::time(nullptr) != when_at_) {
      when_at_ = std::time(nullptr);
      when_ = bench::rfc3339(std::time(nullptr));
    }
    http::request<http::string_body> request{http::verb::post, "/api/v1/observations", 11};
    request.set(http::field::host, "127.0.0.1");
    request.set(http::field::authorization, "Bearer quanyu-demo-feed");
    request.set(http::field::content_type, g_json ? "application/json" : "application/x-protobuf");
    request.body() = std::move(body);
    request.prepare_payload();
    http::write(stream_, request);
    http::response<http::string_body> response;
    http::read(stream_, buffer_, response);
    if (response.result_int() != 202) {
      throw std::runtime_error("quanyu: POST answered " + std::to_string(response.result_int()) +
                               ": " + response.body());
    }
  }
  asio::io_context ioc_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::string when_ = bench::rfc3339(std::time(nullptr));
  std::time_t when_at_ = std::time(nullptr);
};

/// QoS 0 PUBLISH packets over MQTT/TCP, all due packets in one write.
class MqttPublisher : public Publisher {
 public:
  MqttPublisher(const std::string& port, std::size_t payload_bytes, int id)
      : socket_(ioc_), payload_bytes_(payload_bytes) {
    tcp::resolver resolver(ioc_);
    asio::connect(socket_, resolver.resolve("127.0.0.1", port));
    socket_.set_option(tcp::no_delay(true));
    mqtt::ConnectOptions options;
    options.client_id = "fanout-publisher-" + std::to_string(id);  // a broker keeps one per id
    options.clean_session = true;
    options.keepalive_s = 0;
    asio::write(socket_, asio::buffer(mqtt::encode_connect(options)));
    std::array<char, 4> connack{};
    asio::read(socket_, asio::buffer(connack));
    if (connack[0] != 0x20 || connack[3] != 0) throw std::runtime_error("mqtt: publisher refused");
  }
  void send(std::uint64_t from, std::uint64_t to,
            const std::function<std::int64_t(std::uint64_t)>& due_us) override {
    batch_.clear();
    for (std::uint64_t k = from; k < to; ++k) {
      batch_ += mqtt::encode_publish(kTopic, peer_payload(k, due_us(k), payload_bytes_), 0, 0);
    }
    asio::write(socket_, asio::buffer(batch_));
  }

 private:
  asio::io_context ioc_;
  tcp::socket socket_;
  std::size_t payload_bytes_;
  std::string batch_;
};

/// Pipelined PUBLISH commands; reads every reply (the number of subscribers that got it).
class RedisPublisher : public Publisher {
 public:
  RedisPublisher(const std::string& port, std::size_t payload_bytes, int subscribers)
      : socket_(ioc_), payload_bytes_(payload_bytes), subscribers_(subscribers) {
    tcp::resolver resolver(ioc_);
    asio::connect(socket_, resolver.resolve("127.0.0.1", port));
    socket_.set_option(tcp::no_delay(true));
  }
  void send(std::uint64_t from, std::uint64_t to,
            const std::function<std::int64_t(std::uint64_t)>& due_us) override {
    batch_.clear();
    for (std::uint64_t k = from; k < to; ++k) {
      const std::string payload = peer_payload(k, due_us(k), payload_bytes_);
      batch_ += "*3\r\n$7\r\nPUBLISH\r\n$" + std::to_string(kChannel.size()) + "\r\n" +
                std::string(kChannel) + "\r\n$" + std::to_string(payload.size()) + "\r\n" +
                payload + "\r\n";
    }
    asio::write(socket_, asio::buffer(batch_));
    std::vector<std::string_view> reply;
    for (std::uint64_t k = from; k < to; ++k) {
      while (!reader_.next(reply)) {
        const std::size_t n = socket_.read_some(asio::buffer(chunk_));
        reader_.feed(chunk_.data(), n);
      }
      if (reply.size() != 1 || reply[0] != ":" + std::to_string(subscribers_)) {
        throw std::runtime_error("redis: PUBLISH reached " +
                                 (reply.empty() ? std::string("?") : std::string(reply[0])) +
                                 " subscribers, not " + std::to_string(subscribers_));
      }
    }
  }

 private:
  asio::io_context ioc_;
  tcp::socket socket_;
  std::size_t payload_bytes_;
  int subscribers_;
  std::string batch_;
  std::array<char, 64 * 1024> chunk_{};
  RespReader reader_;
};

void raise_open_files() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

}  // namespace

int main(int argc, char** argv) try {
  if (argc < 3) {
    std::fprintf(stderr,
                 "usage: %s quanyu|mqtt|redis PORT [subscribers=1000] [rate=1000] [seconds=10] "
                 "[server_pid=0] [payload_bytes=300] [publish_port=PORT] [threads=2]\n",
                 argv[0]);
    return 2;
  }
  const std::string mode_name = argv[1];
  const Mode mode =
      mode_name == "quanyu" ? Mode::quanyu
      : mode_name == "mqtt" ? Mode::mqtt
      : mode_name == "redis"
          ? Mode::redis
          : throw std::invalid_argument("mode must be quanyu, mqtt or redis, not " + mode_name);
  const std::string port = argv[2];
  const int subscribers = argc > 3 ? std::atoi(argv[3]) : 1000;
  const double rate = argc > 4 ? std::atof(argv[4]) : 1000;
  const double seconds = argc > 5 ? std::atof(argv[5]) : 10;
  const int server_pid = argc > 6 ? std::atoi(argv[6]) : 0;
  const std::size_t payload_bytes = argc > 7 ? std::strtoul(argv[7], nullptr, 10) : 300;
  const std::string publish_port = argc > 8 ? argv[8] : port;
  const int threads = argc > 9 ? std::max(1, std::atoi(argv[9])) : 2;
  if (subscribers < 1 || rate <= 0 || seconds <= 0 || seconds > 600) {
    throw std::invalid_argument("subscribers >= 1, rate > 0 and 0 < seconds <= 600");
  }
  const auto updates = static_cast<std::uint64_t>(std::llround(rate * seconds));
  raise_open_files();
  g_deflate = std::getenv("QUANYU_FANOUT_DEFLATE") != nullptr;
  g_json = std::getenv("QUANYU_FANOUT_JSON") != nullptr;
  std::vector<std::atomic<std::int64_t>> worst(std::getenv("QUANYU_FANOUT_WORST") ? updates : 0);
  std::vector<std::atomic<std::int64_t>> first(worst.size());
  for (auto& f : first) f = std::numeric_limits<std::int64_t>::max();
  if (!worst.empty()) {
    g_worst = &worst;
    g_first = &first;
  }

  std::vector<std::unique_ptr<Publisher>> publishers;
  if (mode == Mode::quanyu) {
    for (int i = 0; i < kPublishers; ++i) {
      auto quanyu = std::make_unique<QuanyuPublisher>(publish_port);
      if (i == 0) quanyu->warm_up();
      publishers.push_back(std::move(quanyu));
    }
  }

  asio::io_context ioc;
  std::vector<std::shared_ptr<Subscriber>> subs;
  const long rss_before = bench::sample_process(server_pid).rss_kb;
  for (int i = 0; i < subscribers; ++i) {
    if (mode == Mode::quanyu) subs.push_back(std::make_shared<QuanyuSubscriber>(ioc, updates));
    if (mode == Mode::mqtt) subs.push_back(std::make_shared<MqttSubscriber>(ioc, updates, i));
    if (mode == Mode::redis) subs.push_back(std::make_shared<RedisSubscriber>(ioc, updates));
  }
  {
    // Screens connect and subscribe 16 at a time, as independent screens would: a server that
    // answers each handshake late (mosquitto's WebSocket listener) is not made to look slower
    // to subscribe than it is by one-at-a-time set-up.
    std::atomic<int> next{0};
    std::mutex failed_mutex;
    std::string failed;
    std::vector<std::thread> connectors;
    for (int t = 0; t < 16; ++t) {
      connectors.emplace_back([&] {
        for (int i = next++; i < subscribers; i = next++) {
          try {
            subs[static_cast<std::size_t>(i)]->start(port);
          } catch (const std::exception& e) {
            std::lock_guard lock(failed_mutex);
            failed = "subscriber " + std::to_string(i) + ": " + e.what();
            next = subscribers;
          }
        }
      });
    }
    for (auto& t : connectors) t.join();
    if (!failed.empty()) throw std::runtime_error(failed);
  }
  auto guard = asio::make_work_guard(ioc);
  std::vector<std::thread> readers;
  // On any error from here on, the readers stop and are joined before the error leaves main.
  struct Joiner {
    asio::io_context& ioc;
    std::vector<std::thread>& threads;
    ~Joiner() {
      ioc.stop();
      for (auto& t : threads) {
        if (t.joinable()) t.join();
      }
    }
  } joiner{ioc, readers};
  for (int i = 0; i < threads; ++i) readers.emplace_back([&] { ioc.run(); });
  for (int i = 0; i < 3000; ++i) {
    if (std::all_of(subs.begin(), subs.end(), [](auto& s) { return s->ready(); })) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const int ready =
      static_cast<int>(std::count_if(subs.begin(), subs.end(), [](auto& s) { return s->ready(); }));
  if (ready != subscribers) {
    throw std::runtime_error(std::to_string(subscribers - ready) + " subscribers never got ready");
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const long rss_subscribed = bench::sample_process(server_pid).rss_kb;
  for (int i = 0; i < kPublishers && mode != Mode::quanyu; ++i) {
    if (mode == Mode::mqtt) {
      publishers.push_back(std::make_unique<MqttPublisher>(publish_port, payload_bytes, i));
    } else {
      publishers.push_back(
          std::make_unique<RedisPublisher>(publish_port, payload_bytes, subscribers));
    }
  }

  // The publisher: everything due goes out in one write, at most 1,000 updates per write.
  const bench::ProcessSample server_start = bench::sample_process(server_pid);
  const double self_start = self_cpu_s();
  const std::int64_t start_us = now_us() + 20'000;
  const auto due_us = [&](std::uint64_t k) {
    return start_us + static_cast<std::int64_t>(static_cast<double>(k) * 1e6 / rate);
  };
  // Each publisher connection takes everything due (at most 1,000 updates) whenever it is free,
  // so a server that is slow to answer one request never lowers the offered rate.
  std::mutex schedule;
  std::uint64_t sent = 0;
  std::atomic<std::uint64_t> writes{0};
  // From the due time of each write's oldest update to the server's answer to it (Quanyu: the
  // 202 after the journal's commit; Redis: the replies; mosquitto, QoS 0: the write itself).
  std::mutex acks_mutex;
  Histogram acks;
  std::string publish_error;
  std::vector<std::thread> senders;
  for (auto& publisher : publishers) {
    senders.emplace_back([&, p = publisher.get()] {
      try {
        while (true) {
          std::unique_lock lock(schedule);
          if (sent >= updates) return;
          const std::int64_t now = now_us();
          std::uint64_t due = 0;
          if (now >= start_us) {
            due = std::min<std::uint64_t>(
                updates,
                static_cast<std::uint64_t>(static_cast<double>(now - start_us) * rate / 1e6) + 1);
          }
          if (due > sent) {
            const std::uint64_t from = sent;
            sent = std::min(due, sent + 1000);
            const std::uint64_t to = sent;
            lock.unlock();
            p->send(from, to, due_us);
            writes.fetch_add(1);
            const std::int64_t answered = now_us();
            std::lock_guard acks_lock(acks_mutex);
            acks.add(answered - due_us(from));
          } else {
            const auto wait = std::chrono::microseconds(due_us(sent) - now);
            lock.unlock();
            std::this_thread::sleep_for(wait);
          }
        }
      } catch (const std::exception& e) {
        std::lock_guard lock(schedule);
        publish_error = e.what();
        sent = updates;
      }
    });
  }
  for (auto& t : senders) t.join();
  if (!publish_error.empty()) throw std::runtime_error("publisher: " + publish_error);
  const std::int64_t sent_us = now_us();

  // Drain: until every subscriber has everything, at most 60 s.
  const auto total = [&] {
    std::uint64_t n = 0;
    for (const auto& s : subs) n += s->tally.received();
    return n;
  };
  const std::uint64_t expected = updates * static_cast<std::uint64_t>(subscribers);
  for (int i = 0; i < 6000 && total() < expected; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const bench::ProcessSample server_end = bench::sample_process(server_pid);
  const double self_end = self_cpu_s();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // late duplicates would show
  guard.reset();
  for (auto& s : subs) s->close();
  ioc.stop();
  for (auto& r : readers) r.join();

  if (!worst.empty()) {
    // Diagnostics per 100 ms of due time, to stderr: the worst latency, and the medians over
    // its updates of the latency to the first screen and of the fan-out (last minus first).
    const auto per = static_cast<std::uint64_t>(std::max(1.0, rate / 10));
    for (std::uint64_t from = 0; from < updates; from += per) {
      std::int64_t w = 0;
      std::vector<std::int64_t> firsts;
      std::vector<std::int64_t> spreads;
      for (std::uint64_t k = from; k < std::min(updates, from + per); ++k) {
        w = std::max(w, worst[k].load());
        firsts.push_back(first[k].load());
        spreads.push_back(worst[k].load() - first[k].load());
      }
      std::nth_element(firsts.begin(), firsts.begin() + firsts.size() / 2, firsts.end());
      std::nth_element(spreads.begin(), spreads.begin() + spreads.size() / 2, spreads.end());
      std::fprintf(stderr, "due +%.1f s: worst %.1f ms, first screen %.1f ms, fan-out %.1f ms\n",
                   static_cast<double>(due_us(from) - start_us) / 1e6,
                   static_cast<double>(w) / 1000.0,
                   static_cast<double>(firsts[firsts.size() / 2]) / 1000.0,
                   static_cast<double>(spreads[spreads.size() / 2]) / 1000.0);
    }
  }
  Histogram all;
  for (const auto& h : g_histograms) all.merge(*h);
  const std::uint64_t delivered = total();
  int complete = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t bytes = 0;
  int deflated = 0;
  for (const auto& s : subs) {
    deflated += s->deflated() ? 1 : 0;
    complete += s->tally.complete() ? 1 : 0;
    duplicates += s->tally.duplicates();
    bytes += s->tally.bytes;
  }
  std::int64_t last = sent_us;
  for (const auto& s : subs) last = std::max(last, s->tally.last_us());
  const double window_s = static_cast<double>(last - start_us) / 1e6;
  const double busy_s = static_cast<double>(now_us() - start_us) / 1e6;
  std::printf(
      "mode=%s subscribers=%d rate=%.0f seconds=%.1f updates=%llu publisher_writes=%llu "
      "delivered=%llu delivered_per_s=%.0f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f "
      "bytes_per_update=%.0f server_cpu_cores=%.2f server_rss_kb=%ld server_hwm_kb=%ld "
      "server_rss_per_subscriber_kb=%.1f loadgen_cpu_cores=%.2f ack_p50_ms=%.2f ack_p99_ms=%.2f "
      "deflated=%d duplicates=%llu complete=%d/%d\n",
      mode_name.c_str(), subscribers, rate, seconds, static_cast<unsigned long long>(updates),
      static_cast<unsigned long long>(writes.load()), static_cast<unsigned long long>(delivered),
      static_cast<double>(delivered) / window_s, all.percentile_ms(0.5), all.percentile_ms(0.99),
      all.max_ms(), delivered ? static_cast<double>(bytes) / static_cast<double>(delivered) : 0.0,
      (server_end.cpu_s - server_start.cpu_s) / window_s, server_end.rss_kb, server_end.hwm_kb,
      static_cast<double>(rss_subscribed - rss_before) / subscribers,
      (self_end - self_start) / busy_s, acks.percentile_ms(0.5), acks.percentile_ms(0.99), deflated,
      static_cast<unsigned long long>(duplicates), complete, subscribers);
  return complete == subscribers ? 0 : 1;
} catch (const std::exception& e) {
  std::fprintf(stderr, "quanyu_fanout: %s\n", e.what());
  return 1;
}

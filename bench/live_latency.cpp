// POST-to-screen latency: C WebSocket clients (the wall's view, Protobuf) hold /ws/situation while
// a poster sends smoke detections over HTTP at a fixed rate. Each observation id carries its send
// time; a client measures latency when an incident in a delta shows that observation as its
// latest evidence. Prints p50/p99 over all clients, deliveries per client, and the server's RSS
// before and after the clients connected (memory per idle client). Bounded in time and count.
// After the run every client must hold the same incidents at the same versions (nothing may be
// lost to make a number look better): the last field of the line says whether they do.
//
// The clients share this machine's two cores with the server, so they do not build a full
// ServerMessage per frame: they walk the Protobuf wire format for the fields they need and skip
// the rest, as a screen on its own machine would not be slowed by its neighbours' parsing. Every
// client takes one latency sample per delta, from the first incident whose latest evidence is a
// posted observation (the oldest change the delta carries, so the sample is conservative), and
// keeps the delta's seq; every tenth client (the auditors) also records the version of every
// incident it is sent. At the end every client must have reached the same seq and every auditor
// must hold every incident at its latest version.
//   quanyu_live_latency PORT [clients=200] [rate=5000] [seconds=10] [batch=50] [server_pid=0]
//                       [reader_threads=2]
#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bench/bench_util.hpp"
#include "quanyu/v1/live.pb.h"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {

using quanyu::bench::now_us;
using quanyu::bench::rss_kb;

/// One wall screen: reads frames and records the latency of every newest evidence it sees.
class Client : public std::enable_shared_from_this<Client> {
 public:
  Client(asio::io_context& ioc, std::string port, bool auditor)
      : auditor_(auditor), ws_(asio::make_strand(ioc)), port_(std::move(port)) {}

  void start(asio::io_context& ioc) {
    tcp::resolver resolver(ioc);
    asio::connect(beast::get_lowest_layer(ws_), resolver.resolve("127.0.0.1", port_));
    ws_.set_option(websocket::stream_base::decorator([](websocket::request_type& request) {
      request.set(http::field::authorization, "Bearer quanyu-demo-wall");
    }));
    ws_.read_message_max(64 << 20);
    ws_.handshake("127.0.0.1", "/ws/situation");
    ws_.binary(true);
    read();
  }

  void read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return;
      self->on_message();
      self->read();
    });
  }

  void on_message() {
    const std::int64_t received = now_us();
    const auto data = buffer_.data();
    scan(static_cast<const std::uint8_t*>(data.data()), static_cast<int>(data.size()), received);
    buffer_.consume(buffer_.size());
    ++messages;
  }

  /// ServerMessage: 10 snapshot and 11 delta hold incidents in field 1.
  void scan(const std::uint8_t* data, int size, std::int64_t received) {
    bool sampled = false;
    quanyu::bench::FrameInfo info;
    quanyu::bench::for_each_incident(
        data, size, info, [&](const std::uint8_t* bytes, int n, bool in_snapshot) {
          if (auditor_ || !sampled) {
            sampled = incident(bytes, n, received, !in_snapshot && !sampled) || sampled;
          }
        });
    last_seq = std::max(last_seq, info.seq);
    if (info.snapshot) snapshot = true;
  }

  /// Records the incident's version (auditors); returns whether it took a latency sample (only
  /// when `sample`).
  bool incident(const std::uint8_t* data, int size, std::int64_t received, bool sample) {
    if (!quanyu::bench::read_incident(data, size, fields_)) return false;
    if (auditor_) {
      // Ids are INC-<number>: a vector indexed by the number keeps the client light.
      std::size_t number = 0;
      if (fields_.id.size() > 4) {
        std::from_chars(fields_.id.data() + 4, fields_.id.data() + fields_.id.size(), number);
      }
      if (number >= versions.size()) versions.resize(number + 1024, 0);
      versions[number] = std::max(versions[number], fields_.version);
    }
    const std::string_view evidence = fields_.latest_evidence;
    if (!sample || evidence.substr(0, 4) != "lat-") return false;
    std::int64_t sent = 0;
    std::from_chars(evidence.data() + 4, evidence.data() + evidence.size(), sent);
    if (latencies_ms.size() < 500'000) {
      latencies_ms.push_back(static_cast<float>(received - sent) / 1000.0F);
    }
    return true;
  }

  std::vector<std::uint64_t> versions;  ///< auditors: by incident number, the latest version seen
  std::uint64_t last_seq = 0;           ///< of the latest snapshot or delta

  void close() {
    beast::error_code ec;
    beast::get_lowest_layer(ws_).close(ec);
  }

  std::vector<float> latencies_ms;
  std::atomic<bool> snapshot{false};
  std::size_t messages = 0;

 private:
  bool auditor_;
  quanyu::bench::IncidentFields fields_;
  websocket::stream<tcp::socket> ws_;  // no timers per operation: the client stays light
  beast::flat_buffer buffer_;
  std::string port_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr,
                 "usage: %s PORT [clients] [rate] [seconds] [batch] [server_pid] [threads]\n",
                 argv[0]);
    return 2;
  }
  const std::string port = argv[1];
  const int clients = argc > 2 ? std::atoi(argv[2]) : 200;
  const double rate = argc > 3 ? std::atof(argv[3]) : 5000;
  const double seconds = argc > 4 ? std::atof(argv[4]) : 10;
  const int batch = argc > 5 ? std::atoi(argv[5]) : 50;
  const int server_pid = argc > 6 ? std::atoi(argv[6]) : 0;
  const int reader_threads = argc > 7 ? std::max(1, std::atoi(argv[7])) : 2;

  const long rss_before = server_pid ? rss_kb(server_pid) : 0;
  asio::io_context ioc;
  std::vector<std::shared_ptr<Client>> screens;
  for (int i = 0; i < clients; ++i) {
    screens.push_back(std::make_shared<Client>(ioc, port, i % 10 == 0));
    screens.back()->start(ioc);
  }
  std::vector<std::thread> readers;
  for (int i = 0; i < reader_threads; ++i) readers.emplace_back([&] { ioc.run(); });
  for (int i = 0; i < 500; ++i) {
    if (std::all_of(screens.begin(), screens.end(), [](auto& s) { return s->snapshot.load(); }))
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const long rss_clients = server_pid ? rss_kb(server_pid) : 0;

  // The poster: batches at a fixed rate over one keep-alive connection.
  asio::io_context post_ioc;
  beast::tcp_stream stream(post_ioc);
  tcp::resolver resolver(post_ioc);
  stream.connect(resolver.resolve("127.0.0.1", port));
  stream.socket().set_option(tcp::no_delay(true));
  beast::flat_buffer buffer;
  const auto interval = std::chrono::duration<double>(batch / rate);
  const auto start = std::chrono::steady_clock::now();
  long sent = 0;
  char when[32];
  const std::time_t t = std::time(nullptr);
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  std::vector<float> acks_ms;  // POST to its 202: the durable part of the latency
  for (long b = 0;
       std::chrono::steady_clock::now() - start < std::chrono::duration<double>(seconds); ++b) {
    const std::int64_t posted = now_us();
    std::string body = R"({"observations":[)";
    for (int i = 0; i < batch; ++i, ++sent) {
      char item[320];
      std::snprintf(
          item, sizeof item,
          R"(%s{"id":"lat-%lld-%ld","source":"lat","observedAt":"%s","position":{"x":%.4f,"y":%.4f},)"
          R"("smokeDetection":{"towerId":"lat","confidence":0.5}})",
          i ? "," : "", static_cast<long long>(now_us()), sent, when,
          106.0 + 0.05 * static_cast<double>(sent % 25),
          29.0 + 0.05 * static_cast<double>(sent % 500 / 25));
      body += item;
    }
    body += "]}";
    http::request<http::string_body> request{http::verb::post, "/api/v1/observations", 11};
    request.set(http::field::host, "127.0.0.1");
    request.set(http::field::authorization, "Bearer quanyu-demo-feed");
    request.set(http::field::content_type, "application/json");
    request.body() = std::move(body);
    request.prepare_payload();
    http::write(stream, request);
    http::response<http::string_body> response;
    http::read(stream, buffer, response);
    acks_ms.push_back(static_cast<float>(now_us() - posted) / 1000.0F);
    std::this_thread::sleep_until(
        start +
        (b + 1) * std::chrono::duration_cast<std::chrono::steady_clock::duration>(interval));
  }
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // Time to deliver what is still queued, and for coalesced clients to catch up.
  std::this_thread::sleep_for(std::chrono::seconds(2));
  ioc.stop();
  for (auto& r : readers) r.join();

  // Every client must hold every incident at its latest version.
  std::vector<std::uint64_t> latest;
  for (const auto& s : screens) {
    if (s->versions.size() > latest.size()) latest.resize(s->versions.size(), 0);
    for (std::size_t i = 0; i < s->versions.size(); ++i) {
      latest[i] = std::max(latest[i], s->versions[i]);
    }
  }
  std::uint64_t final_seq = 0;
  for (const auto& s : screens) final_seq = std::max(final_seq, s->last_seq);
  int behind = 0;
  for (std::size_t i = 0; i < screens.size(); ++i) {
    auto mine = screens[i]->versions;
    mine.resize(latest.size(), 0);
    if (screens[i]->last_seq != final_seq || (i % 10 == 0 && mine != latest)) ++behind;
  }
  const auto incidents = static_cast<std::size_t>(
      std::count_if(latest.begin(), latest.end(), [](std::uint64_t v) { return v != 0; }));

  std::vector<float> all;
  std::size_t fewest = SIZE_MAX;
  std::size_t most = 0;
  for (const auto& s : screens) {
    all.insert(all.end(), s->latencies_ms.begin(), s->latencies_ms.end());
    fewest = std::min(fewest, s->latencies_ms.size());
    most = std::max(most, s->latencies_ms.size());
  }
  std::sort(all.begin(), all.end());
  std::sort(acks_ms.begin(), acks_ms.end());
  auto pct_of = [](const std::vector<float>& v, double p) {
    return v.empty() ? 0.0F : v[std::min(v.size() - 1, static_cast<std::size_t>(p * v.size()))];
  };
  auto pct = [&](double p) { return pct_of(all, p); };
  std::printf(
      "clients=%d rate_sent=%.0f obs/s seconds=%.1f samples=%zu per_client=[%zu..%zu] "
      "p50_ms=%.2f p99_ms=%.2f max_ms=%.2f ack_p50_ms=%.2f ack_p99_ms=%.2f rss_kb_idle_clients=%ld "
      "per_idle_client_kb=%.1f "
      "incidents=%zu clients_complete=%d/%d\n",
      clients, static_cast<double>(sent) / elapsed, elapsed, all.size(), fewest, most, pct(0.5),
      pct(0.99), all.empty() ? 0.0F : all.back(), pct_of(acks_ms, 0.5), pct_of(acks_ms, 0.99),
      rss_clients - rss_before,
      clients ? static_cast<double>(rss_clients - rss_before) / clients : 0.0, incidents,
      clients - behind, clients);
  return behind == 0 ? 0 : 1;
}

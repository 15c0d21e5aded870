// A new screen (issue 6, items 4 and 5), against a running `quanyu serve` (bench/run_new_screen.sh
// starts one on loopback with a fresh data dir):
//
// 1. Memory per idle client, on a small picture: the server's RSS (VmRSS) before and after
//    IDLE wall clients (Protobuf, summary) connected and received their snapshot of the empty
//    picture, divided by IDLE. All but one of them (the anchor: a wall that stays connected, so
//    that the wall's view exists from then on, as it does in a command centre) disconnect again.
// 2. Loading: ENTITIES observations are posted (feed token, batches of 1,000 over 4 keep-alive
//    connections), each opening its own incident. The fire rules join a smoke detection to an
//    open fire within rules.fire.radius_m (2 km) and window_s (30 min) of its evidence, so the
//    first ones are smoke detections on a 0.025° grid (2.78 km north-south, at least 2.35 km
//    east-west at Chongqing's northern edge, 32.2°N), keeping only the grid points inside a
//    district (GET /api/v1/locate): about 12,000 fires. Inside the districts no grid with a
//    spacing above 2 km holds more than about 20,000 points, and repeating the grid in time
//    slices would make every detection weigh the fires of every slice at its place (a cost of
//    the test's layout, not of a picture). The rest are security camera alarms (intrusion, line
//    crossing, crowd, loitering, video loss, other) from as many distinct cameras, which join
//    only their own camera's open incident, placed around the grid points (within 0.011°). The
//    time from the first POST to the last 202 gives observations/s.
// 3. Memory per open incident: RSS after loading (settled) minus RSS before it, / ENTITIES. The
//    anchor wall's view is part of it, as on any server with a screen.
// 4. A new screen: a fresh client of /ws/situation (wall token), from starting the TCP connect to
//    having received the whole snapshot frame and parsed it (ParseFromArray of the
//    ServerMessage, or JsonStringToMessage with ?format=json). Six forms: Protobuf and JSON, each
//    with the default summary detail and with ?detail=full, and the web client's two (JSON,
//    summary or full) with permessage-deflate offered, as browsers do. Each form: 3 fresh clients
//    one after another, each preceded by one detection that joins an existing fire (the
//    picture's seq moves, so the server cannot answer from the snapshot it cached for the
//    previous client, as on a live picture), then a 4th client with no change in between (the
//    cached snapshot: several screens opening at once). Per form: the payload's bytes and what
//    TCP carried (TCP_INFO), each sample's total (_ms1.._ms3, median _ms), and the medians of
//    the time to the first byte (connect, handshake and the server building and serialising
//    the snapshot), of the transfer from first to last byte and of the client's parse.
//
// Checked, or the tool exits 1 with complete=no: every POST answered 202 with every observation
// accepted and none a duplicate; /metrics' quanyu_open_incidents equals ENTITIES; every
// snapshot is a Snapshot holding exactly ENTITIES incidents, all open, with distinct ids (the
// check is not timed); a deflate form's snapshot came compressed; every idle client received
// its snapshot and the server counted them; the anchor stayed connected. Every wait is bounded.
//   quanyu_new_screen PORT SERVER_PID [entities=100000] [idle_clients=1000]
#include <google/protobuf/util/json_util.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
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
using Clock = std::chrono::steady_clock;
namespace v1 = quanyu::v1;

namespace {

// Chongqing's extent (the districts layer's), and the grid over it.
constexpr double kMinLon = 105.29;
constexpr double kMaxLon = 110.20;
constexpr double kMinLat = 28.16;
constexpr double kMaxLat = 32.21;
constexpr double kStepDeg = 0.025;
constexpr std::int64_t kAgeS = 600;  // observedAt: ten minutes ago
constexpr int kBatch = 1000;
constexpr int kPosters = 4;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

using quanyu::bench::rfc3339;
using quanyu::bench::rss_kb;

double median(std::vector<double> v) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2.0;
}

/// One keep-alive HTTP/1.1 connection; every request bounded by a 120 s timeout. The server
/// closes a connection idle for 30 s: a request that finds it closed reconnects once.
class Http {
 public:
  explicit Http(std::string port) : port_(std::move(port)), stream_(ioc_) { connect(); }

  /// Returns the status (0 on a network error) and fills `body`.
  int request(http::verb verb, const std::string& target, const std::string& token,
              const std::string& payload, std::string& body) {
    const int status = attempt(verb, target, token, payload, body);
    if (status != 0) return status;
    connect();
    return attempt(verb, target, token, payload, body);
  }

  /// A sample's value from /metrics (the first line starting with `name` and a space), or -1.
  double metric(const std::string& name) {
    std::string body;
    if (request(http::verb::get, "/metrics", "", "", body) != 200) return -1;
    const std::string key = "\n" + name + " ";
    const auto at = body.find(key);
    return at == std::string::npos ? -1 : std::atof(body.c_str() + at + key.size());
  }

 private:
  void connect() {
    beast::error_code ec;
    stream_.socket().close(ec);
    buffer_.clear();
    tcp::resolver resolver(ioc_);
    stream_.expires_after(std::chrono::seconds(30));
    stream_.connect(resolver.resolve("127.0.0.1", port_), ec);
    if (!ec) stream_.socket().set_option(tcp::no_delay(true), ec);
  }

  int attempt(http::verb verb, const std::string& target, const std::string& token,
              const std::string& payload, std::string& body) {
    http::request<http::string_body> request{verb, target, 11};
    request.set(http::field::host, "127.0.0.1");
    if (!token.empty()) request.set(http::field::authorization, "Bearer " + token);
    if (verb == http::verb::post) request.set(http::field::content_type, "application/json");
    request.body() = payload;
    request.prepare_payload();
    stream_.expires_after(std::chrono::seconds(120));
    beast::error_code ec;
    http::write(stream_, request, ec);
    if (ec) return 0;
    http::response_parser<http::string_body> parser;
    parser.body_limit(std::uint64_t{64} << 20);
    http::read(stream_, buffer_, parser, ec);
    if (ec) return 0;
    body = std::move(parser.get().body());
    return static_cast<int>(parser.get().result_int());
  }

  std::string port_;
  asio::io_context ioc_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
};

/// Polls a metric until it equals `want` (at most `seconds`); returns the last value read.
double wait_metric(Http& http, const std::string& name, double want, double seconds) {
  const auto start = Clock::now();
  double value = http.metric(name);
  while (value != want && ms_since(start) < seconds * 1000.0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    value = http.metric(name);
  }
  return value;
}

struct Point {
  double lon;
  double lat;
};

/// The grid points that lie inside a district of the jurisdiction (GET /api/v1/locate).
std::vector<Point> grid_inside(const std::string& port) {
  std::vector<Point> all;
  for (double lat = kMinLat + kStepDeg / 2; lat < kMaxLat; lat += kStepDeg) {
    for (double lon = kMinLon + kStepDeg / 2; lon < kMaxLon; lon += kStepDeg) {
      all.push_back({lon, lat});
    }
  }
  // Two connections share the lookups; the order of the kept points stays the grid's.
  std::vector<char> inside(all.size(), 0);
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      Http http(port);
      std::string body;
      for (std::size_t i = static_cast<std::size_t>(t); i < all.size() && !failed; i += 2) {
        char target[128];
        std::snprintf(target, sizeof target, "/api/v1/locate?lon=%.5f&lat=%.5f&k=1", all[i].lon,
                      all[i].lat);
        if (http.request(http::verb::get, target, "quanyu-demo-wall", "", body) != 200) {
          failed = true;
          return;
        }
        inside[i] = body.find(R"("match":"MATCH_INSIDE")") != std::string::npos ? 1 : 0;
      }
    });
  }
  for (auto& t : threads) t.join();
  if (failed) return {};
  std::vector<Point> kept;
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (inside[i]) kept.push_back(all[i]);
  }
  return kept;
}

/// The JSON of observation `n`: a smoke detection at grid point n while n < the grid's size
/// (a fire each), else an alarm of camera n near grid point n % size (a security incident each).
/// `extra_s` moves its time (a later detection of the same fire).
std::string observation(std::size_t n, const std::vector<Point>& grid, std::int64_t now_s,
                        const std::string& id, std::int64_t extra_s = 0) {
  const std::size_t cell = n % grid.size();
  const std::string at = rfc3339(now_s - kAgeS + extra_s);
  char item[400];
  if (n < grid.size()) {
    // A deterministic mix of confidences (so of warning colours), one in ten with a flame.
    const double confidence = 0.3 + 0.006 * static_cast<double>((cell * 7919 + 13) % 100);
    std::snprintf(item, sizeof item,
                  R"({"id":"%s","source":"bench:new-screen","observedAt":"%s","position":)"
                  R"({"x":%.5f,"y":%.5f},"smokeDetection":{"towerId":"NS%05zu","confidence":)"
                  R"(%.3f,"flame":%s,"azimuthDeg":%zu}})",
                  id.c_str(), at.c_str(), grid[cell].lon, grid[cell].lat, cell, confidence,
                  cell % 10 == 0 ? "true" : "false", cell % 360);
    return item;
  }
  static constexpr const char* kTypes[] = {"TYPE_INTRUSION", "TYPE_LINE_CROSSING", "TYPE_CROWD",
                                           "TYPE_LOITERING", "TYPE_VIDEO_LOSS",    "TYPE_OTHER"};
  const double dx = 0.001 * static_cast<double>(static_cast<long>((n * 37) % 23) - 11);
  const double dy = 0.001 * static_cast<double>(static_cast<long>((n * 53) % 23) - 11);
  std::snprintf(item, sizeof item,
                R"({"id":"%s","source":"bench:new-screen","observedAt":"%s","position":)"
                R"({"x":%.5f,"y":%.5f},"cameraAlarm":{"cameraId":"NSCAM%07zu","type":"%s",)"
                R"("priority":%zu,"confidence":0.8}})",
                id.c_str(), at.c_str(), grid[cell].lon + dx, grid[cell].lat + dy, n, kTypes[n % 6],
                1 + n % 4);
  return item;
}

/// Reads `"accepted":N` and `"duplicates":N` from a 202's body.
bool all_accepted(const std::string& body, long want) {
  auto field = [&](const char* name) {
    const auto at = body.find(name);
    return at == std::string::npos ? -1L : std::atol(body.c_str() + at + std::strlen(name));
  };
  return field(R"("accepted":)") == want && field(R"("duplicates":)") == 0;
}

void set_wall_token(websocket::stream<tcp::socket>& ws) {
  ws.set_option(websocket::stream_base::decorator([](websocket::request_type& request) {
    request.set(http::field::authorization, "Bearer quanyu-demo-wall");
  }));
}

/// An idle wall screen: connected, reading (Beast answers the server's pings while a read is
/// pending), counting the frames it is sent.
class IdleClient : public std::enable_shared_from_this<IdleClient> {
 public:
  explicit IdleClient(asio::io_context& ioc) : ws_(ioc) {}

  bool start(const tcp::endpoint& endpoint) {
    beast::error_code ec;
    beast::get_lowest_layer(ws_).connect(endpoint, ec);
    if (ec) return false;
    set_wall_token(ws_);
    ws_.read_message_max(std::size_t{1} << 30);
    ws_.handshake("127.0.0.1", "/ws/situation", ec);
    if (ec) return false;
    read();
    return true;
  }

  void read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) {
        self->failed = true;
        return;
      }
      self->buffer_.consume(self->buffer_.size());
      self->frames.fetch_add(1);
      self->read();
    });
  }

  /// Only on the io_context's thread.
  void close() {
    beast::error_code ec;
    beast::get_lowest_layer(ws_).close(ec);
  }

  std::atomic<long> frames{0};
  std::atomic<bool> failed{false};

 private:
  websocket::stream<tcp::socket> ws_;
  beast::flat_buffer buffer_;
};

/// One new screen's sample.
struct Screen {
  bool ok = false;
  std::string problem;
  double first_byte_ms = 0;  ///< from starting the connect to the snapshot's first bytes
  double received_ms = 0;    ///< ... to the whole frame
  double total_ms = 0;       ///< ... to the parsed ServerMessage
  double parse_ms = 0;
  std::size_t bytes = 0;         ///< the snapshot's payload
  std::uint64_t wire_bytes = 0;  ///< what TCP carried for it (compressed with permessage-deflate)
};

/// glibc's tcp_info ends before the kernel's byte counters, which follow it in the ABI.
struct TcpInfo {
  tcp_info base;
  std::uint64_t pacing_rate;
  std::uint64_t max_pacing_rate;
  std::uint64_t bytes_acked;
  std::uint64_t bytes_received;
};
static_assert(sizeof(tcp_info) == 104, "the kernel's tcp_info layout");

/// Bytes received on the socket so far (TCP_INFO), 0 if the kernel does not tell.
std::uint64_t bytes_received(tcp::socket& socket) {
  TcpInfo info{};
  socklen_t size = sizeof info;
  if (getsockopt(socket.native_handle(), IPPROTO_TCP, TCP_INFO, &info, &size) != 0 ||
      size < sizeof info) {
    return 0;
  }
  return info.bytes_received;
}

/// Connects a fresh client with `query` (offering permessage-deflate when `deflate`, as browsers
/// do), reads its first frame and parses it; then checks that it is a snapshot of exactly
/// `expected` open incidents with distinct ids. At most 300 s.
Screen new_screen(const tcp::endpoint& endpoint, const std::string& query, bool json, bool deflate,
                  std::size_t expected) {
  Screen s;
  asio::io_context ioc;
  websocket::stream<tcp::socket> ws(ioc);
  set_wall_token(ws);
  ws.read_message_max(std::size_t{4} << 30);
  if (deflate) {
    websocket::permessage_deflate offer;
    offer.client_enable = true;
    ws.set_option(offer);
  }
  std::uint64_t wire_start = 0;
  beast::flat_buffer buffer;
  beast::error_code failure;
  bool received = false;
  std::function<void(beast::error_code, std::size_t)> on_read;
  const auto start = Clock::now();
  on_read = [&](beast::error_code ec, std::size_t) {
    if (ec) {
      failure = ec;
      return;
    }
    if (s.first_byte_ms == 0) s.first_byte_ms = ms_since(start);
    if (!ws.is_message_done()) {
      ws.async_read_some(buffer, std::size_t{1} << 20, on_read);
      return;
    }
    s.received_ms = ms_since(start);
    s.wire_bytes = bytes_received(beast::get_lowest_layer(ws)) - wire_start;
    received = true;
  };
  beast::get_lowest_layer(ws).async_connect(endpoint, [&](beast::error_code ec) {
    if (ec) {
      failure = ec;
      return;
    }
    ws.async_handshake("127.0.0.1", "/ws/situation" + query, [&](beast::error_code hec) {
      if (hec) {
        failure = hec;
        return;
      }
      wire_start = bytes_received(beast::get_lowest_layer(ws));
      ws.async_read_some(buffer, std::size_t{1} << 20, on_read);
    });
  });
  ioc.run_for(std::chrono::seconds(300));
  if (!received) {
    s.problem = failure ? failure.message() : std::string("timed out");
    return s;
  }
  const auto parse_start = Clock::now();
  v1::ServerMessage message;
  const auto data = buffer.data();
  s.bytes = data.size();
  bool parsed = false;
  if (json) {
    parsed = google::protobuf::util::JsonStringToMessage(
                 google::protobuf::StringPiece(static_cast<const char*>(data.data()), data.size()),
                 &message)
                 .ok();
  } else {
    parsed = message.ParseFromArray(data.data(), static_cast<int>(data.size()));
  }
  s.parse_ms = ms_since(parse_start);
  s.total_ms = ms_since(start);
  beast::error_code ignored;
  beast::get_lowest_layer(ws).close(ignored);

  // Not timed: the check that the picture is complete.
  if (deflate && s.wire_bytes >= s.bytes) {
    s.problem = "permessage-deflate was offered but the snapshot came uncompressed";
    return s;
  }
  if (!parsed || !message.has_snapshot()) {
    s.problem = parsed ? "the first frame is not a snapshot" : "the frame does not parse";
    return s;
  }
  const auto& incidents = message.snapshot().incidents();
  std::vector<std::string_view> ids;
  ids.reserve(static_cast<std::size_t>(incidents.size()));
  std::size_t open = 0;
  for (const auto& incident : incidents) {
    ids.emplace_back(incident.id());
    const auto status = incident.status();
    if (status == v1::INCIDENT_STATUS_NEW || status == v1::INCIDENT_STATUS_ACKNOWLEDGED ||
        status == v1::INCIDENT_STATUS_DISPATCHED) {
      ++open;
    }
  }
  std::sort(ids.begin(), ids.end());
  const bool distinct = std::adjacent_find(ids.begin(), ids.end()) == ids.end();
  if (ids.size() != expected || open != expected || !distinct) {
    s.problem = "snapshot holds " + std::to_string(ids.size()) + " incidents, " +
                std::to_string(open) + " open" + (distinct ? "" : ", ids repeated") +
                "; expected " + std::to_string(expected);
    return s;
  }
  s.ok = true;
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s PORT SERVER_PID [entities=100000] [idle_clients=1000]\n",
                 argv[0]);
    return 2;
  }
  const std::string port = argv[1];
  const int pid = std::atoi(argv[2]);
  const auto entities = static_cast<std::size_t>(argc > 3 ? std::atol(argv[3]) : 100'000);
  const int idle_clients = argc > 4 ? std::atoi(argv[4]) : 1000;
  if (entities == 0 || idle_clients < 1 || rss_kb(pid) == 0) {
    std::fprintf(stderr, "new_screen: need entities >= 1, idle_clients >= 1 and a live pid\n");
    return 2;
  }
  // 1,000 sockets and more: the soft limit up to the hard one.
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }
  const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"),
                               static_cast<unsigned short>(std::atoi(port.c_str())));
  auto fail = [](const std::string& why) {
    std::printf("complete=no problem=\"%s\"\n", why.c_str());
    return 1;
  };

  const std::vector<Point> grid = grid_inside(port);
  if (grid.empty()) return fail("locating the grid points failed");
  const std::size_t fires = std::min(entities, grid.size());
  Http http(port);

  // 1. Idle clients on the empty picture.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const long rss_start = rss_kb(pid);
  asio::io_context ioc;
  auto work = asio::make_work_guard(ioc);
  std::thread io([&] { ioc.run(); });
  std::vector<std::shared_ptr<IdleClient>> idle;
  for (int i = 0; i < idle_clients; ++i) {
    idle.push_back(std::make_shared<IdleClient>(ioc));
    if (!idle.back()->start(endpoint)) {
      work.reset();
      ioc.stop();
      io.join();
      return fail("idle client " + std::to_string(i) + " could not connect");
    }
  }
  auto snapshots = [&] {
    return std::count_if(idle.begin(), idle.end(), [](auto& c) { return c->frames.load() > 0; });
  };
  for (int i = 0; i < 600 && snapshots() < idle_clients; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const long idle_with_snapshot = snapshots();
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const long rss_idle = rss_kb(pid);
  const double live_clients = http.metric("quanyu_live_clients");
  // All but the anchor leave; the wall's view stays.
  asio::post(ioc, [&] {
    for (std::size_t i = 1; i < idle.size(); ++i) idle[i]->close();
  });
  const double left = wait_metric(http, "quanyu_live_clients", 1, 30);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const long rss_base = rss_kb(pid);

  // 2. Loading.
  std::fprintf(stderr, "new_screen: loading %zu observations\n", entities);
  const std::int64_t now_s = std::time(nullptr);
  const std::size_t batches = (entities + kBatch - 1) / kBatch;
  std::atomic<std::size_t> next_batch{0};
  std::atomic<long> refused{0};
  const auto load_start = Clock::now();
  std::vector<std::thread> posters;
  for (int p = 0; p < kPosters; ++p) {
    posters.emplace_back([&] {
      Http poster(port);
      std::string body;
      for (std::size_t b = next_batch++; b < batches && refused == 0; b = next_batch++) {
        const std::size_t first = b * kBatch;
        const std::size_t last = std::min(entities, first + kBatch);
        std::string payload = R"({"observations":[)";
        for (std::size_t n = first; n < last; ++n) {
          if (n != first) payload += ',';
          payload += observation(n, grid, now_s, "ns-" + std::to_string(n));
        }
        payload += "]}";
        const int status = poster.request(http::verb::post, "/api/v1/observations",
                                          "quanyu-demo-feed", payload, body);
        if (status != 202 || !all_accepted(body, static_cast<long>(last - first))) {
          std::fprintf(stderr, "new_screen: batch %zu: %d %s\n", b, status, body.c_str());
          ++refused;
        }
      }
    });
  }
  for (auto& t : posters) t.join();
  const double load_s = ms_since(load_start) / 1000.0;
  if (refused != 0) {
    work.reset();
    ioc.stop();
    io.join();
    return fail("the server refused or did not accept every observation (see stderr)");
  }
  const double open_metric =
      wait_metric(http, "quanyu_open_incidents", static_cast<double>(entities), 30);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  const long rss_loaded = rss_kb(pid);

  // 3. New screens.
  std::fprintf(stderr, "new_screen: loaded in %.2f s; new screens\n", load_s);
  struct Form {
    const char* name;
    const char* query;
    bool json;
    bool deflate;
  };
  // The web client asks for JSON, and browsers offer permessage-deflate.
  const Form forms[] = {{"pb_summary", "", false, false},
                        {"json_summary", "?format=json", true, false},
                        {"pb_full", "?detail=full", false, false},
                        {"json_full", "?detail=full&format=json", true, false},
                        {"json_summary_deflate", "?format=json", true, true},
                        {"json_full_deflate", "?detail=full&format=json", true, true}};
  std::string line;
  std::string problems;
  int touch = 0;
  char field[256];
  for (const Form& form : forms) {
    std::vector<double> totals;
    std::vector<double> first_bytes;
    std::vector<double> transfers;
    std::vector<double> parses;
    Screen cached;
    std::size_t bytes = 0;
    std::uint64_t wire = 0;
    for (int sample = 0; sample < 4; ++sample) {
      if (sample < 3) {
        // One detection that joins the first fire: the picture's seq moves, the count does not.
        std::string body;
        ++touch;
        const std::string one =
            "[" + observation(0, grid, now_s, "ns-touch-" + std::to_string(touch), touch) + "]";
        if (http.request(http::verb::post, "/api/v1/observations", "quanyu-demo-feed", one, body) !=
                202 ||
            !all_accepted(body, 1)) {
          problems += std::string(form.name) + ": the touch was refused; ";
        }
      }
      const Screen s = new_screen(endpoint, form.query, form.json, form.deflate, entities);
      if (!s.ok) problems += std::string(form.name) + ": " + s.problem + "; ";
      if (bytes == 0) bytes = s.bytes;
      if (wire == 0) wire = s.wire_bytes;
      if (sample < 3) {
        totals.push_back(s.total_ms);
        first_bytes.push_back(s.first_byte_ms);
        transfers.push_back(s.received_ms - s.first_byte_ms);
        parses.push_back(s.parse_ms);
      } else {
        cached = s;
      }
    }
    const std::string n = form.name;
    std::snprintf(field, sizeof field, " %s_bytes=%zu %s_wire_bytes=%llu", n.c_str(), bytes,
                  n.c_str(), static_cast<unsigned long long>(wire));
    line += field;
    for (const auto& [key, value] :
         {std::pair{"_ms", median(totals)}, std::pair{"_ms1", totals[0]},
          std::pair{"_ms2", totals[1]}, std::pair{"_ms3", totals[2]},
          std::pair{"_first_byte_ms", median(first_bytes)},
          std::pair{"_transfer_ms", median(transfers)}, std::pair{"_parse_ms", median(parses)},
          std::pair{"_cached_ms", cached.total_ms}}) {
      std::snprintf(field, sizeof field, " %s%s=%.1f", n.c_str(), key, value);
      line += field;
    }
  }
  const long rss_end = rss_kb(pid);
  const bool anchor_ok = !idle[0]->failed.load() && idle[0]->frames.load() > 1;
  asio::post(ioc, [&] { idle[0]->close(); });
  work.reset();
  io.join();

  if (idle_with_snapshot != idle_clients || live_clients != idle_clients) {
    problems += "idle clients: " + std::to_string(idle_with_snapshot) + " got a snapshot, " +
                std::to_string(static_cast<long>(live_clients)) + " counted by the server; ";
  }
  if (left != 1) problems += "idle clients did not all leave; ";
  if (open_metric != static_cast<double>(entities)) {
    problems += "quanyu_open_incidents is " + std::to_string(static_cast<long>(open_metric)) + "; ";
  }
  if (!anchor_ok) problems += "the anchor wall was disconnected; ";
  const bool complete = problems.empty();
  std::printf(
      "entities=%zu fires=%zu security=%zu load_s=%.2f load_obs_per_s=%.0f "
      "open_incidents=%.0f%s rss_start_kb=%ld rss_idle_kb=%ld idle_clients=%d "
      "per_idle_client_kb=%.1f rss_base_kb=%ld rss_loaded_kb=%ld per_incident_kb=%.2f "
      "rss_end_kb=%ld complete=%s%s%s%s\n",
      entities, fires, entities - fires, load_s, static_cast<double>(entities) / load_s,
      open_metric, line.c_str(), rss_start, rss_idle, idle_clients,
      static_cast<double>(rss_idle - rss_start) / idle_clients, rss_base, rss_loaded,
      static_cast<double>(rss_loaded - rss_base) / static_cast<double>(entities), rss_end,
      complete ? "yes" : "no", complete ? "" : " problem=\"", problems.c_str(),
      complete ? "" : "\"");
  return complete ? 0 : 1;
}

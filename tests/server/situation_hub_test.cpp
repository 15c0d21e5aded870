// The live channel in-process: the hub behind a small acceptor of the test's own, the engine on
// a temporary journal, and real WebSocket clients (tests/integration/ws_client.hpp).
#include "server/live/situation_hub.hpp"

#include <google/protobuf/util/time_util.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/http/read.hpp>
#include <future>
#include <thread>

#include "gtest_include.hpp"
#include "integration/ws_client.hpp"
#include "test_support.hpp"

namespace quanyu::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using namespace std::chrono_literals;
using test::LiveState;
using test::WsClient;

constexpr const char* kDuty = "quanyu-demo-duty";
constexpr const char* kWall = "quanyu-demo-wall";
constexpr const char* kYuzhong = "quanyu-demo-yuzhong";  // subcentre of 渝中区 and 南岸区
constexpr double kYuzhongLon = 106.5775;
constexpr double kYuzhongLat = 29.5574;
constexpr double kElsewhereLon = 107.25;  // a district outside the subcentre's
constexpr double kElsewhereLat = 29.70;

std::uint64_t metric(const std::string& text, const std::string& name) {
  const auto at = text.find("\n" + name + " ");
  if (at == std::string::npos) return 0;
  return std::stoull(text.substr(at + name.size() + 2));
}

class SituationHubTest : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    config_ = new Config(load_config(test::config_dir() + "/quanyu.yaml"));
    layers_ =
        gis::LayerSet::load(config_->layers, {config_->gis.jurisdiction_tolerance_m}).release();
  }
  static void TearDownTestSuite() {
    delete layers_;
    delete config_;
  }

  SituationHubTest() {
    config_->data_dir = data_.path();
    engine_ = std::make_unique<EngineService>(ioc_, *config_, *layers_);
  }

  ~SituationHubTest() override {
    beast::error_code ec;
    acceptor_.close(ec);
    if (hub_) hub_->shutdown();
    std::this_thread::sleep_for(50ms);
    work_.reset();
    ioc_.stop();
    for (auto& t : threads_) t.join();
    hub_.reset();
    engine_.reset();
  }

  /// Starts the hub and an acceptor on 127.0.0.1; `send_buffer` shrinks the server's socket
  /// buffer so that a client that stops reading fills it quickly.
  void start(SituationHub::Options options = {}, int send_buffer = 0) {
    hub_ = std::make_unique<SituationHub>(*engine_, *config_, options);
    send_buffer_ = send_buffer;
    const asio::ip::tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(endpoint.protocol());
    acceptor_.bind(endpoint);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    accept();
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { ioc_.run(); });
  }

  void accept() {
    acceptor_.async_accept(
        asio::make_strand(ioc_), [this](beast::error_code ec, asio::ip::tcp::socket socket) {
          if (ec) return;
          if (send_buffer_ > 0) {
            socket.set_option(asio::socket_base::send_buffer_size(send_buffer_), ec);
          }
          struct Connection {
            explicit Connection(asio::ip::tcp::socket&& s) : stream(std::move(s)) {}
            beast::tcp_stream stream;
            beast::flat_buffer buffer;
            beast::http::request_parser<beast::http::string_body> parser;
          };
          auto c = std::make_shared<Connection>(std::move(socket));
          beast::http::async_read(c->stream, c->buffer, c->parser,
                                  [this, c](beast::error_code read_ec, std::size_t) {
                                    if (!read_ec)
                                      hub_->accept(std::move(c->stream), c->parser.release());
                                  });
          accept();
        });
  }

  std::unique_ptr<WsClient> connect(const std::string& token, const std::string& query = "",
                                    int receive_buffer = 0) {
    int status = 0;
    auto client = WsClient::situation(port_, token, query, receive_buffer, &status);
    EXPECT_TRUE(client) << "status " << status;
    return client;
  }

  /// `n` wall screens, each holding its first snapshot in `states`.
  void connect_walls(int n, std::vector<std::unique_ptr<WsClient>>& screens,
                     std::vector<LiveState>& states) {
    for (int c = 0; c < n; ++c) {
      screens.push_back(connect(kWall));
      ASSERT_TRUE(screens.back());
      states.emplace_back();
      states.back().apply(*screens.back()->receive_until(v1::ServerMessage::kSnapshot, 5s));
    }
  }

  /// Reads every screen up to seq `last`; each must end with `incidents` incidents, in the same
  /// versions as the first screen, and never get a frame older than the one before.
  static void expect_all_reach(std::uint64_t last, std::size_t incidents,
                               std::vector<std::unique_ptr<WsClient>>& screens,
                               std::vector<LiveState>& states) {
    for (std::size_t c = 0; c < screens.size(); ++c) {
      const auto deadline = std::chrono::steady_clock::now() + 20s;
      while (std::chrono::steady_clock::now() < deadline && states[c].seq < last) {
        auto m = screens[c]->receive(1s);
        if (!m) continue;
        const std::uint64_t before = states[c].seq;
        states[c].apply(*m);
        EXPECT_GT(states[c].seq, before) << "screen " << c << ": a frame older than the last";
      }
      EXPECT_EQ(states[c].seq, last) << c;
      EXPECT_EQ(states[c].incidents.size(), incidents) << c;
    }
    for (std::size_t c = 1; c < screens.size(); ++c) {
      for (const auto& [id, incident] : states[0].incidents) {
        ASSERT_EQ(states[c].incidents.count(id), 1U) << c << " " << id;
        EXPECT_EQ(states[c].incidents[id].version(), incident.version()) << c << " " << id;
      }
    }
  }

  /// Journals and applies one observation; with `wait`, until it is in the picture.
  void ingest(v1::Observation o, bool wait = true) {
    auto prepared = engine_->prepare(std::move(o));
    ASSERT_TRUE(prepared.ok()) << prepared.error().message;
    auto done = std::make_shared<std::promise<void>>();
    auto future = done->get_future();
    engine_->ingest({prepared.value()}, "test",
                    [done](const IngestOutcome&) { done->set_value(); });
    if (wait) {
      ASSERT_EQ(future.wait_for(10s), std::future_status::ready);
    }
  }

  void gauge(const std::string& id, const std::string& gauge_id, double level) {
    v1::Observation o;
    o.set_id(id);
    o.set_source("sl651");
    *o.mutable_observed_at() = google::protobuf::util::TimeUtil::GetCurrentTime();
    o.mutable_gauge_reading()->set_gauge_id(gauge_id);
    o.mutable_gauge_reading()->set_water_level_m(level);
    ingest(std::move(o));
  }

  /// Journals and applies one smoke detection; waits until it is in the picture.
  void smoke(const std::string& id, double lon, double lat, bool wait = true) {
    v1::Observation o;
    o.set_id(id);
    o.set_source("test");
    *o.mutable_observed_at() = google::protobuf::util::TimeUtil::GetCurrentTime();
    o.mutable_position()->set_x(lon);
    o.mutable_position()->set_y(lat);
    o.mutable_smoke_detection()->set_tower_id("t-" + id);
    o.mutable_smoke_detection()->set_confidence(0.7);
    ingest(std::move(o), wait);
  }

  static Config* config_;
  static const gis::LayerSet* layers_;
  test::TempDir data_;
  asio::io_context ioc_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_{
      ioc_.get_executor()};
  std::unique_ptr<EngineService> engine_;
  std::unique_ptr<SituationHub> hub_;
  asio::ip::tcp::acceptor acceptor_{ioc_};
  std::vector<std::thread> threads_;
  int port_ = 0;
  int send_buffer_ = 0;
};

Config* SituationHubTest::config_ = nullptr;
const gis::LayerSet* SituationHubTest::layers_ = nullptr;

TEST(ViewFilter, NarrowsSubscriptionToTheScope) {
  Scope subcentre;
  subcentre.role = Role::subcentre;
  subcentre.districts = {"500103", "500108"};
  v1::Subscribe subscribe;
  EXPECT_EQ(live::ViewFilter::of(subcentre, subscribe).districts,
            (std::set<std::string>{"500103", "500108"}));
  subscribe.add_districts("500103");
  subscribe.add_districts("500101");
  EXPECT_EQ(live::ViewFilter::of(subcentre, subscribe).districts,
            (std::set<std::string>{"500103"}));
  subscribe.clear_districts();
  subscribe.add_districts("500101");
  // Only districts outside the scope: sees nothing (not "everything").
  EXPECT_EQ(live::ViewFilter::of(subcentre, subscribe).districts, std::set<std::string>{});
  Scope wall;
  EXPECT_FALSE(live::ViewFilter::of(wall, {}).districts);
  EXPECT_EQ(live::ViewFilter::of(wall, subscribe).districts, std::set<std::string>{"500101"});
  // Equal filters share one view.
  EXPECT_EQ(live::ViewFilter::of(wall, {}).key(), live::ViewFilter::of(Scope{}, {}).key());
  EXPECT_NE(live::ViewFilter::of(wall, {}).key(), live::ViewFilter::of(subcentre, {}).key());

  v1::Subscribe bad;
  bad.mutable_bbox()->set_min_lon(107);
  bad.mutable_bbox()->set_max_lon(106);
  EXPECT_TRUE(live::ViewFilter::validate(bad));
  bad.clear_bbox();
  bad.add_kinds(v1::INCIDENT_KIND_UNSPECIFIED);
  EXPECT_TRUE(live::ViewFilter::validate(bad));
}

TEST_F(SituationHubTest, SubcentreNeverSeesIncidentsOutsideItsDistricts) {
  start();
  smoke("a-yuzhong", kYuzhongLon, kYuzhongLat);
  smoke("a-elsewhere", kElsewhereLon, kElsewhereLat);
  auto duty = connect(kDuty);
  auto sub = connect(kYuzhong);
  ASSERT_TRUE(duty && sub);
  LiveState duty_state;
  LiveState sub_state;
  auto first = sub->receive(5s);
  ASSERT_TRUE(first && first->has_snapshot());
  sub_state.apply(*first);
  duty_state.apply(*duty->receive_until(v1::ServerMessage::kSnapshot, 5s));
  EXPECT_EQ(duty_state.incidents.size(), 2U);
  ASSERT_EQ(sub_state.incidents.size(), 1U);
  EXPECT_EQ(sub_state.incidents.begin()->second.district().adcode(), "500103");
  EXPECT_GT(first->seq(), 0U);

  smoke("b-elsewhere", kElsewhereLon + 0.2, kElsewhereLat);
  smoke("b-yuzhong", kYuzhongLon + 0.1, kYuzhongLat - 0.05);  // 南岸区
  while (duty_state.incidents.size() < 4) {
    auto m = duty->receive(5s);
    ASSERT_TRUE(m);
    duty_state.apply(*m);
  }
  // The sub-centre gets one delta (the 南岸 fire) and nothing about the other district.
  while (auto m = sub->receive(500ms)) {
    ASSERT_FALSE(m->has_snapshot());
    if (m->has_delta()) {
      for (const auto& i : m->delta().incidents()) {
        EXPECT_TRUE(i.district().adcode() == "500103" || i.district().adcode() == "500108")
            << i.district().adcode();
      }
      EXPECT_EQ(m->delta().removed_incident_ids_size(), 0);
      for (const auto& c : m->delta().kpis().open_incidents()) {
        EXPECT_TRUE(c.adcode() == "500103" || c.adcode() == "500108") << c.adcode();
      }
    }
    sub_state.apply(*m);
  }
  EXPECT_EQ(sub_state.incidents.size(), 2U);
  EXPECT_GE(sub_state.seq, duty_state.seq - 1);

  // Subscribing to a district outside the scope shows nothing, KPIs included.
  v1::ClientMessage subscribe;
  subscribe.mutable_subscribe()->add_districts("500101");
  subscribe.mutable_subscribe()->add_districts("500102");
  sub->send(subscribe);
  auto empty = sub->receive_until(v1::ServerMessage::kSnapshot, 5s);
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->snapshot().incidents_size(), 0);
  EXPECT_EQ(empty->snapshot().kpis().open_incidents_size(), 0);
  EXPECT_FALSE(empty->snapshot().resync());
}

// The frame budget: a view watched by N sessions waits at least N / view_frames_per_s between
// deltas. Two sessions at 5 frames/s: 400 ms, though delta_interval is only 1 ms.
TEST_F(SituationHubTest, AViewsFrameBudgetSpacesItsDeltasByItsSessions) {
  SituationHub::Options options;
  options.delta_interval = 1ms;
  options.view_frames_per_s = 5.0;
  start(options);
  auto client = connect(kDuty);
  auto second = connect(kDuty);  // the same view: two sessions
  ASSERT_TRUE(client && second);
  LiveState state;
  state.apply(*client->receive_until(v1::ServerMessage::kSnapshot, 5s));
  ASSERT_TRUE(second->receive_until(v1::ServerMessage::kSnapshot, 5s));
  std::vector<std::chrono::steady_clock::time_point> deltas;
  auto read_until = [&](std::size_t incidents) {
    while (state.incidents.size() < incidents) {
      auto m = client->receive(5s);
      ASSERT_TRUE(m);
      if (m->has_delta()) deltas.push_back(std::chrono::steady_clock::now());
      state.apply(*m);
    }
  };
  // 2 sessions at 5 frames a second: 400 ms a delta on average, one delta ahead at most. The
  // first two changes go out at once (each read before the next is made, so neither waits for
  // the other's fan-out), the other three wait for the budget and go out together.
  smoke("b0", 106.0, 29.0);
  ASSERT_NO_FATAL_FAILURE(read_until(1));
  smoke("b1", 106.1, 29.0);
  ASSERT_NO_FATAL_FAILURE(read_until(2));
  for (int n = 2; n < 5; ++n) smoke("b" + std::to_string(n), 106.0 + 0.1 * n, 29.0);
  ASSERT_NO_FATAL_FAILURE(read_until(5));
  ASSERT_EQ(deltas.size(), 3U);
  EXPECT_LT(deltas[1] - deltas[0], 200ms);
  EXPECT_GE(deltas[2] - deltas[0], 300ms);
}

/// A WebSocket upgrade on a raw socket, to see the answer's headers and the frames themselves
/// (Beast's client joins fragments and hides the negotiation).
struct RawUpgrade {
  asio::io_context ioc;
  asio::ip::tcp::socket socket{ioc};
  beast::flat_buffer buffer;
  beast::http::response_parser<beast::http::empty_body> response;

  RawUpgrade(int port, const std::string& target, const std::string& headers) {
    socket.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)});
    const std::string upgrade = "GET " + target +
                                " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                                "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
                                headers + "\r\n";
    asio::write(socket, asio::buffer(upgrade));
    beast::http::read_header(socket, buffer, response);
  }
  /// At least `n` bytes after the answer's header.
  const std::uint8_t* need(std::size_t n) {
    while (buffer.size() < n) buffer.commit(socket.read_some(buffer.prepare(64 * 1024)));
    return static_cast<const std::uint8_t*>(buffer.data().data());
  }
};

TEST_F(SituationHubTest, AMessageOfManyKilobytesGoesOutAsOneFrame) {
  start();
  for (int n = 0; n < 30; ++n) smoke("k" + std::to_string(n), 106.0 + 0.1 * n, 29.0);
  RawUpgrade raw(port_, "/ws/situation?detail=full",
                 "Authorization: Bearer " + std::string(kDuty) + "\r\n");
  ASSERT_EQ(raw.response.get().result_int(), 101);
  // The snapshot: its first frame must be the whole message.
  const std::uint8_t* head = raw.need(2);
  EXPECT_EQ(head[0], 0x82) << "FIN and binary";
  ASSERT_EQ(head[1] & 0x7F, 126) << "a 16-bit length";
  head = raw.need(4);
  const std::size_t length = (std::size_t{head[2]} << 8) | head[3];
  EXPECT_GT(length, 4096U);
  const std::uint8_t* payload = raw.need(4 + length) + 4;
  v1::ServerMessage snapshot;
  ASSERT_TRUE(snapshot.ParseFromArray(payload, static_cast<int>(length)));
  EXPECT_EQ(snapshot.snapshot().incidents_size(), 30);
}

TEST_F(SituationHubTest, CompressesForClientsThatOfferItUnlessTurnedOff) {
  const std::string headers = "Authorization: Bearer " + std::string(kWall) +
                              "\r\nSec-WebSocket-Extensions: permessage-deflate\r\n";
  start();
  smoke("z1", kYuzhongLon, kYuzhongLat);
  {
    RawUpgrade raw(port_, "/ws/situation", headers);
    ASSERT_EQ(raw.response.get().result_int(), 101);
    EXPECT_THAT(std::string(raw.response.get()[beast::http::field::sec_websocket_extensions]),
                testing::HasSubstr("permessage-deflate"));
    EXPECT_EQ(raw.need(1)[0], 0xC2) << "FIN, RSV1 (compressed) and binary";
  }
  // The same offer to a hub with compression off: answered without the extension, and frames
  // are sent as they are.
  hub_->shutdown();
  SituationHub::Options off;
  off.permessage_deflate = false;
  auto hub = std::make_unique<SituationHub>(*engine_, *config_, off);
  std::swap(hub, hub_);  // `hub` keeps the first (shut down) hub until the test ends
  RawUpgrade raw(port_, "/ws/situation", headers);
  ASSERT_EQ(raw.response.get().result_int(), 101);
  EXPECT_EQ(raw.response.get().count(beast::http::field::sec_websocket_extensions), 0U);
  EXPECT_EQ(raw.need(1)[0], 0x82) << "FIN and binary, not compressed";
}

TEST_F(SituationHubTest, SessionsSpreadOverSeveralLanesAllGetEveryChangeInOrder) {
  // Four I/O threads: three lanes. Six screens land two on each, in turn.
  const unsigned threads = config_->threads;
  config_->threads = 4;
  start();
  config_->threads = threads;
  std::vector<std::unique_ptr<WsClient>> clients;
  std::vector<LiveState> states;
  ASSERT_NO_FATAL_FAILURE(connect_walls(6, clients, states));
  // Each delta goes out only once every lane has offered the one before: the later ones must
  // still come (the token of a fan-out over three lanes dies), and every screen ends equal.
  constexpr int kIncidents = 40;
  for (int n = 0; n < kIncidents; ++n) {
    smoke("l" + std::to_string(n), 106.0 + 0.05 * (n % 20), 28.9 + 0.05 * (n / 20), n % 4 == 3);
  }
  smoke("l-again-0", 106.0, 28.9);  // a second report on the first fire: a newer version
  expect_all_reach(engine_->counters().seq, kIncidents, clients, states);
  // The second report reached every screen as the first fire's newer version.
  EXPECT_TRUE(std::any_of(states[0].incidents.begin(), states[0].incidents.end(),
                          [](const auto& entry) { return entry.second.version() > 1; }));
  EXPECT_EQ(metric(hub_->metrics(), "quanyu_live_clients"), 6U);
}

// A subscription of more screens than view_part_sessions is split into parts, each with its own
// deltas, that take turns within the subscription's frame budget.
TEST_F(SituationHubTest, AWallOfManyScreensIsSplitIntoPartsThatEachGetEveryChange) {
  SituationHub::Options options;
  options.view_part_sessions = 2;
  options.delta_interval = 1ms;
  options.view_frames_per_s = 200.0;  // six screens: a part of two every 10 ms under load
  start(options);
  std::vector<std::unique_ptr<WsClient>> screens;
  std::vector<LiveState> states;
  ASSERT_NO_FATAL_FAILURE(connect_walls(6, screens, states));
  EXPECT_EQ(metric(hub_->metrics(), "quanyu_live_views"), 3U);  // one wall, three parts
  constexpr int kIncidents = 30;
  for (int n = 0; n < kIncidents; ++n) {
    smoke("w" + std::to_string(n), 106.0 + 0.05 * (n % 15), 28.9 + 0.05 * (n / 15), n % 5 == 4);
  }
  expect_all_reach(engine_->counters().seq, kIncidents, screens, states);
  // A screen that comes back with ?resume= joins a part that holds what it missed, though every
  // part is full: it gets the missed deltas, not a snapshot, and ends equal.
  const std::uint64_t resume_from = states[0].seq;
  smoke("w-after-0", 106.3, 28.6);
  smoke("w-after-1", 106.4, 28.6);
  auto back = connect(kWall, "?resume=" + std::to_string(resume_from));
  ASSERT_TRUE(back);
  LiveState resumed = states[0];
  const std::uint64_t end = engine_->counters().seq;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline && resumed.seq < end) {
    auto m = back->receive(1s);
    if (!m) continue;
    EXPECT_FALSE(m->has_snapshot()) << "resumed with a snapshot";
    resumed.apply(*m);
  }
  EXPECT_EQ(resumed.seq, end);
  EXPECT_EQ(resumed.incidents.size(), static_cast<std::size_t>(kIncidents + 2));
  EXPECT_EQ(metric(hub_->metrics(), "quanyu_live_views"), 3U);
  EXPECT_EQ(metric(hub_->metrics(), "quanyu_live_resyncs_total"), 0U);
}

// A view whose screens have all gone is kept for view_linger (a screen may come back and
// resume); at max_views it makes room for a new subscription, and after the linger it is dropped.
TEST_F(SituationHubTest, AViewWithoutScreensLingersMakesRoomAtTheLimitAndIsDropped) {
  SituationHub::Options options;
  options.max_views = 2;
  options.view_linger = 300ms;
  start(options);
  auto subscribe = [](WsClient& client, v1::IncidentKind kind) {
    v1::ClientMessage message;
    message.mutable_subscribe()->add_kinds(kind);
    client.send(message, true);
  };
  auto views = [&] { return metric(hub_->metrics(), "quanyu_live_views"); };
  auto wall = connect(kWall);
  ASSERT_TRUE(wall && wall->receive_until(v1::ServerMessage::kSnapshot, 5s));
  auto floods = connect(kWall);
  ASSERT_TRUE(floods && floods->receive_until(v1::ServerMessage::kSnapshot, 5s));
  subscribe(*floods, v1::INCIDENT_KIND_FLOOD);
  ASSERT_TRUE(floods->receive_until(v1::ServerMessage::kSnapshot, 5s));
  EXPECT_EQ(views(), 2U);
  // Both views have screens: a third subscription is refused.
  auto fires = connect(kWall);
  ASSERT_TRUE(fires && fires->receive_until(v1::ServerMessage::kSnapshot, 5s));
  subscribe(*fires, v1::INCIDENT_KIND_FIRE);
  auto refused = fires->receive_until(v1::ServerMessage::kError, 5s);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->error().code(), "too_many_views");
  // The flood screen goes: its view, lingering, makes room.
  floods.reset();
  std::this_thread::sleep_for(200ms);
  subscribe(*fires, v1::INCIDENT_KIND_FIRE);
  auto snapshot = fires->receive_until(v1::ServerMessage::kSnapshot, 5s);
  ASSERT_TRUE(snapshot);
  EXPECT_EQ(views(), 2U);
  // The fire screen goes too: its view is dropped once it has lingered (looked at, at the
  // latest, on the first commit a second after the last look).
  fires.reset();
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  for (int n = 0; views() != 1U && std::chrono::steady_clock::now() < deadline; ++n) {
    std::this_thread::sleep_for(400ms);
    smoke("linger-" + std::to_string(n), 106.0 + 0.05 * n, 29.0);
  }
  EXPECT_EQ(views(), 1U);
  EXPECT_TRUE(wall->receive_until(v1::ServerMessage::kDelta, 5s)) << "the wall still gets deltas";
}

TEST_F(SituationHubTest, ChangesWithinTheDeltaIntervalGoOutMergedInOneDelta) {
  SituationHub::Options options;
  options.delta_interval = 400ms;
  start(options);
  auto client = connect(kDuty);
  ASSERT_TRUE(client);
  LiveState state;
  state.apply(*client->receive_until(v1::ServerMessage::kSnapshot, 5s));
  // The first change goes out at once; the next four, committed within the interval, wait for
  // its end and arrive together.
  for (int n = 0; n < 5; ++n) smoke("p" + std::to_string(n), 106.0 + 0.1 * n, 29.0);
  std::vector<std::pair<std::chrono::steady_clock::time_point, int>> deltas;
  while (state.incidents.size() < 5) {
    auto m = client->receive(5s);
    ASSERT_TRUE(m);
    if (m->has_delta()) {
      deltas.emplace_back(std::chrono::steady_clock::now(), m->delta().incidents_size());
    }
    state.apply(*m);
  }
  ASSERT_GE(deltas.size(), 2U);
  EXPECT_LE(deltas.size(), 3U);  // 2 unless a commit took longer than the whole interval
  EXPECT_EQ(deltas.front().second, 1);
  // Timers never fire early: the merged delta is at least the interval after the first.
  EXPECT_GE(deltas[1].first - deltas[0].first, 300ms);
  // A client that attaches while changes are held back gets them in its snapshot.
  smoke("p5", 106.6, 29.0);
  smoke("p6", 106.7, 29.0);
  auto late = connect(kWall);
  ASSERT_TRUE(late);
  auto snapshot = late->receive_until(v1::ServerMessage::kSnapshot, 5s);
  ASSERT_TRUE(snapshot);
  EXPECT_EQ(snapshot->snapshot().incidents_size(), 7);
}

TEST_F(SituationHubTest, SummaryByDefaultFullDetailOnRequest) {
  start();
  auto wall = connect(kWall);
  auto console = connect(kDuty, "?detail=full");
  ASSERT_TRUE(wall && console);
  ASSERT_TRUE(wall->receive_until(v1::ServerMessage::kSnapshot, 5s));
  ASSERT_TRUE(console->receive_until(v1::ServerMessage::kSnapshot, 5s));
  smoke("d1", kYuzhongLon, kYuzhongLat);
  smoke("d2", kYuzhongLon + 0.001, kYuzhongLat);
  auto latest = [](test::WsClient& client, const std::string& evidence) {
    LiveState state;
    while (true) {
      auto m = client.receive(5s);
      if (!m) return v1::Incident{};
      state.apply(*m);
      if (state.incidents.size() == 1 && state.incidents.begin()->second.evidence_size() > 0) {
        const auto& incident = state.incidents.begin()->second;
        if (incident.evidence(incident.evidence_size() - 1).observation_id() == evidence) {
          return incident;
        }
      }
    }
  };
  const v1::Incident summary = latest(*wall, "d2");
  EXPECT_EQ(summary.evidence_size(), 1);
  EXPECT_EQ(summary.evidence_count(), 2U);
  EXPECT_FALSE(summary.evidence(0).has_position());
  EXPECT_EQ(summary.nearby_size(), 0);
  EXPECT_EQ(summary.history_size(), 0);
  EXPECT_EQ(summary.district().adcode(), "500103");
  const v1::Incident full = latest(*console, "d2");
  EXPECT_EQ(full.evidence_size(), 2);
  EXPECT_TRUE(full.evidence(0).has_position());
  EXPECT_EQ(full.nearby_size(), 5);
  EXPECT_GE(full.history_size(), 1);
  EXPECT_EQ(full.version(), summary.version());

  // A subscribe switches the level; one without a level keeps the connection's.
  v1::ClientMessage subscribe;
  subscribe.mutable_subscribe()->set_detail(v1::INCIDENT_DETAIL_FULL);
  wall->send(subscribe);
  auto snapshot = wall->receive_until(v1::ServerMessage::kSnapshot, 5s);
  ASSERT_TRUE(snapshot && snapshot->snapshot().incidents_size() == 1);
  EXPECT_EQ(snapshot->snapshot().incidents(0).nearby_size(), 5);
  console->send(v1::ClientMessage{});  // answered with an error, the level stays
  subscribe.mutable_subscribe()->clear_detail();
  subscribe.mutable_subscribe()->add_kinds(v1::INCIDENT_KIND_FIRE);
  console->send(subscribe);
  snapshot = console->receive_until(v1::ServerMessage::kSnapshot, 5s);
  ASSERT_TRUE(snapshot && snapshot->snapshot().incidents_size() == 1);
  EXPECT_EQ(snapshot->snapshot().incidents(0).nearby_size(), 5);

  int status = 0;
  EXPECT_FALSE(test::WsClient::situation(port_, kWall, "?detail=everything", 0, &status));
  EXPECT_EQ(status, 400);
  EXPECT_THAT(hub_->metrics(), testing::HasSubstr(R"(reason="invalid_detail"} 1)"));
}

TEST_F(SituationHubTest, GaugesReachTheViewsOfTheirDistrictOnly) {
  start();
  const std::string jiangjin = "WG-0060105001";  // 长江江津区段1号, 江津区: warning 207.9 m
  gauge("g1", jiangjin, 207.2);
  auto duty = connect(kDuty);
  auto sub = connect(kYuzhong);  // 渝中区 and 南岸区 only
  ASSERT_TRUE(duty && sub);
  auto snapshot = duty->receive_until(v1::ServerMessage::kSnapshot, 5s);
  ASSERT_TRUE(snapshot);
  ASSERT_EQ(snapshot->snapshot().gauges_size(), 1);
  EXPECT_EQ(snapshot->snapshot().gauges(0).gauge_id(), jiangjin);
  EXPECT_EQ(snapshot->snapshot().gauges(0).name(), "长江江津区段1号水位站（演示）");
  EXPECT_NEAR(snapshot->snapshot().gauges(0).level_m(), 207.2, 1e-9);
  auto sub_snapshot = sub->receive_until(v1::ServerMessage::kSnapshot, 5s);
  ASSERT_TRUE(sub_snapshot);
  EXPECT_EQ(sub_snapshot->snapshot().gauges_size(), 0);

  gauge("g2", jiangjin, 208.1);  // over warning: a flood incident and a KPI change
  std::optional<v1::Gauge> seen;
  while (!seen) {
    auto m = duty->receive(5s);
    ASSERT_TRUE(m);
    if (m->has_delta() && m->delta().gauges_size() > 0) seen = m->delta().gauges(0);
  }
  EXPECT_NEAR(seen->level_m(), 208.1, 1e-9);
  EXPECT_FALSE(seen->open_incident_id().empty());
  EXPECT_EQ(seen->recent_size(), 1);  // both readings fall in the same 5-minute slot
  // The sub-centre hears nothing of it: no gauge, no incident, no KPI.
  EXPECT_FALSE(sub->receive(500ms));
}

TEST_F(SituationHubTest, SubscribeFiltersByKindSeverityAndBbox) {
  start();
  smoke("k1", kYuzhongLon, kYuzhongLat);
  auto wall = connect(kWall, "?format=json");
  ASSERT_TRUE(wall);
  bool text = false;
  auto raw = wall->receive_raw(5s, &text);
  ASSERT_TRUE(raw);
  EXPECT_TRUE(text);
  EXPECT_THAT(*raw, testing::HasSubstr(R"("snapshot":)"));

  v1::ClientMessage floods;
  floods.mutable_subscribe()->add_kinds(v1::INCIDENT_KIND_FLOOD);
  wall->send(floods, true);
  auto snapshot = wall->receive_until(v1::ServerMessage::kSnapshot, 5s);
  ASSERT_TRUE(snapshot);
  EXPECT_EQ(snapshot->snapshot().incidents_size(), 0);
  smoke("k2", kYuzhongLon + 0.3, kYuzhongLat);
  // No delta for a fire; the KPIs (computed for the districts) may change.
  while (auto m = wall->receive(400ms)) {
    if (m->has_delta()) {
      EXPECT_EQ(m->delta().incidents_size(), 0);
    }
  }

  v1::ClientMessage box;
  auto* b = box.mutable_subscribe()->mutable_bbox();
  b->set_min_lon(kYuzhongLon - 0.01);
  b->set_min_lat(kYuzhongLat - 0.01);
  b->set_max_lon(kYuzhongLon + 0.01);
  b->set_max_lat(kYuzhongLat + 0.01);
  wall->send(box, true);
  snapshot = wall->receive_until(v1::ServerMessage::kSnapshot, 5s);
  ASSERT_TRUE(snapshot);
  ASSERT_EQ(snapshot->snapshot().incidents_size(), 1);

  // An invalid subscription is answered with an error; the connection stays.
  wall->send_raw(R"({"subscribe":{"minSeverity":"SEVERITY_PURPLE"}})", true);
  auto error = wall->receive_until(v1::ServerMessage::kError, 5s);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->error().code(), "invalid_message");
  v1::ClientMessage ping;
  ping.mutable_ping()->set_nonce(7);
  wall->send(ping, true);
  EXPECT_TRUE(wall->receive_until(v1::ServerMessage::kHeartbeat, 5s));
  EXPECT_THAT(hub_->metrics(),
              testing::HasSubstr(R"(quanyu_live_refusals_total{reason="invalid_message"} 1)"));
}

TEST_F(SituationHubTest, ResumeWithinTheRingGivesTheHeldDeltasBeyondItAResync) {
  SituationHub::Options options;
  options.ring.max_deltas = 4;
  options.delta_interval = {};  // one delta per smoke: the ring's limit is counted in deltas
  start(options);
  auto client = connect(kDuty);
  ASSERT_TRUE(client);
  LiveState state;
  state.apply(*client->receive_until(v1::ServerMessage::kSnapshot, 5s));
  const std::uint64_t start_seq = state.seq;
  std::vector<std::uint64_t> seqs;
  for (int n = 0; n < 3; ++n) {
    smoke("r" + std::to_string(n), 106.0 + 0.1 * n, 29.0);
    auto delta = client->receive_until(v1::ServerMessage::kDelta, 5s);
    ASSERT_TRUE(delta);
    seqs.push_back(delta->seq());
  }
  v1::ClientMessage resume;
  resume.mutable_resume()->set_after_seq(start_seq);
  client->send(resume);
  for (const auto seq : seqs) {
    auto again = client->receive(5s);
    ASSERT_TRUE(again);
    ASSERT_TRUE(again->has_delta());
    EXPECT_EQ(again->seq(), seq);
  }
  // A new connection resumes without a first snapshot.
  auto back = connect(kDuty, "?resume=" + std::to_string(seqs[0]));
  ASSERT_TRUE(back);
  auto missed = back->receive(5s);
  ASSERT_TRUE(missed && missed->has_delta());
  EXPECT_EQ(missed->seq(), seqs[1]);

  for (int n = 3; n < 9; ++n) smoke("r" + std::to_string(n), 106.0 + 0.1 * n, 29.0);
  while (client->receive(300ms)) {
  }
  client->send(resume);
  auto resync = client->receive_until(v1::ServerMessage::kSnapshot, 5s);
  ASSERT_TRUE(resync);
  EXPECT_TRUE(resync->snapshot().resync());
  EXPECT_EQ(resync->snapshot().incidents_size(), 9);
  EXPECT_EQ(metric(hub_->metrics(), "quanyu_live_resyncs_total"), 1U);
}

TEST_F(SituationHubTest, SlowClientIsCoalescedItsQueueStaysBoundedFastClientUnaffected) {
  SituationHub::Options options;
  options.queue_messages = 4;
  options.queue_bytes = 64 * 1024;
  start(options, 4096);
  auto slow = connect(kDuty, "", 4096);
  auto fast = connect(kDuty);
  ASSERT_TRUE(slow && fast);
  LiveState slow_state;
  LiveState fast_state;
  slow_state.apply(*slow->receive_until(v1::ServerMessage::kSnapshot, 5s));
  fast_state.apply(*fast->receive_until(v1::ServerMessage::kSnapshot, 5s));
  constexpr int kIncidents = 150;
  std::uint64_t max_depth = 0;
  for (int n = 0; n < kIncidents; ++n) {
    smoke("s" + std::to_string(n), 106.0 + 0.05 * (n % 30), 28.8 + 0.05 * (n / 30), false);
    // The fast client keeps up while the slow one reads nothing.
    while (auto m = fast->receive(1ms)) fast_state.apply(*m);
    max_depth = std::max(max_depth, metric(hub_->metrics(), "quanyu_live_queue_depth"));
  }
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (fast_state.incidents.size() < kIncidents && std::chrono::steady_clock::now() < deadline) {
    if (auto m = fast->receive(1s)) fast_state.apply(*m);
  }
  EXPECT_EQ(fast_state.incidents.size(), static_cast<std::size_t>(kIncidents));
  const std::string metrics = hub_->metrics();
  EXPECT_GT(metric(metrics, "quanyu_live_deltas_coalesced_total"), 0U) << metrics;
  // Two clients: at most the slow one's bounded queue (and the frame being written) waits.
  EXPECT_LE(max_depth, 2 * (options.queue_messages + 1));
  EXPECT_EQ(metric(metrics, "quanyu_live_clients"), 2U);

  // Reading again, the slow client catches up with fewer messages than deltas, same state.
  int messages = 0;
  while (slow_state.incidents.size() < kIncidents) {
    auto m = slow->receive(5s);
    ASSERT_TRUE(m) << slow_state.incidents.size();
    slow_state.apply(*m);
    ++messages;
  }
  EXPECT_LT(messages, kIncidents);
  for (const auto& [id, incident] : fast_state.incidents) {
    ASSERT_EQ(slow_state.incidents.count(id), 1U) << id;
    EXPECT_EQ(slow_state.incidents[id].version(), incident.version());
  }
}

TEST_F(SituationHubTest, ClientThatStopsReadingIsDroppedAfterTheStallTimeout) {
  SituationHub::Options options;
  options.stall_timeout = 600ms;
  options.heartbeat_interval = 200ms;
  start(options, 4096);
  auto slow = connect(kDuty, "", 4096);
  auto fast = connect(kDuty);
  ASSERT_TRUE(slow && fast);
  ASSERT_TRUE(slow->receive(5s));
  for (int n = 0; n < 60; ++n) {
    smoke("d" + std::to_string(n), 106.0 + 0.05 * (n % 30), 28.8 + 0.05 * (n / 30), false);
  }
  // The fast client answers pings as it reads; the slow one does not and is dropped.
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (metric(hub_->metrics(), "quanyu_live_clients") > 1 &&
         std::chrono::steady_clock::now() < deadline) {
    fast->receive(50ms);
  }
  EXPECT_EQ(metric(hub_->metrics(), "quanyu_live_clients"), 1U) << hub_->metrics();
  EXPECT_THAT(hub_->metrics(), testing::ContainsRegex(
                                   "quanyu_live_drops_total[{]reason=\"(stalled|no_pong)\"[}] 1"));
  fast->receive(300ms);
  EXPECT_FALSE(fast->closed());
}

TEST_F(SituationHubTest, CommandsAreAnsweredWithTheirCorrelationId) {
  start();
  smoke("c1", kYuzhongLon, kYuzhongLat);
  auto duty = connect(kDuty);
  auto wall = connect(kWall);
  ASSERT_TRUE(duty && wall);
  auto snapshot = duty->receive_until(v1::ServerMessage::kSnapshot, 5s);
  ASSERT_TRUE(snapshot);
  ASSERT_EQ(snapshot->snapshot().incidents_size(), 1);
  const std::string id = snapshot->snapshot().incidents(0).id();

  v1::ClientMessage ack;
  ack.mutable_command()->set_correlation_id("corr-1");
  ack.mutable_command()->mutable_acknowledge()->set_incident_id(id);
  duty->send(ack);
  auto result = duty->receive_until(v1::ServerMessage::kCommandResult, 5s);
  ASSERT_TRUE(result);
  EXPECT_TRUE(result->command_result().ok()) << result->command_result().error_message();
  EXPECT_EQ(result->command_result().correlation_id(), "corr-1");
  auto delta = duty->receive_until(v1::ServerMessage::kDelta, 5s);
  ASSERT_TRUE(delta);
  EXPECT_EQ(delta->delta().incidents(0).status(), v1::INCIDENT_STATUS_ACKNOWLEDGED);

  ack.mutable_command()->set_correlation_id("corr-2");
  wall->send(ack);
  result = wall->receive_until(v1::ServerMessage::kCommandResult, 5s);
  ASSERT_TRUE(result);
  EXPECT_FALSE(result->command_result().ok());
  EXPECT_EQ(result->command_result().error_code(), "forbidden");
  EXPECT_EQ(result->command_result().correlation_id(), "corr-2");
}

TEST_F(SituationHubTest, RefusesBeforeTheUpgradeAndCountsEveryRefusal) {
  SituationHub::Options options;
  options.max_connections = 1;
  start(options);
  int status = 0;
  WsClient::Options o;
  EXPECT_FALSE(WsClient::connect(port_, o, &status));
  EXPECT_EQ(status, 401);
  o.bearer = "wrong";
  EXPECT_FALSE(WsClient::connect(port_, o, &status));
  EXPECT_EQ(status, 401);
  o.bearer = "quanyu-demo-feed";
  EXPECT_FALSE(WsClient::connect(port_, o, &status));
  EXPECT_EQ(status, 403);
  o.bearer = kWall;
  o.target = "/ws/situation?format=xml";
  EXPECT_FALSE(WsClient::connect(port_, o, &status));
  EXPECT_EQ(status, 400);
  o.target = "/ws/other";
  EXPECT_FALSE(WsClient::connect(port_, o, &status));
  EXPECT_EQ(status, 404);

  // Browsers: the token as a subprotocol, answered with quanyu.v1.
  WsClient::Options browser;
  browser.subprotocols = {"quanyu.v1", std::string("quanyu.token.") + kWall};
  std::string chosen;
  auto first = WsClient::connect(port_, browser, &status, &chosen);
  ASSERT_TRUE(first);
  EXPECT_EQ(chosen, "quanyu.v1");
  EXPECT_FALSE(WsClient::connect(port_, browser, &status));
  EXPECT_EQ(status, 503);

  const std::string metrics = hub_->metrics();
  for (const char* reason :
       {R"(reason="unauthorized"} 2)", R"(reason="forbidden"} 1)", R"(reason="invalid_format"} 1)",
        R"(reason="not_found"} 1)", R"(reason="too_many_connections"} 1)"}) {
    EXPECT_THAT(metrics, testing::HasSubstr(reason)) << metrics;
  }

  // Oversized client frames close the connection with 1009.
  ASSERT_TRUE(first->receive(5s));
  first->send_raw(std::string(70 * 1024, 'x'), false);
  while (first->receive(2s)) {
  }
  EXPECT_TRUE(first->closed());
  EXPECT_EQ(first->close_reason().code, beast::websocket::close_code::too_big);
}

TEST_F(SituationHubTest, ShutdownClosesWithGoingAway) {
  start();
  auto client = connect(kWall);
  ASSERT_TRUE(client);
  ASSERT_TRUE(client->receive(5s));
  hub_->shutdown();
  while (client->receive(2s)) {
  }
  EXPECT_TRUE(client->closed());
  EXPECT_EQ(client->close_reason().code, beast::websocket::close_code::going_away);
  int status = 0;
  WsClient::Options o;
  o.bearer = kWall;
  EXPECT_FALSE(WsClient::connect(port_, o, &status));
  EXPECT_EQ(status, 503);
}

}  // namespace
}  // namespace quanyu::server

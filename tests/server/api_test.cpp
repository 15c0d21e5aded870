// The HTTP API v1 routes, in-process, over the shipped configuration and layers.
#include "server/http/api.hpp"
#include "server/http/static_files.hpp"
#include "server/ingest/feed_sink.hpp"

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include <boost/asio/io_context.hpp>
#include <thread>

#include "gtest_include.hpp"
#include "quanyu/v1/layer.pb.h"
#include "quanyu/v1/observation.pb.h"
#include "test_support.hpp"

namespace quanyu::server::http {
namespace {

class ApiTest : public testing::Test {
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

  ApiTest() {
    config_->data_dir = data_.path();
    engine_ = std::make_unique<EngineService>(ioc_, *config_, *layers_);
    api_ = std::make_unique<Api>(*config_, *layers_, *engine_);
  }

  /// Runs the request through the API and the engine's strand until it is answered.
  Response call(Request request) {
    std::optional<Response> answer;
    api_->handle(std::move(request), [&](Response r) { answer = std::move(r); });
    // The journal commits on its own thread and posts back: wait for that, for up to 10 s.
    for (int i = 0; !answer && i < 10'000; ++i) {
      if (ioc_.run_for(std::chrono::milliseconds(1)) == 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      ioc_.restart();
    }
    if (!answer) throw std::runtime_error("no answer");
    return *answer;
  }

  Response get(const std::string& target, const std::string& token = "quanyu-demo-wall") {
    Request request;
    request.method = "GET";
    request.target = target;
    if (!token.empty()) request.headers["authorization"] = "Bearer " + token;
    return call(std::move(request));
  }

  Response send(const std::string& method, const std::string& target, const std::string& body,
                const std::string& token, const std::string& type = "application/json") {
    Request request;
    request.method = method;
    request.target = target;
    request.body = body;
    if (!type.empty()) request.headers["content-type"] = type;
    request.headers["authorization"] = "Bearer " + token;
    return call(std::move(request));
  }

  template <typename Message>
  static Message parse(const Response& response) {
    Message message;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(response.body, &message).ok())
        << response.body;
    return message;
  }

  static Config* config_;
  static const gis::LayerSet* layers_;
  test::TempDir data_;
  boost::asio::io_context ioc_;
  std::unique_ptr<EngineService> engine_;
  std::unique_ptr<Api> api_;
};

Config* ApiTest::config_ = nullptr;
const gis::LayerSet* ApiTest::layers_ = nullptr;

TEST_F(ApiTest, HealthzNeedsNoToken) {
  const auto response = get("/healthz", "");
  EXPECT_EQ(response.status, 200);
  EXPECT_THAT(response.body, testing::HasSubstr(R"("status":"ok")"));
  EXPECT_THAT(response.body, testing::HasSubstr(R"("layers":5)"));
}

TEST_F(ApiTest, ApiNeedsAValidToken) {
  for (const std::string token : {"", "wrong-secret"}) {
    const auto response = get("/api/v1/layers", token);
    EXPECT_EQ(response.status, 401) << token;
    EXPECT_THAT(response.body, testing::HasSubstr(R"("code":"unauthorized")"));
    ASSERT_EQ(response.headers.size(), 1U);
    EXPECT_EQ(response.headers[0].first, "WWW-Authenticate");
  }
  EXPECT_EQ(get("/api/v1/layers", "quanyu-demo-feed").status, 403);
  EXPECT_EQ(get("/api/v1/layers", "quanyu-demo-duty").status, 200);
}

TEST_F(ApiTest, SessionTellsTheTokensRoleAndDistrictsNeverItsSecret) {
  auto response = get("/api/v1/session", "quanyu-demo-yuzhong");
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(
      response.body,
      R"({"name":"demo-subcentre-yuzhong","role":"subcentre","districts":["500103","500108"],)"
      R"("mayRead":true,"mayCommand":true,"mayIngest":false})");
  response = get("/api/v1/session", "quanyu-demo-wall");
  EXPECT_THAT(response.body, testing::HasSubstr(R"("role":"wall","districts":[],)"));
  EXPECT_THAT(response.body, testing::HasSubstr(R"("mayCommand":false)"));
  // A feed token may ask too (it reads nothing else).
  response = get("/api/v1/session", "quanyu-demo-feed");
  EXPECT_EQ(response.status, 200);
  EXPECT_THAT(response.body,
              testing::HasSubstr(R"("mayRead":false,"mayCommand":false,"mayIngest":true)"));
  EXPECT_THAT(response.body, testing::Not(testing::HasSubstr("quanyu-demo")));
  EXPECT_EQ(get("/api/v1/session", "").status, 401);
}

TEST_F(ApiTest, ListsLayersWithCountsAndRepairs) {
  const auto response = get("/api/v1/layers");
  ASSERT_EQ(response.status, 200);
  const auto list = parse<v1::LayerList>(response);
  ASSERT_EQ(list.layers_size(), 5);
  const auto& districts = list.layers(0);
  EXPECT_EQ(districts.name(), "districts");
  EXPECT_EQ(districts.role(), v1::LAYER_ROLE_JURISDICTION);
  EXPECT_EQ(districts.feature_count(), 38U);
  EXPECT_EQ(districts.repaired(), 7U);
  EXPECT_EQ(districts.source_crs(), "EPSG:4326");
  EXPECT_NEAR(districts.extent().min_lon(), 105.29, 0.05);
  EXPECT_THAT(response.body, testing::HasSubstr(R"("featureCount":"38")"));  // proto3 JSON uint64
}

TEST_F(ApiTest, LayerAsGeoJsonFilteredByBbox) {
  // A box around 渝中区 (Yuzhong) touches the central districts only, never 万州 (Wanzhou).
  const auto response = get("/api/v1/layers/districts?bbox=106.50,29.53,106.60,29.58");
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type, "application/geo+json");
  EXPECT_THAT(response.body, testing::StartsWith(R"({"type":"FeatureCollection")"));
  EXPECT_THAT(response.body, testing::HasSubstr(R"("id":"500103")"));
  EXPECT_THAT(response.body, testing::Not(testing::HasSubstr(R"("id":"500101")")));
  EXPECT_THAT(response.body, testing::HasSubstr(R"("bbox":[)"));
  const auto all = get("/api/v1/layers/districts");
  EXPECT_GT(all.body.size(), response.body.size());
}

TEST_F(ApiTest, LayerFilteredByProperty) {
  const auto teams = get("/api/v1/layers/resources?kind=rescue_team");
  ASSERT_EQ(teams.status, 200);
  EXPECT_THAT(teams.body, testing::HasSubstr(R"("kind":"rescue_team")"));
  EXPECT_THAT(teams.body, testing::Not(testing::HasSubstr(R"("kind":"supply_depot")")));
  const auto both = get("/api/v1/layers/resources?kind=rescue_team,supply_depot&limit=1000");
  EXPECT_THAT(both.body, testing::HasSubstr(R"("kind":"supply_depot")"));
  const auto one = get("/api/v1/layers/resources?limit=1");
  EXPECT_EQ(std::count(one.body.begin(), one.body.end(), '{') > 0, true);
  EXPECT_EQ(one.body.find(R"("type":"Feature")"), one.body.rfind(R"("type":"Feature")"));
  const auto none = get("/api/v1/layers/resources?kind=volcano");
  EXPECT_THAT(none.body, testing::HasSubstr(R"("features":[]})"));
}

TEST_F(ApiTest, LayerErrorsAreClear) {
  const auto bad_bbox = get("/api/v1/layers/districts?bbox=1,2,3");
  EXPECT_EQ(bad_bbox.status, 400);
  EXPECT_THAT(bad_bbox.body, testing::HasSubstr(R"("code":"invalid_bbox")"));
  EXPECT_THAT(bad_bbox.body, testing::HasSubstr("1,2,3"));
  const auto unknown = get("/api/v1/layers/lakes");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_THAT(unknown.body, testing::HasSubstr("no layer named 'lakes'"));
  EXPECT_EQ(get("/api/v1/nothing").status, 404);
  EXPECT_EQ(send("POST", "/api/v1/layers", "", "quanyu-demo-admin").status, 405);
}

TEST_F(ApiTest, LocateGivesDistrictAndNearestResources) {
  // 解放碑 in 渝中区.
  const auto response = get("/api/v1/locate?lon=106.5775&lat=29.5574");
  ASSERT_EQ(response.status, 200) << response.body;
  const auto result = parse<v1::LocateResult>(response);
  EXPECT_EQ(result.district().adcode(), "500103");
  EXPECT_EQ(result.district().name(), "渝中区");
  EXPECT_EQ(result.district().match(), v1::DistrictRef::MATCH_INSIDE);
  ASSERT_EQ(result.nearby_size(), 5);
  for (int i = 1; i < result.nearby_size(); ++i) {
    EXPECT_LE(result.nearby(i - 1).distance_m(), result.nearby(i).distance_m());
  }
  EXPECT_LT(result.nearby(0).distance_m(), 50'000);
  EXPECT_EQ(
      parse<v1::LocateResult>(get("/api/v1/locate?lon=106.5775&lat=29.5574&k=2")).nearby_size(), 2);
}

TEST_F(ApiTest, LocateAcceptsOtherCrs) {
  // The same point in EPSG:3857 (x = R·λ, y = R·ln tan(π/4 + φ/2), R = 6378137).
  const auto response = get("/api/v1/locate?x=11864153.030&y=3446783.669&crs=EPSG:3857");
  ASSERT_EQ(response.status, 200) << response.body;
  const auto result = parse<v1::LocateResult>(response);
  EXPECT_EQ(result.district().adcode(), "500103");
  EXPECT_NEAR(result.position().lon(), 106.5775, 1e-6);
  EXPECT_NEAR(result.position().lat(), 29.5574, 1e-6);
}

TEST_F(ApiTest, LocateOutsideIsANormalAnswer) {
  const auto result = parse<v1::LocateResult>(get("/api/v1/locate?lon=116.39&lat=39.91"));
  EXPECT_EQ(result.district().match(), v1::DistrictRef::MATCH_OUTSIDE);
  EXPECT_TRUE(result.district().adcode().empty());
  EXPECT_EQ(result.nearby_size(), 0);  // nothing within 50 km of Beijing
}

TEST_F(ApiTest, LocateErrorsNameTheParameter) {
  EXPECT_THAT(get("/api/v1/locate?lon=106.5").body, testing::HasSubstr("missing_coordinate"));
  EXPECT_THAT(get("/api/v1/locate?lon=abc&lat=29").body,
              testing::HasSubstr("lon must be a number, got 'abc'"));
  EXPECT_THAT(get("/api/v1/locate?lon=106&lat=95").body, testing::HasSubstr("95"));
  EXPECT_THAT(get("/api/v1/locate?lon=106&lat=29&crs=EPSG:2000").body,
              testing::HasSubstr("unsupported_crs"));
  EXPECT_THAT(get("/api/v1/locate?lon=106&lat=29&k=0").body, testing::HasSubstr("invalid_k"));
  EXPECT_THAT(get("/api/v1/locate?lon=106&lat=29&zoom=3").body,
              testing::HasSubstr("unknown parameter 'zoom'"));
}

}  // namespace
}  // namespace quanyu::server::http

namespace quanyu::server::http {
namespace {

TEST(StaticFiles, ServesTheWebClientAndNothingOutsideIt) {
  test::TempDir root;
  std::filesystem::create_directories(root / "assets");
  test::write_file(root / "index.html", "<!doctype html><title>全域</title>");
  test::write_file(root / "assets" / "app.js", "console.log(1)");
  test::write_file(root.path().parent_path() / "quanyu-secret.txt", "secret");

  const auto index = serve_static(root.path(), "/");
  ASSERT_TRUE(index.has_value());
  EXPECT_EQ(index->content_type, "text/html; charset=utf-8");
  EXPECT_THAT(index->body, testing::HasSubstr("全域"));
  const auto script = serve_static(root.path(), "/assets/app.js");
  ASSERT_TRUE(script.has_value());
  EXPECT_EQ(script->content_type, "text/javascript; charset=utf-8");
  EXPECT_FALSE(serve_static(root.path(), "/missing.js").has_value());
  EXPECT_FALSE(serve_static(root.path(), "/../quanyu-secret.txt").has_value());
  EXPECT_FALSE(serve_static(root.path(), "/%2e%2e/quanyu-secret.txt").has_value());
  EXPECT_FALSE(serve_static(root.path(), "/assets/../../quanyu-secret.txt").has_value());
  std::filesystem::remove(root.path().parent_path() / "quanyu-secret.txt");
}

TEST_F(ApiTest, RootDescribesTheServiceUntilTheClientIsBuilt) {
  const auto saved = config_->web_root;
  config_->web_root = "/nonexistent/dist";
  const auto response = get("/", "");
  EXPECT_EQ(response.status, 200);
  EXPECT_THAT(response.body, testing::HasSubstr("not built: no index.html in /nonexistent/dist"));
  EXPECT_EQ(get("/nothing.html", "").status, 404);
  config_->web_root = saved;
}

}  // namespace
}  // namespace quanyu::server::http

namespace quanyu::server::http {
namespace {

std::string now_rfc3339() {
  return google::protobuf::util::TimeUtil::ToString(
      google::protobuf::util::TimeUtil::GetCurrentTime());
}

std::string smoke_json(const std::string& id, const std::string& tower, double confidence,
                       double lon, double lat) {
  return R"({"id":")" + id + R"(","source":"test","observedAt":")" + now_rfc3339() +
         R"(","position":{"x":)" + std::to_string(lon) + R"(,"y":)" + std::to_string(lat) +
         R"(},"smokeDetection":{"towerId":")" + tower + R"(","confidence":)" +
         std::to_string(confidence) + "}}";
}

constexpr const char* kFeed = "quanyu-demo-feed";
constexpr const char* kDuty = "quanyu-demo-duty";
constexpr const char* kYuzhong = "quanyu-demo-yuzhong";  // subcentre of 渝中区 and 南岸区

TEST_F(ApiTest, IngestAcceptsOneObjectAnArrayOrABatchAndCountsDuplicates) {
  auto r = send("POST", "/api/v1/observations", smoke_json("o1", "t1", 0.7, 107.25, 29.70), kFeed);
  EXPECT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(r.body, R"({"accepted":1,"duplicates":0})");
  r = send("POST", "/api/v1/observations",
           "[" + smoke_json("o1", "t1", 0.7, 107.25, 29.70) + "," +
               smoke_json("o2", "t2", 0.8, 107.251, 29.70) + "," +
               smoke_json("o2", "t2", 0.8, 107.251, 29.70) + "]",
           kFeed);
  EXPECT_EQ(r.body, R"({"accepted":1,"duplicates":2})");
  r = send("POST", "/api/v1/observations",
           R"({"observations":[)" + smoke_json("o3", "t3", 0.6, 107.252, 29.70) + "]}", kFeed);
  EXPECT_EQ(r.body, R"({"accepted":1,"duplicates":0})");
  // Protobuf.
  v1::ObservationBatch batch;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(
          R"({"observations":[)" + smoke_json("o4", "t4", 0.6, 107.25, 29.701) + "]}", &batch)
          .ok());
  r = send("POST", "/api/v1/observations", batch.SerializeAsString(), kFeed,
           "application/x-protobuf");
  EXPECT_EQ(r.body, R"({"accepted":1,"duplicates":0})");

  const auto incidents = get("/api/v1/incidents", kDuty);
  EXPECT_EQ(incidents.content_type, "application/geo+json");
  EXPECT_THAT(incidents.body, testing::HasSubstr(R"("id":"INC-000001")"));
  EXPECT_THAT(incidents.body, testing::Not(testing::HasSubstr("INC-000002")));  // all fused
  const auto fire = parse<v1::Incident>(get("/api/v1/incidents/INC-000001", kDuty));
  EXPECT_EQ(fire.evidence_size(), 4);
  EXPECT_EQ(fire.district().name(), "涪陵区");
}

TEST_F(ApiTest, IngestRefusalsNameTheFieldAndIndexAndApplyNothing) {
  auto r = send("POST", "/api/v1/observations",
                "[" + smoke_json("ok1", "t1", 0.7, 107.25, 29.70) + "," +
                    smoke_json("bad", "t1", 1.7, 107.25, 29.70) + "]",
                kFeed);
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(r.body, testing::HasSubstr(R"("code":"invalid_observation")"));
  EXPECT_THAT(r.body, testing::HasSubstr("smokeDetection.confidence"));
  EXPECT_THAT(r.body, testing::HasSubstr(R"("index":1)"));
  EXPECT_THAT(get("/api/v1/incidents", kDuty).body, testing::HasSubstr(R"("features":[])"));

  EXPECT_EQ(send("POST", "/api/v1/observations", "{", kFeed).status, 400);
  EXPECT_EQ(send("POST", "/api/v1/observations", "[]", kFeed).status, 400);
  EXPECT_EQ(send("POST", "/api/v1/observations", R"({"nonsense":1})", kFeed).status, 400);
  EXPECT_EQ(send("POST", "/api/v1/observations", "x", kFeed, "text/plain").status, 415);
  EXPECT_EQ(
      send("POST", "/api/v1/observations", "\x01\x02", kFeed, "application/x-protobuf").status,
      400);
  // Roles: only feed and admin ingest; a feed reads nothing.
  EXPECT_EQ(
      send("POST", "/api/v1/observations", smoke_json("x", "t", 0.5, 107, 29.7), kDuty).status,
      403);
  EXPECT_EQ(get("/api/v1/incidents", kFeed).status, 403);
  EXPECT_EQ(get("/api/v1/observations", kFeed).status, 405);
  // Every refusal is counted by reason.
  const auto metrics = get("/metrics", "");
  EXPECT_THAT(metrics.body,
              testing::HasSubstr(R"(quanyu_refusals_total{reason="invalid_observation"} 1)"));
  EXPECT_THAT(metrics.body,
              testing::HasSubstr(R"(quanyu_refusals_total{reason="unsupported_media_type"} 1)"));
  EXPECT_THAT(metrics.body, testing::HasSubstr(R"(quanyu_refusals_total{reason="forbidden"} 2)"));
}

TEST_F(ApiTest, LifecycleOverRest) {
  const auto open_gauge = [&] {
    const auto body = get("/metrics", "").body;
    const auto at = body.find("\nquanyu_open_incidents ");
    return at == std::string::npos ? std::string("missing")
                                   : body.substr(at + 23, body.find('\n', at + 1) - at - 23);
  };
  EXPECT_EQ(open_gauge(), "0");
  send("POST", "/api/v1/observations", smoke_json("f1", "t1", 0.7, 107.25, 29.70), kFeed);
  EXPECT_EQ(open_gauge(), "1");
  auto r = send("POST", "/api/v1/incidents/INC-000001/close", "", kDuty);
  EXPECT_EQ(r.status, 409) << r.body;  // acknowledge first
  EXPECT_EQ(send("POST", "/api/v1/incidents/INC-000001/ack", "", "quanyu-demo-wall").status, 403);
  r = send("POST", "/api/v1/incidents/INC-000001/ack", R"({"note":"收到"})", kDuty);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(parse<v1::Incident>(r).status(), v1::INCIDENT_STATUS_ACKNOWLEDGED);

  r = send("POST", "/api/v1/incidents/INC-000001/tasks", "", kDuty);  // 一键派发核查任务
  ASSERT_EQ(r.status, 201) << r.body;
  const auto task = parse<v1::Task>(r);
  EXPECT_EQ(task.kind(), v1::TASK_KIND_VERIFY);
  EXPECT_FALSE(task.resource_id().empty());
  const auto tasks = get("/api/v1/tasks?state=dispatched", kDuty);
  EXPECT_THAT(tasks.body, testing::HasSubstr(task.id()));

  r = send("PATCH", "/api/v1/tasks/" + task.id(), R"({"state":"TASK_STATE_ACCEPTED"})", kDuty);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(parse<v1::Task>(r).state(), v1::TASK_STATE_ACCEPTED);
  EXPECT_EQ(
      send("PATCH", "/api/v1/tasks/" + task.id(), R"({"state":"TASK_STATE_DISPATCHED"})", kDuty)
          .status,
      409);
  EXPECT_EQ(send("PATCH", "/api/v1/tasks/TASK-999", R"({"state":"TASK_STATE_DONE"})", kDuty).status,
            404);
  r = send("POST", "/api/v1/incidents/INC-000001/severity", R"({"severity":"SEVERITY_RED"})",
           kDuty);
  EXPECT_EQ(parse<v1::Incident>(r).severity(), v1::SEVERITY_RED);
  EXPECT_EQ(open_gauge(), "1");  // acknowledged and dispatched are still open
  r = send("POST", "/api/v1/incidents/INC-000001/close", R"({"note":"销号"})", kDuty);
  EXPECT_EQ(parse<v1::Incident>(r).status(), v1::INCIDENT_STATUS_CLOSED);
  EXPECT_EQ(open_gauge(), "0");
  EXPECT_EQ(send("POST", "/api/v1/incidents/INC-000001/explode", "", kDuty).status, 404);
  EXPECT_EQ(send("POST", "/api/v1/incidents/INC-000001/ack", "note", kDuty, "text/plain").status,
            415);

  const auto kpis = parse<v1::Kpis>(get("/api/v1/kpis", kDuty));
  EXPECT_EQ(kpis.open_tasks(), 0U);
  EXPECT_GT(kpis.mean_time_to_acknowledge_s(), 0.0);
}

TEST_F(ApiTest, SubcentreSeesAndCommandsOnlyItsDistricts) {
  // One fire in 涪陵区, one security alarm in 渝中区.
  send("POST", "/api/v1/observations", smoke_json("f1", "t1", 0.7, 107.25, 29.70), kFeed);
  send(
      "POST", "/api/v1/observations",
      R"({"id":"c1","source":"cam","observedAt":")" + now_rfc3339() +
          R"(","position":{"x":106.5775,"y":29.5574},"cameraAlarm":{"cameraId":"cam-jfb","type":"TYPE_INTRUSION","priority":2}})",
      kFeed);
  const auto all = get("/api/v1/incidents", kDuty);
  EXPECT_THAT(all.body, testing::HasSubstr("INC-000001"));
  EXPECT_THAT(all.body, testing::HasSubstr("INC-000002"));
  const auto mine = get("/api/v1/incidents", kYuzhong);
  EXPECT_THAT(mine.body, testing::Not(testing::HasSubstr("INC-000001")));
  EXPECT_THAT(mine.body, testing::HasSubstr("INC-000002"));
  EXPECT_EQ(get("/api/v1/incidents/INC-000001", kYuzhong).status, 404);
  EXPECT_EQ(send("POST", "/api/v1/incidents/INC-000001/ack", "", kYuzhong).status, 404);
  EXPECT_EQ(send("POST", "/api/v1/incidents/INC-000002/ack", "", kYuzhong).status, 200);
  const auto kpis = parse<v1::Kpis>(get("/api/v1/kpis", kYuzhong));
  ASSERT_EQ(kpis.open_incidents_size(), 1);
  EXPECT_EQ(kpis.open_incidents(0).adcode(), "500103");
}

TEST_F(ApiTest, IncidentFilters) {
  send("POST", "/api/v1/observations", smoke_json("f1", "t1", 0.3, 107.25, 29.70), kFeed);
  send(
      "POST", "/api/v1/observations",
      R"({"id":"c1","source":"cam","observedAt":")" + now_rfc3339() +
          R"(","position":{"x":106.5775,"y":29.5574},"cameraAlarm":{"cameraId":"cam-jfb","type":"TYPE_INTRUSION","priority":1}})",
      kFeed);
  EXPECT_THAT(get("/api/v1/incidents?kind=fire", kDuty).body,
              testing::Not(testing::HasSubstr("INC-000002")));
  EXPECT_THAT(get("/api/v1/incidents?kind=security", kDuty).body,
              testing::Not(testing::HasSubstr("INC-000001")));
  EXPECT_THAT(get("/api/v1/incidents?minSeverity=orange", kDuty).body,
              testing::Not(testing::HasSubstr("INC-000001")));
  EXPECT_THAT(get("/api/v1/incidents?district=500102", kDuty).body,
              testing::HasSubstr("INC-000001"));
  EXPECT_THAT(get("/api/v1/incidents?bbox=106.5,29.5,106.6,29.6", kDuty).body,
              testing::Not(testing::HasSubstr("INC-000001")));
  EXPECT_THAT(get("/api/v1/incidents?status=closed", kDuty).body,
              testing::HasSubstr(R"("features":[])"));
  EXPECT_EQ(get("/api/v1/incidents?status=burning", kDuty).status, 400);
  EXPECT_EQ(get("/api/v1/incidents?kind=volcano", kDuty).status, 400);
  EXPECT_EQ(get("/api/v1/incidents?minSeverity=purple", kDuty).status, 400);
}

}  // namespace
}  // namespace quanyu::server::http

namespace quanyu::server::http {
namespace {

TEST_F(ApiTest, FeedsOverTheirRateGet429WithRetryAfter) {
  config_->feed_rate_per_s = 1.0;
  config_->feed_burst = 2.0;
  auto body = [](int n) { return smoke_json("rate-" + std::to_string(n), "t", 0.5, 107.25, 29.7); };
  EXPECT_EQ(send("POST", "/api/v1/observations", body(1), kFeed).status, 202);
  EXPECT_EQ(send("POST", "/api/v1/observations", body(2), kFeed).status, 202);
  const auto refused = send("POST", "/api/v1/observations", body(3), kFeed);
  EXPECT_EQ(refused.status, 429);
  EXPECT_THAT(refused.body, testing::HasSubstr("rate_limited"));
  ASSERT_EQ(refused.headers.size(), 1U);
  EXPECT_EQ(refused.headers[0].first, "Retry-After");
  // Another token has its own budget.
  EXPECT_EQ(send("POST", "/api/v1/observations", body(4), "quanyu-demo-admin").status, 202);
  config_->feed_rate_per_s = 0.0;
}

// The sink every feed adapter stores through: a message is taken whole or not at all, and a
// device sending only bad messages cannot flood the log.
TEST_F(ApiTest, FeedSinkTakesAMessageWholeOrNotAtAll) {
  FeedMetrics metrics;
  FeedSink sink(*engine_, metrics, Feed::mqtt);
  v1::Observation good;
  good.set_id("sink-1");
  good.set_source("mqtt:test");
  *good.mutable_observed_at() = google::protobuf::util::TimeUtil::GetCurrentTime();
  good.mutable_gauge_reading()->set_gauge_id("WG-0060105001");
  good.mutable_gauge_reading()->set_water_level_m(208.5);
  v1::Observation bad = good;
  bad.set_id("sink-2");
  bad.mutable_gauge_reading()->set_rainfall_mm(-1);

  std::optional<SubmitOutcome> outcome;
  sink.submit({good, bad}, "mqtt:test", [&](const SubmitOutcome& o) { outcome = o; });
  ASSERT_TRUE(outcome);  // a refusal is answered at once, before anything reaches the engine
  EXPECT_EQ(outcome->result, FeedResult::refused);
  EXPECT_THAT(outcome->error, testing::HasSubstr("observation 2 of 2: gaugeReading.rainfallMm"));
  EXPECT_EQ(metrics.value(Feed::mqtt, FeedResult::refused), 1U);
  EXPECT_THAT(get("/api/v1/incidents").body, testing::HasSubstr(R"("features":[])"));

  outcome.reset();
  sink.submit({good}, "mqtt:test", [&](const SubmitOutcome& o) { outcome = o; });
  for (int i = 0; !outcome && i < 10'000; ++i) {
    if (ioc_.run_for(std::chrono::milliseconds(1)) == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ioc_.restart();
  }
  ASSERT_TRUE(outcome);
  EXPECT_EQ(outcome->result, FeedResult::accepted);
  EXPECT_EQ(outcome->accepted, 1U);
  EXPECT_EQ(metrics.value(Feed::mqtt, FeedResult::accepted), 1U);
  EXPECT_THAT(metrics.render(),
              testing::HasSubstr(R"(quanyu_feed_observations_total{feed="mqtt"} 1)"));

  // Nothing to store: counted as ignored and answered at once.
  outcome.reset();
  sink.submit({}, "mqtt:test", [&](const SubmitOutcome& o) { outcome = o; });
  ASSERT_TRUE(outcome);
  EXPECT_EQ(outcome->result, FeedResult::ignored);

  // At most kLogBurst problem lines a second; the rest are counted, not logged.
  int logged = 0;
  std::uint64_t suppressed = 0;
  for (int i = 0; i < FeedSink::kLogBurst + 10; ++i) logged += sink.may_log(suppressed) ? 1 : 0;
  EXPECT_LE(logged, FeedSink::kLogBurst);
  EXPECT_GE(logged, 1);
}

}  // namespace
}  // namespace quanyu::server::http

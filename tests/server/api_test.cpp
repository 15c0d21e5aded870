// The HTTP API v1 routes, in-process, over the shipped configuration and layers.
#include "server/http/api.hpp"
#include "server/http/static_files.hpp"

#include <google/protobuf/util/json_util.h>

#include "gtest_include.hpp"
#include "quanyu/v1/layer.pb.h"
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

  Response get(const std::string& target, const std::string& token = "quanyu-demo-wall") const {
    Request request;
    request.method = "GET";
    request.target = target;
    if (!token.empty()) request.headers["authorization"] = "Bearer " + token;
    return Api(*config_, *layers_).handle(request);
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
  Request post;
  post.method = "POST";
  post.target = "/api/v1/layers";
  post.headers["authorization"] = "Bearer quanyu-demo-admin";
  EXPECT_EQ(Api(*config_, *layers_).handle(post).status, 405);
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

TEST(StaticFiles, RootDescribesTheServiceUntilTheClientIsBuilt) {
  Config config = load_config(test::config_dir() + "/quanyu.yaml");
  config.web_root = "/nonexistent/dist";
  const auto layers = gis::LayerSet::load(config.layers, {config.gis.jurisdiction_tolerance_m});
  Request request;
  request.method = "GET";
  request.target = "/";
  const auto response = Api(config, *layers).handle(request);
  EXPECT_EQ(response.status, 200);
  EXPECT_THAT(response.body, testing::HasSubstr("not built: no index.html in /nonexistent/dist"));
  request.target = "/nothing.html";
  EXPECT_EQ(Api(config, *layers).handle(request).status, 404);
}

}  // namespace
}  // namespace quanyu::server::http

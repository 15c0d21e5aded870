// RFC 7946 output: structure, coordinates, escaping and the bbox/property filters.
#include "gis/geojson/geojson_writer.hpp"

#include <cmath>

#include "gtest_include.hpp"

namespace quanyu::gis {
namespace {

Layer sample_layer() {
  Layer layer;
  layer.name = "demo";
  Feature gauge;
  gauge.id = "WG-1";
  gauge.geometry = LonLat{106.5500000, 29.5666666666};
  gauge.properties = {{"kind", std::string("water_gauge")},
                      {"name", std::string("寸滩\"站\"\n")},
                      {"warningLevelM", 180.5},
                      {"count", std::int64_t{3}},
                      {"active", true},
                      {"note", std::monostate{}},
                      {"center", std::vector<double>{106.5, 29.5}}};
  Feature area;
  area.id = "A";
  area.geometry = MultiPolygon{Polygon{{Ring{{108, 30}, {109, 30}, {109, 31}, {108, 30}}}}};
  area.properties = {{"kind", std::string("district")}};
  Feature river;
  river.id = "R";
  river.geometry = MultiLineString{{{105, 29}, {106, 29.5}}, {{107, 30}, {107.5, 30.1}}};
  layer.features = {gauge, area, river};
  return layer;
}

TEST(GeoJsonWriter, WritesAFeatureCollectionWithBboxIdsAndTypedProperties) {
  const std::string json = to_geojson(sample_layer());
  EXPECT_THAT(json, testing::StartsWith(
                        R"({"type":"FeatureCollection","name":"demo","bbox":[105,29,109,31],)"));
  EXPECT_THAT(
      json,
      testing::HasSubstr(
          R"({"type":"Feature","id":"WG-1","geometry":{"type":"Point","coordinates":[106.55,29.5666667]})"));
  EXPECT_THAT(json, testing::HasSubstr(R"("name":"寸滩\"站\"\n")"));
  EXPECT_THAT(json, testing::HasSubstr(R"("warningLevelM":180.5)"));
  EXPECT_THAT(json, testing::HasSubstr(R"("count":3)"));
  EXPECT_THAT(json, testing::HasSubstr(R"("active":true)"));
  EXPECT_THAT(json, testing::HasSubstr(R"("note":null)"));
  EXPECT_THAT(json, testing::HasSubstr(R"("center":[106.5,29.5])"));
  EXPECT_THAT(json,
              testing::HasSubstr(
                  R"({"type":"Polygon","coordinates":[[[108,30],[109,30],[109,31],[108,30]]]})"));
  EXPECT_THAT(
      json,
      testing::HasSubstr(
          R"({"type":"MultiLineString","coordinates":[[[105,29],[106,29.5]],[[107,30],[107.5,30.1]]]})"));
}

TEST(GeoJsonWriter, FiltersByBboxAndProperties) {
  const Layer layer = sample_layer();
  FeatureFilter box;
  box.bbox = BBox{108.5, 30.5, 110, 32};
  const std::string boxed = to_geojson(layer, box);
  EXPECT_THAT(boxed, testing::HasSubstr(R"("id":"A")"));
  EXPECT_THAT(boxed, testing::Not(testing::HasSubstr(R"("id":"WG-1")")));
  EXPECT_THAT(boxed, testing::HasSubstr(R"("bbox":[108,30,109,31])"));  // of what was returned

  FeatureFilter kind;
  kind.properties = {{"kind", {"water_gauge", "river"}}};
  const std::string kinds = to_geojson(layer, kind);
  EXPECT_THAT(kinds, testing::HasSubstr(R"("id":"WG-1")"));
  EXPECT_THAT(kinds, testing::Not(testing::HasSubstr(R"("id":"A")")));
  EXPECT_THAT(kinds, testing::Not(testing::HasSubstr(R"("id":"R")")));  // has no `kind`

  FeatureFilter numeric;  // numbers compare by their text form
  numeric.properties = {{"warningLevelM", {"180.5"}}};
  EXPECT_THAT(to_geojson(layer, numeric), testing::HasSubstr(R"("id":"WG-1")"));

  FeatureFilter none;
  none.properties = {{"kind", {"volcano"}}};
  EXPECT_EQ(to_geojson(layer, none), R"({"type":"FeatureCollection","name":"demo","features":[]})");

  FeatureFilter limit;
  limit.limit = 2;
  const std::string limited = to_geojson(layer, limit);
  EXPECT_THAT(limited, testing::HasSubstr(R"("id":"A")"));
  EXPECT_THAT(limited, testing::Not(testing::HasSubstr(R"("id":"R")")));
}

TEST(GeoJsonWriter, EscapesControlCharactersAndFormatsCoordinates) {
  std::string out;
  append_json_string(out, std::string("a\x01\tb\\", 5));
  EXPECT_EQ(out, R"("a\u0001\tb\\")");
  out.clear();
  append_coordinate(out, -0.00000001);
  EXPECT_EQ(out, "0");
  out.clear();
  append_coordinate(out, 106.123456789);
  EXPECT_EQ(out, "106.1234568");
  out.clear();
  append_coordinate(out, std::nan(""));
  EXPECT_EQ(out, "null");
}

}  // namespace
}  // namespace quanyu::gis

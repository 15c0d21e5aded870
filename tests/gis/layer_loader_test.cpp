// Loading layers through GDAL: repair, CRS conversion, formats, and the clear start-up errors.
#include "gis/layers/layer_loader.hpp"

#include <gdal_priv.h>
#include <gdal_utils.h>

#include <cmath>
#include <set>

#include "gis/crs/gcj02.hpp"
#include "gtest_include.hpp"
#include "test_support.hpp"

namespace quanyu::gis {
namespace {

using test::TempDir;

LayerSpec districts_spec(const std::string& source = test::districts_path()) {
  LayerSpec spec;
  spec.name = "districts";
  spec.role = LayerRole::jurisdiction;
  spec.source = source;
  spec.fields = {{"adcode", "adcode"}, {"name", "name"}};
  return spec;
}

/// Runs ogr2ogr in-process (GDALVectorTranslate) with the given arguments.
void translate(const std::string& destination, const std::string& source,
               std::vector<std::string> arguments) {
  GDALAllRegister();
  std::vector<char*> argv;
  for (auto& a : arguments) argv.push_back(a.data());
  argv.push_back(nullptr);
  GDALVectorTranslateOptions* options = GDALVectorTranslateOptionsNew(argv.data(), nullptr);
  ASSERT_NE(options, nullptr);
  GDALDatasetH input = GDALOpenEx(source.c_str(), GDAL_OF_VECTOR, nullptr, nullptr, nullptr);
  ASSERT_NE(input, nullptr);
  int usage_error = 0;
  GDALDatasetH output =
      GDALVectorTranslate(destination.c_str(), nullptr, 1, &input, options, &usage_error);
  GDALVectorTranslateOptionsFree(options);
  ASSERT_NE(output, nullptr) << CPLGetLastErrorMsg();
  GDALClose(output);
  GDALClose(input);
}

std::string expect_layer_error(const LayerSpec& spec) {
  try {
    (void)load_layer(spec);
  } catch (const LayerError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a LayerError for " << spec.source;
  return {};
}

const Feature& by_id(const Layer& layer, const std::string& id) {
  for (const auto& f : layer.features) {
    if (f.id == id) return f;
  }
  throw std::runtime_error("no feature " + id);
}

TEST(LayerLoader, ChongqingLoadsWholeWithTheSevenInvalidDistrictsRepaired) {
  const Layer layer = load_layer(districts_spec());
  EXPECT_EQ(layer.features.size(), 38U);
  EXPECT_EQ(layer.stats.read, 38U);
  EXPECT_EQ(layer.stats.repaired, 7U);
  EXPECT_EQ(layer.stats.skipped, 0U);
  EXPECT_EQ(layer.source_crs, "EPSG:4326");
  // Chongqing spans roughly 105.3E-110.2E, 28.2N-32.2N.
  EXPECT_NEAR(layer.extent.min_lon, 105.29, 0.05);
  EXPECT_NEAR(layer.extent.max_lon, 110.19, 0.05);
  EXPECT_NEAR(layer.extent.min_lat, 28.16, 0.05);
  EXPECT_NEAR(layer.extent.max_lat, 32.20, 0.05);
  std::set<std::string> ids;
  for (const auto& f : layer.features) {
    ids.insert(f.id);
    ASSERT_TRUE(std::holds_alternative<MultiPolygon>(f.geometry)) << f.id;
    for (const auto& polygon : std::get<MultiPolygon>(f.geometry)) {
      for (const auto& ring : polygon.rings) {
        ASSERT_GE(ring.size(), 4U);
        EXPECT_EQ(ring.front(), ring.back()) << "ring of " << f.id << " not closed";
      }
    }
  }
  EXPECT_EQ(ids.size(), 38U);
  EXPECT_EQ(to_text(*layer.field(by_id(layer, "500104"), "name")), "大渡口区");
}

TEST(LayerLoader, RepairKeepsTheAreaOfSelfIntersectingDistricts) {
  // 大渡口区 is one of the self-intersecting seven: after repair it must still cover its own
  // label point, with an exterior ring oriented counter-clockwise (RFC 7946).
  const Layer layer = load_layer(districts_spec());
  const auto& area = std::get<MultiPolygon>(by_id(layer, "500104").geometry);
  ASSERT_FALSE(area.empty());
  double twice_area = 0;
  const auto& ring = area.front().rings.front();
  for (std::size_t i = 0; i + 1 < ring.size(); ++i) {
    twice_area += ring[i].lon * ring[i + 1].lat - ring[i + 1].lon * ring[i].lat;
  }
  EXPECT_GT(twice_area, 0.0) << "exterior ring must be counter-clockwise";
}

TEST(LayerLoader, MissingFileNamesTheFileAndLayer) {
  const std::string message = expect_layer_error(districts_spec("/nonexistent/districts.geojson"));
  EXPECT_THAT(message, testing::HasSubstr("/nonexistent/districts.geojson"));
  EXPECT_THAT(message, testing::HasSubstr("layer 'districts'"));
  EXPECT_THAT(message, testing::HasSubstr("cannot open"));
  EXPECT_EQ(message.find('\n'), std::string::npos) << "one line";
}

TEST(LayerLoader, MissingFieldNamesFileLayerAndField) {
  auto spec = districts_spec();
  spec.fields["adcode"] = "code";
  const std::string message = expect_layer_error(spec);
  EXPECT_THAT(message, testing::HasSubstr("chongqing-districts.geojson"));
  EXPECT_THAT(message, testing::HasSubstr("layer 'districts'"));
  EXPECT_THAT(message, testing::HasSubstr("field 'code' (for 'adcode') not found"));
  EXPECT_THAT(message, testing::HasSubstr("adcode, name, center"));  // what the layer does have
}

TEST(LayerLoader, OptionalFieldNamedInTheConfigMustExist) {
  TempDir dir;
  test::write_file(dir / "s.geojson",
                   R"({"type":"FeatureCollection","features":[{"type":"Feature","properties":)"
                   R"({"id":"g1","kind":"water_gauge"},"geometry":{"type":"Point",)"
                   R"("coordinates":[106.5,29.5]}}]})");
  LayerSpec spec{"sensors", LayerRole::sensor, (dir / "s.geojson").string(), "", "", {}};
  EXPECT_EQ(load_layer(spec).features.size(), 1U);  // optional fields may be absent...
  spec.fields["warningLevelM"] = "warn";
  EXPECT_THAT(expect_layer_error(spec), testing::HasSubstr("field 'warn' (for 'warningLevelM')"));
}

TEST(LayerLoader, NonPolygonJurisdictionIsRefused) {
  TempDir dir;
  test::write_file(dir / "points.geojson",
                   R"({"type":"FeatureCollection","features":[{"type":"Feature","properties":)"
                   R"({"adcode":"500101","name":"万州区"},"geometry":{"type":"Point",)"
                   R"("coordinates":[108.4,30.8]}}]})");
  const std::string message = expect_layer_error(districts_spec((dir / "points.geojson").string()));
  EXPECT_THAT(message, testing::HasSubstr("points.geojson"));
  EXPECT_THAT(message, testing::HasSubstr("Point"));
  EXPECT_THAT(message, testing::HasSubstr("needs Polygon or MultiPolygon"));
}

TEST(LayerLoader, UnknownSourceLayerListsTheLayersThere) {
  auto spec = districts_spec();
  spec.layer = "counties";
  const std::string message = expect_layer_error(spec);
  EXPECT_THAT(message, testing::HasSubstr("source layer 'counties' not found"));
}

TEST(LayerLoader, UnknownCrsOverrideIsRefused) {
  auto spec = districts_spec();
  spec.crs = "EPSG:999999";
  EXPECT_THAT(expect_layer_error(spec), testing::HasSubstr("crs 'EPSG:999999'"));
}

TEST(LayerLoader, UnrepairableGeometryIsSkippedAndCounted) {
  TempDir dir;
  // A zero-area "polygon" (all points on one line) has nothing to repair into.
  test::write_file(
      dir / "d.geojson",
      R"({"type":"FeatureCollection","features":[)"
      R"({"type":"Feature","properties":{"adcode":"500101","name":"甲"},"geometry":{"type":"Polygon","coordinates":[[[106,29],[107,29],[107,30],[106,30],[106,29]]]}},)"
      R"({"type":"Feature","properties":{"adcode":"500102","name":"乙"},"geometry":{"type":"Polygon","coordinates":[[[106,29],[106.5,29],[107,29],[106,29]]]}},)"
      R"({"type":"Feature","properties":{"adcode":"500103","name":"丙"},"geometry":null}]})");
  const Layer layer = load_layer(districts_spec((dir / "d.geojson").string()));
  EXPECT_EQ(layer.features.size(), 1U);
  EXPECT_EQ(layer.stats.read, 3U);
  EXPECT_EQ(layer.stats.skipped, 2U);
}

TEST(LayerLoader, GeoPackageAndShapefileLoadLikeGeoJson) {
  TempDir dir;
  const Layer reference = load_layer(districts_spec());
  for (const std::string name : {"d.gpkg", "d.shp"}) {
    const std::string path = (dir / name).string();
    if (name.ends_with(".gpkg")) {
      translate(path, test::districts_path(), {"-f", "GPKG"});
    } else {
      translate(path, test::districts_path(), {"-f", "ESRI Shapefile", "-lco", "ENCODING=UTF-8"});
    }
    const Layer layer = load_layer(districts_spec(path));
    EXPECT_EQ(layer.features.size(), 38U) << name;
    EXPECT_EQ(layer.stats.repaired, 7U) << name;
    EXPECT_NEAR(layer.extent.min_lon, reference.extent.min_lon, 1e-9) << name;
    EXPECT_EQ(to_text(*layer.field(by_id(layer, "500116"), "name")), "江津区") << name;
  }
}

TEST(LayerLoader, ProjectedSourceIsConvertedBackToLonLat) {
  // The districts reprojected to CGCS2000 3-degree Gauss-Kruger CM 108E (EPSG:4545) must come
  // back to the same lon/lat within a millimetre-scale tolerance.
  TempDir dir;
  const std::string path = (dir / "d4545.gpkg").string();
  translate(path, test::districts_path(), {"-f", "GPKG", "-t_srs", "EPSG:4545"});
  const Layer projected = load_layer(districts_spec(path));
  const Layer reference = load_layer(districts_spec());
  EXPECT_EQ(projected.source_crs, "EPSG:4545");
  EXPECT_NEAR(projected.extent.min_lon, reference.extent.min_lon, 1e-7);
  EXPECT_NEAR(projected.extent.max_lat, reference.extent.max_lat, 1e-7);
}

TEST(LayerLoader, Gcj02SourceIsUnshifted) {
  TempDir dir;
  const LonLat wgs{106.5516, 29.5630};  // 解放碑, 渝中区
  const LonLat gcj = gcj02_from_wgs84(wgs);
  test::write_file(dir / "r.geojson",
                   R"({"type":"FeatureCollection","features":[{"type":"Feature","properties":)"
                   R"({"id":"t1","name":"队","kind":"rescue_team","capacity":30},"geometry":)"
                   R"({"type":"Point","coordinates":[)" +
                       std::to_string(gcj.lon) + "," + std::to_string(gcj.lat) + "]}}]}");
  LayerSpec spec{"resources", LayerRole::resource, (dir / "r.geojson").string(), "", "GCJ-02", {}};
  const Layer layer = load_layer(spec);
  ASSERT_EQ(layer.features.size(), 1U);
  EXPECT_EQ(layer.source_crs, "GCJ-02");
  const auto p = std::get<LonLat>(layer.features[0].geometry);
  EXPECT_NEAR(p.lon, wgs.lon, 2e-6);  // std::to_string keeps 6 decimals
  EXPECT_NEAR(p.lat, wgs.lat, 2e-6);
}

TEST(LayerLoader, DuplicateIdsAreSkipped) {
  TempDir dir;
  const std::string point = R"({"type":"Feature","properties":{"id":"g1","kind":"water_gauge"},)"
                            R"("geometry":{"type":"Point","coordinates":[106.5,29.5]}})";
  test::write_file(dir / "s.geojson",
                   R"({"type":"FeatureCollection","features":[)" + point + "," + point + "]}");
  const Layer layer =
      load_layer({"sensors", LayerRole::sensor, (dir / "s.geojson").string(), "", "", {}});
  EXPECT_EQ(layer.features.size(), 1U);
  EXPECT_EQ(layer.stats.skipped, 1U);
}

}  // namespace
}  // namespace quanyu::gis

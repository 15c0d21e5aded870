#include "gis/layers/layer_loader.hpp"

#include <gdal_priv.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>

#include "gis/crs/gcj02.hpp"

namespace quanyu::gis {
namespace {

void register_gdal_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    GDALAllRegister();
    // GDAL's own messages reach our log through the loader's errors; keep them off stderr.
    CPLSetErrorHandler(CPLQuietErrorHandler);
  });
}

struct OgrGeometryDeleter {
  void operator()(OGRGeometry* geometry) const { OGRGeometryFactory::destroyGeometry(geometry); }
};
using OgrGeometryPtr = std::unique_ptr<OGRGeometry, OgrGeometryDeleter>;

struct TransformDeleter {
  void operator()(OGRCoordinateTransformation* ct) const {
    OGRCoordinateTransformation::DestroyCT(ct);
  }
};
using TransformPtr = std::unique_ptr<OGRCoordinateTransformation, TransformDeleter>;

/// "file.geojson: layer 'districts' (jurisdiction): ..." — every start-up error names both.
std::string where(const LayerSpec& spec) {
  std::string text = spec.source;
  // A PostGIS connection string may carry a password: name only its database part.
  if (text.rfind("PG:", 0) == 0) {
    std::istringstream words(text.substr(3));
    std::string word;
    std::string kept;
    while (words >> word) {
      if (word.rfind("password", 0) == 0) continue;
      kept += (kept.empty() ? "" : " ") + word;
    }
    text = "PG:" + kept;
  }
  return text + ": layer '" + spec.name + "' (" + to_string(spec.role) + ")";
}

std::string last_gdal_error() {
  const char* message = CPLGetLastErrorMsg();
  return message != nullptr && *message != '\0' ? message : "unknown GDAL error";
}

bool is_polygonal(OGRwkbGeometryType type) {
  const auto flat = wkbFlatten(type);
  return flat == wkbPolygon || flat == wkbMultiPolygon || flat == wkbCurvePolygon ||
         flat == wkbMultiSurface;
}

/// The spec's name for a feature in warnings: its id and, where there is one, its name.
std::string describe(const LayerSpec& spec, const Feature& feature, GIntBig fid) {
  std::string text = "feature " + std::to_string(fid);
  if (!feature.id.empty()) text += " (id " + feature.id;
  const auto name_field = spec.fields.find("name");
  const auto name =
      feature.properties.find(name_field == spec.fields.end() ? "name" : name_field->second);
  if (name != feature.properties.end()) {
    text += (feature.id.empty() ? " (" : ", ") + to_text(name->second) + ")";
  } else if (!feature.id.empty()) {
    text += ")";
  }
  return text;
}

Properties read_properties(const OGRFeature& feature) {
  Properties properties;
  const OGRFeatureDefn* definition = feature.GetDefnRef();
  for (int i = 0; i < definition->GetFieldCount(); ++i) {
    const OGRFieldDefn* field = definition->GetFieldDefn(i);
    PropertyValue value;
    if (feature.IsFieldSetAndNotNull(i)) {
      switch (field->GetType()) {
        case OFTInteger:
          if (field->GetSubType() == OFSTBoolean) {
            value = feature.GetFieldAsInteger(i) != 0;
          } else {
            value = static_cast<std::int64_t>(feature.GetFieldAsInteger(i));
          }
          break;
        case OFTInteger64:
          value = static_cast<std::int64_t>(feature.GetFieldAsInteger64(i));
          break;
        case OFTReal:
          value = feature.GetFieldAsDouble(i);
          break;
        case OFTRealList: {
          int count = 0;
          const double* values = feature.GetFieldAsDoubleList(i, &count);
          value = std::vector<double>(values, values + count);
          break;
        }
        case OFTIntegerList: {
          int count = 0;
          const int* values = feature.GetFieldAsIntegerList(i, &count);
          value = std::vector<double>(values, values + count);
          break;
        }
        default:
          value = std::string(feature.GetFieldAsString(i));
          break;
      }
    }
    properties.emplace(field->GetNameRef(), std::move(value));
  }
  return properties;
}

/// Signed area (shoelace, in degrees²): positive for counter-clockwise rings.
double signed_area(const Ring& ring) {
  double twice = 0.0;
  for (std::size_t i = 0; i + 1 < ring.size(); ++i) {
    twice += ring[i].lon * ring[i + 1].lat - ring[i + 1].lon * ring[i].lat;
  }
  return twice / 2.0;
}

Ring read_ring(const OGRLinearRing& ring, bool exterior) {
  Ring out;
  out.reserve(static_cast<std::size_t>(ring.getNumPoints()) + 1);
  for (int i = 0; i < ring.getNumPoints(); ++i) out.push_back({ring.getX(i), ring.getY(i)});
  if (!out.empty() && !(out.front() == out.back())) out.push_back(out.front());
  // RFC 7946: exteriors counter-clockwise, holes clockwise.
  const double area = signed_area(out);
  if ((exterior && area < 0) || (!exterior && area > 0)) std::reverse(out.begin(), out.end());
  return out;
}

void append_polygon(const OGRPolygon& polygon, MultiPolygon& out) {
  if (polygon.IsEmpty()) return;
  Polygon converted;
  converted.rings.push_back(read_ring(*polygon.getExteriorRing(), true));
  for (int i = 0; i < polygon.getNumInteriorRings(); ++i) {
    converted.rings.push_back(read_ring(*polygon.getInteriorRing(i), false));
  }
  out.push_back(std::move(converted));
}

/// Collects the polygonal parts of any geometry (MakeValid may return a collection that also
/// holds lines or points where the input collapsed; those have no area and are dropped).
void collect_polygons(const OGRGeometry& geometry, MultiPolygon& out) {
  const auto flat = wkbFlatten(geometry.getGeometryType());
  if (flat == wkbPolygon) {
    append_polygon(*geometry.toPolygon(), out);
  } else if (flat == wkbMultiPolygon || flat == wkbGeometryCollection) {
    for (const OGRGeometry* part : *geometry.toGeometryCollection()) collect_polygons(*part, out);
  } else if (flat == wkbCurvePolygon || flat == wkbMultiSurface) {
    OgrGeometryPtr linear(geometry.getLinearGeometry());
    if (linear) collect_polygons(*linear, out);
  }
}

void collect_lines(const OGRGeometry& geometry, MultiLineString& out) {
  const auto flat = wkbFlatten(geometry.getGeometryType());
  if (flat == wkbLineString) {
    const OGRLineString* line = geometry.toLineString();
    LineString converted;
    for (int i = 0; i < line->getNumPoints(); ++i) {
      converted.push_back({line->getX(i), line->getY(i)});
    }
    if (converted.size() >= 2) out.push_back(std::move(converted));
  } else if (flat == wkbMultiLineString || flat == wkbGeometryCollection) {
    for (const OGRGeometry* part : *geometry.toGeometryCollection()) collect_lines(*part, out);
  }
}

Geometry convert(const OGRGeometry& geometry) {
  const auto flat = wkbFlatten(geometry.getGeometryType());
  if (flat == wkbPoint) {
    const OGRPoint* point = geometry.toPoint();
    return LonLat{point->getX(), point->getY()};
  }
  if (flat == wkbMultiPoint) {
    // A sensor or depot is one place: a multipoint of one point is common in exported data.
    const OGRMultiPoint* points = geometry.toMultiPoint();
    if (points->getNumGeometries() == 1) return convert(*points->getGeometryRef(0));
    return std::monostate{};
  }
  if (flat == wkbLineString || flat == wkbMultiLineString) {
    MultiLineString lines;
    collect_lines(geometry, lines);
    return lines;
  }
  MultiPolygon polygons;
  collect_polygons(geometry, polygons);
  if (polygons.empty()) return std::monostate{};
  return polygons;
}

void apply_gcj02_inverse(OGRGeometry& geometry) {
  struct Unshift : public OGRDefaultGeometryVisitor {
    using OGRDefaultGeometryVisitor::visit;
    void visit(OGRPoint* point) override {
      const LonLat wgs = wgs84_from_gcj02({point->getX(), point->getY()});
      point->setX(wgs.lon);
      point->setY(wgs.lat);
    }
  } unshift;
  geometry.accept(&unshift);
}

/// The layer's CRS as "AUTHORITY:CODE" where it has one, else its name.
std::string describe_crs(const OGRSpatialReference& srs) {
  const char* authority = srs.GetAuthorityName(nullptr);
  const char* code = srs.GetAuthorityCode(nullptr);
  if (authority != nullptr && code != nullptr) return std::string(authority) + ":" + code;
  const char* name = srs.GetName();
  return name != nullptr ? name : "unnamed CRS";
}

OGRLayer* open_layer(const LayerSpec& spec, GDALDataset& dataset) {
  if (spec.layer.empty()) {
    if (dataset.GetLayerCount() == 0) throw LayerError(where(spec) + ": the source has no layers");
    return dataset.GetLayer(0);
  }
  OGRLayer* layer = dataset.GetLayerByName(spec.layer.c_str());
  if (layer == nullptr) {
    std::string names;
    for (OGRLayer* candidate : dataset.GetLayers()) {
      names += (names.empty() ? "" : ", ") + std::string(candidate->GetName());
    }
    throw LayerError(where(spec) + ": source layer '" + spec.layer +
                     "' not found (it has: " + names + ")");
  }
  return layer;
}

/// Every logical field the role needs must exist in the source, under its mapped name.
void check_fields(const LayerSpec& spec, const OGRFeatureDefn& definition) {
  auto check = [&](const std::string& logical, bool required) {
    const auto mapped = spec.fields.find(logical);
    const bool explicitly_mapped = mapped != spec.fields.end();
    const std::string& source_name = explicitly_mapped ? mapped->second : logical;
    if (definition.GetFieldIndex(source_name.c_str()) >= 0) return;
    // An optional field the config does not mention may be absent; one it names may not.
    if (!required && !explicitly_mapped) return;
    std::string available;
    for (int i = 0; i < definition.GetFieldCount(); ++i) {
      available += (i == 0 ? "" : ", ") + std::string(definition.GetFieldDefn(i)->GetNameRef());
    }
    throw LayerError(where(spec) + ": field '" + source_name + "'" +
                     (source_name == logical ? "" : " (for '" + logical + "')") +
                     " not found; the layer has: " + (available.empty() ? "no fields" : available));
  };
  for (const auto& logical : required_fields(spec.role)) check(logical, true);
  for (const auto& logical : optional_fields(spec.role)) check(logical, false);
  for (const auto& [logical, source_name] : spec.fields) {
    const auto& required = required_fields(spec.role);
    const auto& optional = optional_fields(spec.role);
    if (std::find(required.begin(), required.end(), logical) == required.end() &&
        std::find(optional.begin(), optional.end(), logical) == optional.end()) {
      check(logical, true);  // an extra mapping the operator asked for: it must exist too
    }
  }
}

}  // namespace

const std::vector<std::string>& required_fields(LayerRole role) {
  static const std::vector<std::string> kJurisdiction{"adcode", "name"};
  static const std::vector<std::string> kResource{"id", "name", "kind", "capacity"};
  static const std::vector<std::string> kSensor{"id", "kind"};
  static const std::vector<std::string> kSensitive{"id", "name", "kind"};
  static const std::vector<std::string> kNone{};
  switch (role) {
    case LayerRole::jurisdiction:
      return kJurisdiction;
    case LayerRole::resource:
      return kResource;
    case LayerRole::sensor:
      return kSensor;
    case LayerRole::sensitive:
      return kSensitive;
    case LayerRole::basemap:
      return kNone;
  }
  return kNone;
}

const std::vector<std::string>& optional_fields(LayerRole role) {
  static const std::vector<std::string> kSensor{"name", "warningLevelM", "guaranteeLevelM",
                                                "mastHeightM", "stationCode"};
  static const std::vector<std::string> kSensitive{"riskClass"};
  static const std::vector<std::string> kNone{};
  switch (role) {
    case LayerRole::sensor:
      return kSensor;
    case LayerRole::sensitive:
      return kSensitive;
    default:
      return kNone;
  }
}

Layer load_layer(const LayerSpec& spec) {
  register_gdal_once();
  GDALDatasetUniquePtr dataset(
      GDALDataset::Open(spec.source.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
  if (!dataset) {
    throw LayerError(where(spec) + ": cannot open the source: " + last_gdal_error());
  }
  OGRLayer* source = open_layer(spec, *dataset);
  const OGRFeatureDefn& definition = *source->GetLayerDefn();
  check_fields(spec, definition);

  const auto declared_type = source->GetGeomType();
  if (spec.role == LayerRole::jurisdiction && wkbFlatten(declared_type) != wkbUnknown &&
      !is_polygonal(declared_type)) {
    throw LayerError(where(spec) + ": geometry type is " + OGRGeometryTypeToName(declared_type) +
                     ", a jurisdiction layer needs Polygon or MultiPolygon");
  }

  Layer layer;
  layer.name = spec.name;
  layer.role = spec.role;
  layer.source = spec.source;
  layer.fields = spec.fields;

  // CRS: the override, else the source's own, else lon/lat as GeoJSON (RFC 7946) assumes.
  const bool gcj02 = spec.crs == "GCJ-02" || spec.crs == "GCJ02" || spec.crs == "gcj02";
  OGRSpatialReference source_srs;
  source_srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  if (gcj02 || spec.crs.empty()) {
    const OGRSpatialReference* declared = source->GetSpatialRef();
    if (declared != nullptr && !gcj02) {
      source_srs = *declared;
      source_srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    } else {
      source_srs.importFromEPSG(4326);
    }
  } else if (source_srs.SetFromUserInput(spec.crs.c_str()) != OGRERR_NONE) {
    throw LayerError(where(spec) + ": crs '" + spec.crs + "' is not a CRS GDAL knows");
  }
  layer.source_crs = gcj02 ? "GCJ-02" : describe_crs(source_srs);

  OGRSpatialReference wgs84;
  wgs84.importFromEPSG(4326);
  wgs84.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  TransformPtr to_wgs84;
  if (!gcj02 && !source_srs.IsSame(&wgs84)) {
    to_wgs84.reset(OGRCreateCoordinateTransformation(&source_srs, &wgs84));
    if (!to_wgs84) {
      throw LayerError(where(spec) + ": no transformation from " + layer.source_crs +
                       " to EPSG:4326: " + last_gdal_error());
    }
  }

  const auto id_field = spec.fields.count("id") != 0 ? spec.fields.at("id") : std::string("id");
  const auto adcode_field =
      spec.fields.count("adcode") != 0 ? spec.fields.at("adcode") : std::string("adcode");
  const bool has_id = definition.GetFieldIndex(id_field.c_str()) >= 0;
  std::set<std::string> seen_ids;
  const char* make_valid_options[] = {"METHOD=STRUCTURE", nullptr};

  source->ResetReading();
  for (auto& ogr_feature : *source) {
    ++layer.stats.read;
    Feature feature;
    feature.properties = read_properties(*ogr_feature);
    if (spec.role == LayerRole::jurisdiction) {
      feature.id = to_text(feature.properties[adcode_field]);
    } else if (has_id) {
      feature.id = to_text(feature.properties[id_field]);
    }
    if (feature.id.empty()) feature.id = std::to_string(ogr_feature->GetFID());
    const std::string label = describe(spec, feature, ogr_feature->GetFID());

    if (!seen_ids.insert(feature.id).second) {
      spdlog::warn("{}: {} repeats id '{}': skipped", where(spec), label, feature.id);
      ++layer.stats.skipped;
      continue;
    }
    const OGRGeometry* raw = ogr_feature->GetGeometryRef();
    if (raw == nullptr || raw->IsEmpty()) {
      spdlog::warn("{}: {} has no geometry: skipped", where(spec), label);
      ++layer.stats.skipped;
      continue;
    }
    if (spec.role == LayerRole::jurisdiction && !is_polygonal(raw->getGeometryType())) {
      throw LayerError(where(spec) + ": " + label + " is a " + raw->getGeometryName() +
                       ", a jurisdiction layer needs Polygon or MultiPolygon");
    }
    OgrGeometryPtr geometry(raw->clone());
    if (is_polygonal(geometry->getGeometryType()) && !geometry->IsValid()) {
      OgrGeometryPtr repaired(geometry->MakeValid(make_valid_options));
      MultiPolygon parts;
      if (repaired) collect_polygons(*repaired, parts);
      if (parts.empty()) {
        spdlog::warn("{}: {} has an invalid geometry that cannot be repaired: skipped", where(spec),
                     label);
        ++layer.stats.skipped;
        continue;
      }
      spdlog::warn("{}: {} had an invalid geometry (self-intersection or bad ring): repaired",
                   where(spec), label);
      ++layer.stats.repaired;
      geometry = std::move(repaired);
    }
    if (gcj02) {
      apply_gcj02_inverse(*geometry);
    } else if (to_wgs84 && geometry->transform(to_wgs84.get()) != OGRERR_NONE) {
      spdlog::warn("{}: {} cannot be transformed from {} to EPSG:4326: skipped", where(spec), label,
                   layer.source_crs);
      ++layer.stats.skipped;
      continue;
    }
    feature.geometry = convert(*geometry);
    if (std::holds_alternative<std::monostate>(feature.geometry)) {
      spdlog::warn("{}: {} has an unsupported or degenerate {}: skipped", where(spec), label,
                   geometry->getGeometryName());
      ++layer.stats.skipped;
      continue;
    }
    layer.extent.expand(bounds(feature.geometry));
    layer.features.push_back(std::move(feature));
  }
  if (spec.role == LayerRole::jurisdiction && layer.features.empty()) {
    throw LayerError(where(spec) + ": no usable district polygons");
  }
  return layer;
}

}  // namespace quanyu::gis

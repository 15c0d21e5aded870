#include "gis/index/district_ref.hpp"

#include <cmath>

namespace quanyu::gis {

void to_district_ref(const JurisdictionMatch& match, v1::DistrictRef& out) {
  out.Clear();
  switch (match.kind) {
    case JurisdictionMatch::Kind::inside:
      out.set_match(v1::DistrictRef::MATCH_INSIDE);
      break;
    case JurisdictionMatch::Kind::nearest:
      out.set_match(v1::DistrictRef::MATCH_NEAREST);
      out.set_distance_m(std::round(match.distance_m * 10.0) / 10.0);
      break;
    case JurisdictionMatch::Kind::outside:
      out.set_match(v1::DistrictRef::MATCH_OUTSIDE);
      break;
  }
  if (match.district != nullptr) {
    out.set_adcode(match.district->adcode);
    out.set_name(match.district->name);
  }
}

}  // namespace quanyu::gis

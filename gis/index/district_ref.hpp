#pragma once
/// The wire form (v1.DistrictRef) of a jurisdiction lookup, shared by every place that reports
/// which district a position is in.

#include "gis/index/jurisdiction_index.hpp"
#include "quanyu/v1/common.pb.h"

namespace quanyu::gis {

/// Fills `out` from `match`: adcode and name (empty when outside), how it matched, and the
/// distance to the border for MATCH_NEAREST, rounded to 0.1 m.
void to_district_ref(const JurisdictionMatch& match, v1::DistrictRef& out);

}  // namespace quanyu::gis

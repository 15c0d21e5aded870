#pragma once
/// Observation JSON as feeds send it over HTTP and MQTT: the proto3 JSON mapping of
/// quanyu.v1.Observation, as one object, an array of them, or {"observations": [...]}.

#include <string_view>

#include "gis/geo/result.hpp"
#include "quanyu/v1/observation.pb.h"

namespace quanyu::ingest {

/// The observations of a JSON body, or an error ("invalid_json") with protobuf's reason. Unknown
/// fields are refused, so a misspelt field is never silently lost.
Result<v1::ObservationBatch> parse_observation_json(std::string_view body);

}  // namespace quanyu::ingest

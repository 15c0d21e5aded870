#include "server/ingest/mqtt/observation_json.hpp"

#include <google/protobuf/util/json_util.h>

#include <string>

namespace quanyu::ingest {

Result<v1::ObservationBatch> parse_observation_json(std::string_view body) {
  v1::ObservationBatch batch;
  const auto first = body.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return Error{"invalid_json", "the body is empty"};
  google::protobuf::util::Status status;
  if (body[first] == '[') {
    status = google::protobuf::util::JsonStringToMessage(
        std::string(R"({"observations":)").append(body).append("}"), &batch);
  } else if (body.find(R"("observations")") != std::string_view::npos) {
    status = google::protobuf::util::JsonStringToMessage(std::string(body), &batch);
  } else {
    status =
        google::protobuf::util::JsonStringToMessage(std::string(body), batch.add_observations());
  }
  if (!status.ok()) return Error{"invalid_json", std::string(status.message())};
  return batch;
}

}  // namespace quanyu::ingest

#include "engine/core/time.hpp"

#include <google/protobuf/util/time_util.h>

namespace quanyu::engine {

std::string format_utc(std::int64_t micros) {
  return google::protobuf::util::TimeUtil::ToString(to_timestamp(micros));
}

}  // namespace quanyu::engine

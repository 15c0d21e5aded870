// libFuzzer target for the camera-push parsers: every public entry point (Content-Type parsing,
// multipart splitting, ISAPI and Dahua bodies) on the same bytes, with the invariants any
// accepted result must keep. Seeds: tests/ingest/camera_push/samples.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "server/ingest/camera_push/camera_push.hpp"
#include "server/ingest/camera_push/multipart.hpp"

namespace {

using namespace quanyu::ingest::camera_push;

void require(bool condition) {
  if (!condition) __builtin_trap();
}

/// The boundary of a body that starts with a delimiter line ("--xyz\r\n"), as a quoted
/// Content-Type parameter, or empty.
std::string boundary_of(std::string_view body) {
  if (body.substr(0, 2) != "--") return {};
  std::string_view line = body.substr(2, kMaxBoundaryLength);
  line = line.substr(0, line.find_first_of("\r\n"));
  std::string quoted;
  for (const char c : line) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return quoted;
}

void check(const quanyu::Result<PushResult>& result, std::string_view kind) {
  if (!result) {
    require(!result.error().code.empty() && !result.error().message.empty());
    return;
  }
  const PushResult& r = *result;
  require(r.ended >= 0 && r.keepalives >= 0 && r.motion >= 0 && r.unsupported >= 0 &&
          r.retransmissions >= 0 && r.other_parts >= 0);
  require(r.unsupported_types.size() <= 16);
  require(r.observations.size() <= kMaxEventsPerBody);
  for (const auto& o : r.observations) {
    const std::string source = std::string(kind) + ":" + r.device_id;
    require(!r.device_id.empty() && r.device_id.size() <= 64);
    require(o.source() == source);
    require(o.id().size() == source.size() + 17 && o.id().compare(0, source.size(), source) == 0 &&
            o.id()[source.size()] == '#');
    require(o.has_observed_at() && o.observed_at().nanos() >= 0 &&
            o.observed_at().nanos() <= 999'999'999);
    require(!o.has_position());
    if (o.has_camera_alarm()) {
      const auto& a = o.camera_alarm();
      require(a.camera_id() == r.device_id);
      require(a.type() != quanyu::v1::CameraAlarm::TYPE_UNSPECIFIED);
      require(a.confidence() >= 0.0 && a.confidence() <= 1.0);
      require(a.description().size() <= kMaxDescriptionBytes);
    } else {
      require(o.has_smoke_detection());
      const auto& s = o.smoke_detection();
      require(s.tower_id() == r.device_id);
      require(s.confidence() > 0.0 && s.confidence() <= 1.0);
      require(s.azimuth_deg() >= 0.0 && s.azimuth_deg() < 360.0);
      require(s.elevation_deg() >= -90.0 && s.elevation_deg() <= 90.0);
      require(s.distance_m() >= 0.0 && s.distance_m() <= 60'000.0);
    }
  }
}

/// Parsing is deterministic: the same bytes give the same ids.
void check_repeatable(const quanyu::Result<PushResult>& a, const quanyu::Result<PushResult>& b) {
  require(a.ok() == b.ok());
  if (!a) {
    require(a.error().message == b.error().message);
    return;
  }
  require(a->observations.size() == b->observations.size());
  for (std::size_t i = 0; i < a->observations.size(); ++i) {
    require(a->observations[i].id() == b->observations[i].id());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);

  // The first line as a Content-Type header value.
  const std::string_view first_line = body.substr(0, body.find_first_of("\r\n"));
  (void)parse_content_type(first_line.substr(0, 512));

  const std::string boundary = boundary_of(body);
  std::string form_data;
  std::string mixed_replace;
  if (!boundary.empty()) {
    form_data = "multipart/form-data; boundary=\"" + boundary + "\"";
    mixed_replace = "multipart/x-mixed-replace; boundary=\"" + boundary + "\"";
    const auto type = parse_content_type(form_data);
    if (type && !type->boundary.empty()) {
      const auto parts = split_multipart(body, type->boundary);
      if (parts) {
        require(parts->parts.size() <= kMaxParts);
        for (const Part& part : parts->parts) {
          // Every part body is a view into the input, where its offset says.
          require(part.offset <= body.size() && part.body.size() <= body.size() - part.offset);
          require(part.body.data() == body.data() + part.offset);
        }
      }
    }
  }

  for (const std::string_view content_type :
       {std::string_view{}, std::string_view("application/xml"),
        std::string_view("application/json"), std::string_view(form_data)}) {
    check(parse_isapi(body, content_type, "fuzz-cam"), "isapi");
  }
  check(parse_isapi(body, form_data, ""), "isapi");
  check_repeatable(parse_isapi(body, form_data, "fuzz-cam"),
                   parse_isapi(body, form_data, "fuzz-cam"));

  constexpr std::int64_t kReceived = 1'700'000'000'000'000;
  PushOptions loud;
  loud.report_motion = true;
  check(parse_dahua(body, "text/plain", "fuzz-cam", kReceived), "dahua");
  check(parse_dahua(body, "", "fuzz-cam", 0, loud), "dahua");
  if (!mixed_replace.empty()) {
    check(parse_dahua(body, mixed_replace, "fuzz-cam", kReceived, loud), "dahua");
  }
  return 0;
}

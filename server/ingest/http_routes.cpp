#include "server/ingest/http_routes.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

#include "server/ingest/camera_push/camera_push.hpp"
#include "server/ingest/cap/alert.hpp"
#include "server/ingest/cap/export.hpp"
#include "server/ingest/cap/observations.hpp"
#include "server/ingest/feed_sink.hpp"
#include "server/live/engine_service.hpp"

namespace quanyu::server {
namespace {

http::Response json(int status, const std::string& body) {
  http::Response r;
  r.status = status;
  r.body = body;
  return r;
}

/// The charset parameter of a Content-Type, or empty.
std::string charset_of(const std::string& content_type) {
  const auto at = content_type.find("charset=");
  if (at == std::string::npos) return {};
  std::string value = content_type.substr(at + 8);
  value = value.substr(0, value.find(';'));
  if (value.size() >= 2 && value.front() == '"') value = value.substr(1, value.size() - 2);
  while (!value.empty() && value.back() == ' ') value.pop_back();
  return value;
}

/// Answers a stored (or refused, or failed) submission the same way for every HTTP feed.
void answer_submission(const SubmitOutcome& outcome, int ok_status, const std::string& extra,
                       const FeedReply& reply) {
  switch (outcome.result) {
    case FeedResult::failed:
      return reply(http::error_response(503, "journal_unavailable", outcome.error));
    case FeedResult::refused:
      return reply(http::error_response(400, "invalid_observation", outcome.error));
    default:
      break;
  }
  reply(json(ok_status, R"({"accepted":)" + std::to_string(outcome.accepted) + R"(,"duplicates":)" +
                            std::to_string(outcome.duplicates) + extra + "}"));
}

ingest::cap::ExportOptions export_options(const CapConfig& cap) {
  ingest::cap::ExportOptions o;
  o.sender = cap.sender;
  o.sender_name = cap.sender_name;
  o.region_code = cap.admin_code;
  o.region_name = cap.region_name;
  o.agency_code = cap.agency_code;
  o.unit_code = cap.unit_code;
  return o;
}

}  // namespace

void handle_camera_push(bool dahua, const http::Request& request, const std::string& device_hint,
                        FeedSink& sink, const FeedReply& reply) {
  const std::string& type = request.header("content-type");
  auto parsed =
      dahua ? ingest::camera_push::parse_dahua(request.body, type, device_hint, wall_clock_us())
            : ingest::camera_push::parse_isapi(request.body, type, device_hint);
  const std::string device =
      std::string(dahua ? "dahua:" : "isapi:") + (device_hint.empty() ? "?" : device_hint);
  if (!parsed) {
    sink.malformed(device, parsed.error().message);
    return reply(http::error_response(400, parsed.error().code, parsed.error().message));
  }
  auto result = std::move(parsed).value();
  const std::string extra = R"(,"ended":)" + std::to_string(result.ended) + R"(,"keepalives":)" +
                            std::to_string(result.keepalives) + R"(,"images":)" +
                            std::to_string(result.image_parts()) + R"(,"unsupported":)" +
                            std::to_string(result.unsupported + result.motion);
  sink.submit(std::move(result.observations), device, [reply, extra](const SubmitOutcome& outcome) {
    answer_submission(outcome, 200, extra, reply);
  });
}

void handle_cap_import(const http::Request& request, FeedSink& sink, const FeedReply& reply) {
  auto alert = ingest::cap::parse_alert(request.body, charset_of(request.header("content-type")));
  if (!alert) {
    sink.malformed("cap:?", alert.error().message);
    return reply(http::error_response(400, alert.error().code, alert.error().message));
  }
  const std::string device = "cap:" + alert->sender + "/" + alert->identifier;
  auto observations = ingest::cap::to_observations(*alert);
  if (!observations) {
    sink.malformed(device, observations.error().message);
    return reply(
        http::error_response(400, observations.error().code, observations.error().message));
  }
  const bool nothing = observations->empty();
  sink.submit(std::move(observations).value(), device,
              [reply, nothing](const SubmitOutcome& outcome) {
                answer_submission(outcome, nothing ? 200 : 202, "", reply);
              });
}

void handle_cap_export(const std::string& incident_id, const Scope& scope, const CapConfig& cap,
                       EngineService& engine, const FeedReply& reply) {
  engine.read(
      [reply, scope, incident_id, options = export_options(cap)](const engine::Picture& picture) {
        const v1::Incident* incident = picture.incident(incident_id);
        if (incident == nullptr || !scope.sees(incident->district())) {
          return reply(
              http::error_response(404, "unknown_incident", "no incident '" + incident_id + "'"));
        }
        http::Response r;
        r.content_type = "application/common-alerting-protocol+xml; charset=utf-8";
        r.body = ingest::cap::incident_to_cap(*incident, options);
        reply(std::move(r));
      });
}

void check_cap_config(const CapConfig& cap) {
  if (auto e = ingest::cap::check_export_options(export_options(cap))) {
    throw std::runtime_error("feeds.cap: " + e->message);
  }
}

}  // namespace quanyu::server

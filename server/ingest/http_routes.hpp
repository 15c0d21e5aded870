#pragma once
/// The feed routes on the HTTP server, answered the way each sender expects:
///   POST /api/v1/feeds/isapi[/{sensor-id}]  Hikvision ISAPI event push (XML, JSON, multipart)
///   POST /api/v1/feeds/dahua[/{sensor-id}]  Dahua event lines
///   POST /api/v1/cap                        OASIS CAP 1.2 alert import
///   GET  /api/v1/incidents/{id}/cap         an incident as a CAP 1.2 alert
/// Pushes and imports need a feed (or admin) token; the export needs a token that may read and
/// see the incident's district. Beast stays out: routes take and give plain http values.

#include <functional>
#include <string>

#include "server/config/config.hpp"
#include "server/http/message.hpp"

namespace quanyu::server {

class EngineService;
class FeedSink;
struct Scope;

using FeedReply = std::function<void(http::Response)>;

/// A camera's event push: parsed, stored all-or-nothing, answered 200 with what was taken (also
/// for keep-alives and event ends), 400 naming the field when malformed or refused, 503 when the
/// journal failed (the camera may retry).
void handle_camera_push(bool dahua, const http::Request& request, const std::string& device_hint,
                        FeedSink& sink, const FeedReply& reply);

/// POST /api/v1/cap: 202 with accepted and duplicates; 200 when the alert carries nothing for the
/// picture (status Test, Exercise, System or Draft; msgType Ack or Error); 400 naming what is
/// wrong; 503 when the journal failed.
void handle_cap_import(const http::Request& request, FeedSink& sink, const FeedReply& reply);

/// GET /api/v1/incidents/{id}/cap: the incident as CAP 1.2 XML (validates against the OASIS
/// schema), identifier in the national early-warning release system's form.
void handle_cap_export(const std::string& incident_id, const Scope& scope, const CapConfig& cap,
                       EngineService& engine, const FeedReply& reply);

/// Refuses a start-up CAP configuration the export could not use (std::runtime_error naming
/// the key).
void check_cap_config(const CapConfig& cap);

}  // namespace quanyu::server

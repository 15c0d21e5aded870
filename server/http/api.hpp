#pragma once
/// The HTTP API v1 routes (see docs/API.md). Request in, response out through a callback: reads
/// of the picture and every write go through the engine's strand and may answer from it, so no
/// socket code is needed here and every route is testable in-process.

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>

#include "gis/layers/layer_set.hpp"
#include "server/config/config.hpp"
#include "server/http/message.hpp"
#include "server/live/engine_service.hpp"

namespace quanyu::server::http {

class Api {
 public:
  using Reply = std::function<void(Response)>;

  Api(const Config& config, const gis::LayerSet& layers, EngineService& engine);

  /// Answers `request` through `reply`, exactly once, possibly from another thread.
  void handle(Request request, Reply reply);

  /// Refusals by reason (error code), for /metrics.
  std::map<std::string, std::uint64_t> refusals() const;
  /// Routes of the feed adapters (camera push, CAP): returns false for a request not theirs.
  using FeedRoutes = std::function<bool(const Request&, const Scope&, const Reply&)>;
  void set_feed_routes(FeedRoutes routes) { feed_routes_ = std::move(routes); }

  /// Extra text appended to /metrics by the network and live layers.
  void set_metrics_source(std::function<std::string()> source) {
    metrics_source_ = std::move(source);
  }

 private:
  const TokenConfig* authenticate(const Request& request) const;
  void refuse(const Response& response);

  Response healthz() const;
  Response service_index() const;
  /// GET /api/v1/session: the token's name, role, districts and what it may do.
  static Response session(const Scope& scope);
  Response list_layers() const;
  Response get_layer(std::string_view name, const Request& request) const;
  Response locate(const Request& request) const;
  std::string metrics() const;

  void post_observations(const Request& request, const Scope& scope, Reply reply);
  void list_incidents(const Request& request, const Scope& scope, Reply reply);
  void get_incident(const std::string& id, const Scope& scope, Reply reply);
  void incident_command(const std::string& id, std::string_view action, const Request& request,
                        const Scope& scope, Reply reply);
  void patch_task(const std::string& id, const Request& request, const Scope& scope, Reply reply);
  void list_tasks(const Request& request, const Scope& scope, Reply reply);
  void kpis(const Scope& scope, Reply reply);
  void run_command(v1::Command command, const Scope& scope, int ok_status, Reply reply);

  const Config& config_;
  const gis::LayerSet& layers_;
  EngineService& engine_;
  std::chrono::steady_clock::time_point started_;
  std::function<std::string()> metrics_source_;
  FeedRoutes feed_routes_;
  /// Per-token ingest budget (token bucket): observations available and when last refilled.
  struct Bucket {
    double available = 0.0;
    std::chrono::steady_clock::time_point refilled;
  };
  /// Takes `count` observations from the token's budget; false when there are not enough.
  bool take_budget(const std::string& actor, std::size_t count, double& retry_after_s);
  std::mutex buckets_mutex_;
  std::map<std::string, Bucket> buckets_;
  mutable std::mutex refusals_mutex_;
  std::map<std::string, std::uint64_t> refusals_;
};

}  // namespace quanyu::server::http

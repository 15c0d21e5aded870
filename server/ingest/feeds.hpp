#pragma once
/// Feeds owns every field-protocol adapter a configuration switches on: the GB/T 28181 SIP
/// server, the SL 651 station listener, the MQTT subscription, and the HTTP routes of camera
/// push and CAP. Each adapter parses with its pure parser (server/ingest/<feed>/) and stores
/// through its FeedSink, so every feed is validated, deduplicated and journaled like the HTTP
/// API. Asio stays out of this header.

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gis/layers/layer_set.hpp"
#include "server/config/config.hpp"
#include "server/http/message.hpp"

namespace boost::asio {
class io_context;
}

namespace quanyu::server {

class EngineService;
struct Scope;

class Feeds {
 public:
  Feeds(boost::asio::io_context& ioc, const Config& config, const gis::LayerSet& layers,
        EngineService& engine);
  ~Feeds();
  Feeds(const Feeds&) = delete;
  Feeds& operator=(const Feeds&) = delete;

  /// Binds every enabled listener and connects the MQTT client. Returns what listens where
  /// ("gb28181/udp", "127.0.0.1:5060"), for the start-up message. Throws std::runtime_error
  /// naming the address when a listener cannot bind.
  std::vector<std::pair<std::string, std::string>> start();
  /// Stops accepting, closes device connections and disconnects from the broker.
  void stop();

  /// The HTTP routes of feeds (camera push, CAP). Returns false when `request` is not one of
  /// them; otherwise answers through `reply` (on any thread).
  bool route(const http::Request& request, const Scope& scope,
             const std::function<void(http::Response)>& reply);

  /// Prometheus text of the feed counters.
  std::string metrics() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace quanyu::server

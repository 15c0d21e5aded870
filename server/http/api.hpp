#pragma once
/// The HTTP API v1 routes (see docs/API.md). Pure request -> response: no sockets here, so every
/// route is testable in-process. Safe to call from many threads (it only reads immutable state).

#include <chrono>

#include "gis/layers/layer_set.hpp"
#include "server/config/config.hpp"
#include "server/http/message.hpp"

namespace quanyu::server::http {

class Api {
 public:
  Api(const Config& config, const gis::LayerSet& layers);

  Response handle(const Request& request) const;

 private:
  /// The token presented in `Authorization: Bearer ...`, or nullptr when absent or unknown.
  const TokenConfig* authenticate(const Request& request) const;

  Response healthz() const;
  Response service_index() const;
  Response list_layers() const;
  Response get_layer(std::string_view name, const Request& request) const;
  Response locate(const Request& request) const;

  const Config& config_;
  const gis::LayerSet& layers_;
  std::chrono::steady_clock::time_point started_;
};

}  // namespace quanyu::server::http

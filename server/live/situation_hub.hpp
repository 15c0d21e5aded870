#pragma once
/// SituationHub serves the live channel, WebSocket /ws/situation (docs/API.md): it admits or
/// refuses upgrade requests (token, role, limits), keeps one View per distinct (scope ×
/// subscription), or several parts of one watched by many screens, on the engine's strand,
/// turns every applied batch into one delta per view, serialised once per encoding, and hands
/// that immutable buffer to every session of the view.
/// Sessions run on a few shared strands ("lanes", one fewer than the I/O threads), and one
/// handler per lane offers a delta to each of its sessions. Fast clients never wait for slow
/// ones: every write is asynchronous and each session has its own bounded queue.

#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "server/config/config.hpp"
#include "server/live/engine_service.hpp"
#include "server/live/ws_session.hpp"

namespace quanyu::server {

class SituationHub {
 public:
  using Options = live::LiveOptions;
  using Request = boost::beast::http::request<boost::beast::http::string_body>;

  /// Listens to the engine's applied batches from now on.
  SituationHub(EngineService& engine, const Config& config, Options options = {});
  ~SituationHub();
  SituationHub(const SituationHub&) = delete;
  SituationHub& operator=(const SituationHub&) = delete;

  /// Takes over a connection whose request is a WebSocket upgrade: answers it with an HTTP
  /// refusal (404 other path, 401, 403, 400, 503), or completes the handshake and serves it.
  void accept(boost::beast::tcp_stream&& stream, Request&& request);

  /// Refuses new clients from now on and closes every open WebSocket with close code 1001
  /// (going away). Idempotent.
  void shutdown();

  /// WebSocket clients connected now.
  std::size_t clients() const;
  /// Prometheus text of the live channel's gauges and counters.
  std::string metrics() const;

 private:
  struct Core;
  std::shared_ptr<Core> core_;
};

}  // namespace quanyu::server

#pragma once
/// The network front: one io_context run by `config.threads` threads, a TCP listener and one HTTP
/// session per connection (Boost.Beast). Beast stays out of this header so that including it is
/// cheap; everything lives behind a pointer to the implementation.

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gis/layers/layer_set.hpp"
#include "server/config/config.hpp"

namespace quanyu::server {

class Server {
 public:
  Server(const Config& config, const gis::LayerSet& layers);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Binds and listens; returns the bound host and port (port 0 in the config picks a free one).
  /// Throws std::runtime_error naming the address when it cannot bind.
  std::pair<std::string, std::uint16_t> listen();

  /// After listen(): each enabled feed and where it listens (or which broker it reads).
  const std::vector<std::pair<std::string, std::string>>& feed_listeners() const;

  /// Serves on the I/O threads until SIGINT or SIGTERM (or stop()), then stops gracefully:
  /// stops accepting, lets requests in flight finish (up to a few seconds), closes sockets.
  void run();

  /// Asks run() to stop; callable from any thread.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace quanyu::server

#pragma once
/// The SL 651 station listener: a TCP acceptor for RTUs; one Decoder per connection. Each report
/// becomes gauge readings of the sensor whose stationCode is the station's address, and is
/// acknowledged (EOT/ESC/ACK, as the decoder says) only once its readings are journaled, or were
/// refused for good. A journal failure leaves the report unacknowledged, so the station resends.
/// Frames that do not decode (bad CRC, BCD or length) are counted and logged, never answered,
/// and the connection stays up. Asio stays out of this header.

#include <cstdint>
#include <memory>
#include <string>

#include "gis/layers/layer_set.hpp"
#include "server/config/config.hpp"

namespace boost::asio {
class io_context;
}

namespace quanyu::server {

class FeedSink;

class Sl651Listener {
 public:
  Sl651Listener(boost::asio::io_context& ioc, const Sl651Config& config,
                const gis::LayerSet& layers, FeedSink& sink);
  ~Sl651Listener();
  Sl651Listener(const Sl651Listener&) = delete;
  Sl651Listener& operator=(const Sl651Listener&) = delete;

  /// Binds and starts accepting; returns "HOST:PORT" as bound. Throws std::runtime_error naming
  /// the address when it cannot bind.
  std::string start();
  /// Stops accepting and closes every station connection.
  void stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace quanyu::server

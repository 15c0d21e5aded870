#pragma once
/// The MQTT feed: a client of the configured broker that subscribes to the configured topics with
/// QoS 1 in a persistent session, ingests each PUBLISH's observation JSON, and sends its PUBACK
/// only once the observations are journaled (or refused for good). When the journal fails it
/// drops the connection without acknowledging, so the broker delivers the message again. It
/// reconnects on its own with a growing backoff. Asio stays out of this header.

#include <memory>
#include <string>

#include "server/config/config.hpp"

namespace boost::asio {
class io_context;
}

namespace quanyu::server {

class FeedSink;

class MqttFeed {
 public:
  /// `max_batch` bounds the observations of one message, as on the HTTP API.
  MqttFeed(boost::asio::io_context& ioc, const MqttConfig& config, FeedSink& sink,
           std::size_t max_batch);
  ~MqttFeed();
  MqttFeed(const MqttFeed&) = delete;
  MqttFeed& operator=(const MqttFeed&) = delete;

  void start();
  /// Sends DISCONNECT when connected and stops reconnecting.
  void stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace quanyu::server

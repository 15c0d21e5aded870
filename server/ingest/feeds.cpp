#include "server/ingest/feeds.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>

#include "server/ingest/feed_sink.hpp"
#include "server/ingest/mqtt/mqtt_client.hpp"
#include "server/live/engine_service.hpp"

namespace quanyu::server {

struct Feeds::Impl {
  Impl(boost::asio::io_context& io, const Config& c, const gis::LayerSet& l, EngineService& e)
      : ioc(io), config(c), layers(l), engine(e), mqtt_sink(e, metrics, Feed::mqtt) {}

  boost::asio::io_context& ioc;
  const Config& config;
  const gis::LayerSet& layers;
  EngineService& engine;
  FeedMetrics metrics;
  FeedSink mqtt_sink;
  std::unique_ptr<MqttFeed> mqtt;
};

Feeds::Feeds(boost::asio::io_context& ioc, const Config& config, const gis::LayerSet& layers,
             EngineService& engine)
    : impl_(std::make_unique<Impl>(ioc, config, layers, engine)) {}

Feeds::~Feeds() = default;

std::vector<std::pair<std::string, std::string>> Feeds::start() {
  std::vector<std::pair<std::string, std::string>> listening;
  const auto& feeds = impl_->config.feeds;
  if (feeds.mqtt.enabled) {
    impl_->mqtt = std::make_unique<MqttFeed>(impl_->ioc, feeds.mqtt, impl_->mqtt_sink,
                                             impl_->config.rules.validation.max_batch);
    impl_->mqtt->start();
    listening.emplace_back("mqtt",
                           feeds.mqtt.broker.host + ":" + std::to_string(feeds.mqtt.broker.port));
  }
  return listening;
}

void Feeds::stop() {
  if (impl_->mqtt) impl_->mqtt->stop();
}

bool Feeds::route(const http::Request&, const Scope&, const std::function<void(http::Response)>&) {
  return false;
}

std::string Feeds::metrics() const { return impl_->metrics.render(); }

}  // namespace quanyu::server

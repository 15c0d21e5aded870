#include "server/ingest/feeds.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>

#include "server/ingest/feed_sink.hpp"
#include "server/ingest/gb28181/sip_server.hpp"
#include "server/ingest/mqtt/mqtt_client.hpp"
#include "server/ingest/sl651/listener.hpp"
#include "server/live/engine_service.hpp"

namespace quanyu::server {

struct Feeds::Impl {
  Impl(boost::asio::io_context& io, const Config& c, const gis::LayerSet& l, EngineService& e)
      : ioc(io), config(c), layers(l), engine(e) {
    for (std::size_t f = 0; f < static_cast<std::size_t>(Feed::count); ++f) {
      sinks.push_back(std::make_unique<FeedSink>(e, metrics, static_cast<Feed>(f)));
    }
  }

  FeedSink& sink(Feed feed) { return *sinks[static_cast<std::size_t>(feed)]; }

  boost::asio::io_context& ioc;
  const Config& config;
  const gis::LayerSet& layers;
  EngineService& engine;
  FeedMetrics metrics;
  std::vector<std::unique_ptr<FeedSink>> sinks;  ///< one per Feed
  std::unique_ptr<MqttFeed> mqtt;
  std::unique_ptr<Sl651Listener> sl651;
  std::unique_ptr<SipServer> gb28181;
};

Feeds::Feeds(boost::asio::io_context& ioc, const Config& config, const gis::LayerSet& layers,
             EngineService& engine)
    : impl_(std::make_unique<Impl>(ioc, config, layers, engine)) {}

Feeds::~Feeds() = default;

std::vector<std::pair<std::string, std::string>> Feeds::start() {
  std::vector<std::pair<std::string, std::string>> listening;
  const auto& feeds = impl_->config.feeds;
  if (feeds.gb28181.enabled) {
    impl_->gb28181 =
        std::make_unique<SipServer>(impl_->ioc, feeds.gb28181, impl_->sink(Feed::gb28181));
    for (auto& entry : impl_->gb28181->start()) listening.push_back(std::move(entry));
  }
  if (feeds.sl651.enabled) {
    impl_->sl651 = std::make_unique<Sl651Listener>(impl_->ioc, feeds.sl651, impl_->layers,
                                                   impl_->sink(Feed::sl651));
    listening.emplace_back("sl651/tcp", impl_->sl651->start());
  }
  if (feeds.mqtt.enabled) {
    impl_->mqtt = std::make_unique<MqttFeed>(impl_->ioc, feeds.mqtt, impl_->sink(Feed::mqtt),
                                             impl_->config.rules.validation.max_batch);
    impl_->mqtt->start();
    listening.emplace_back("mqtt",
                           feeds.mqtt.broker.host + ":" + std::to_string(feeds.mqtt.broker.port));
  }
  return listening;
}

void Feeds::stop() {
  if (impl_->mqtt) impl_->mqtt->stop();
  if (impl_->sl651) impl_->sl651->stop();
  if (impl_->gb28181) impl_->gb28181->stop();
}

bool Feeds::route(const http::Request&, const Scope&, const std::function<void(http::Response)>&) {
  return false;
}

std::string Feeds::metrics() const { return impl_->metrics.render(); }

}  // namespace quanyu::server

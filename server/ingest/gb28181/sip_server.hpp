#pragma once
/// The GB/T 28181 SIP server: UDP and TCP listeners around one gb28181::Service (registration
/// with digest authentication, keepalives, alarm notifications), all on one strand. An alarm is
/// answered 200 only once its observation is journaled (500 when the journal fails, so the
/// device retransmits; 400 with a Warning naming the field when it is refused), and then
/// acknowledged with the platform's 报警通知应答 MESSAGE. Asio stays out of this header.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "server/config/config.hpp"

namespace boost::asio {
class io_context;
}

namespace quanyu::server {

class FeedSink;
class SipTcpSession;

class SipServer {
 public:
  SipServer(boost::asio::io_context& ioc, const Gb28181Config& config, FeedSink& sink);
  ~SipServer();
  SipServer(const SipServer&) = delete;
  SipServer& operator=(const SipServer&) = delete;

  /// Binds the configured UDP and TCP addresses; returns ("gb28181/udp", "HOST:PORT") pairs as
  /// bound. Throws std::runtime_error naming the address when one cannot bind.
  std::vector<std::pair<std::string, std::string>> start();
  void stop();

 private:
  friend class SipTcpSession;
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace quanyu::server

// `quanyu simulate`'s HTTP client against a small in-test ingest server (Beast, 127.0.0.1, an
// ephemeral port, its own thread) that records what it receives and answers like Quanyu does.
#include "server/sim/simulator.hpp"

#include <google/protobuf/util/json_util.h>
#include <sys/types.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <csignal>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "gtest_include.hpp"
#include "quanyu/v1/observation.pb.h"
#include "server/config/config.hpp"
#include "test_support.hpp"

namespace quanyu::server::sim {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

struct Received {
  std::string method;
  std::string target;
  std::string authorization;
  std::string content_type;
  std::string body;
  v1::ObservationBatch batch;
  bool parsed = false;
};

struct Reply {
  unsigned status = 202;
  std::string body;  ///< empty: {"accepted":n,"duplicates":m} counted by id
  std::string retry_after;
  bool close = false;
};

Reply reply(unsigned status, std::string body, std::string retry_after = "") {
  Reply r;
  r.status = status;
  r.body = std::move(body);
  r.retry_after = std::move(retry_after);
  return r;
}

/// The ingest endpoint's contract in miniature: 202 {"accepted":n,"duplicates":m} by id, unless
/// the test's answer function says otherwise for the n-th request (counting from 0).
class FakeIngest {
 public:
  using Answer = std::function<Reply(std::size_t request, const Received&)>;

  explicit FakeIngest(Answer answer = {})
      : answer_(std::move(answer)), acceptor_(ioc_, {asio::ip::make_address("127.0.0.1"), 0}) {
    accept();
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~FakeIngest() {
    ioc_.stop();
    thread_.join();
  }
  FakeIngest(const FakeIngest&) = delete;
  FakeIngest& operator=(const FakeIngest&) = delete;

  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
  }
  std::vector<Received> received() const {
    const std::lock_guard lock(mutex_);
    return received_;
  }
  std::size_t connections() const {
    const std::lock_guard lock(mutex_);
    return connections_;
  }

 private:
  class Session : public std::enable_shared_from_this<Session> {
   public:
    Session(tcp::socket socket, FakeIngest& owner) : socket_(std::move(socket)), owner_(owner) {}
    void read() {
      request_ = {};
      bhttp::async_read(socket_, buffer_, request_,
                        [self = shared_from_this()](beast::error_code ec, std::size_t) {
                          if (!ec) self->respond();
                        });
    }

   private:
    void respond() {
      const Reply reply = owner_.record(request_);
      auto response = std::make_shared<bhttp::response<bhttp::string_body>>(
          static_cast<bhttp::status>(reply.status), 11);
      response->set(bhttp::field::content_type, "application/json");
      if (!reply.retry_after.empty()) response->set(bhttp::field::retry_after, reply.retry_after);
      response->body() = reply.body;
      response->keep_alive(!reply.close && request_.keep_alive());
      response->prepare_payload();
      bhttp::async_write(socket_, *response,
                         [self = shared_from_this(), response](beast::error_code ec, std::size_t) {
                           if (ec) return;
                           if (response->keep_alive()) {
                             self->read();
                           } else {
                             self->socket_.shutdown(tcp::socket::shutdown_send, ec);
                           }
                         });
    }

    tcp::socket socket_;
    beast::flat_buffer buffer_;
    bhttp::request<bhttp::string_body> request_;
    FakeIngest& owner_;
  };

  void accept() {
    acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec) return;
      {
        const std::lock_guard lock(mutex_);
        ++connections_;
      }
      std::make_shared<Session>(std::move(socket), *this)->read();
      accept();
    });
  }

  Reply record(const bhttp::request<bhttp::string_body>& request) {
    Received r;
    r.method = std::string(request.method_string());
    r.target = std::string(request.target());
    r.authorization = std::string(request[bhttp::field::authorization]);
    r.content_type = std::string(request[bhttp::field::content_type]);
    r.body = request.body();
    r.parsed = google::protobuf::util::JsonStringToMessage(r.body, &r.batch).ok();
    const std::lock_guard lock(mutex_);
    Reply reply = answer_ ? answer_(received_.size(), r) : Reply{};
    if (reply.body.empty() && reply.status == 202) {
      int accepted = 0;
      int duplicates = 0;
      for (const auto& o : r.batch.observations()) {
        if (ids_.insert(o.id()).second) {
          ++accepted;
        } else {
          ++duplicates;
        }
      }
      reply.body = R"({"accepted":)" + std::to_string(accepted) + R"(,"duplicates":)" +
                   std::to_string(duplicates) + "}";
    }
    received_.push_back(std::move(r));
    return reply;
  }

  Answer answer_;
  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::vector<Received> received_;
  std::set<std::string> ids_;
  std::size_t connections_ = 0;
};

class SimulatorTest : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    const Config config = load_config(test::config_dir() + "/quanyu.yaml");
    layers_ = gis::LayerSet::load(config.layers, {config.gis.jurisdiction_tolerance_m}).release();
  }
  static void TearDownTestSuite() { delete layers_; }

  SimulateOptions options(const std::string& url, double duration_s) {
    SimulateOptions o;
    o.url = url;
    o.token = "test-feed";
    o.rate = 50.0;
    o.duration_s = duration_s;
    o.seed = 42;
    o.time_scale = 60.0;
    o.status_interval_s = 0.5;
    o.out = &output_;
    return o;
  }

  static std::size_t occurrences(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
  }

  static std::size_t observations(const std::vector<Received>& received) {
    std::size_t n = 0;
    for (const auto& r : received) n += static_cast<std::size_t>(r.batch.observations_size());
    return n;
  }

  static const gis::LayerSet* layers_;
  std::ostringstream output_;
};

const gis::LayerSet* SimulatorTest::layers_ = nullptr;

TEST_F(SimulatorTest, PostsJsonBatchesWithTheRightHeadersOverOneConnection) {
  FakeIngest server;
  Simulator simulator(*layers_, options(server.url() + "/", 1.3));
  const auto summary = simulator.run();
  const auto received = server.received();

  // A batch every 200 ms, over one keep-alive connection.
  ASSERT_GE(received.size(), 4U);
  EXPECT_LE(received.size(), 7U);
  EXPECT_EQ(server.connections(), 1U);
  std::set<std::string> ids;
  for (const auto& r : received) {
    EXPECT_EQ(r.method, "POST");
    EXPECT_EQ(r.target, "/api/v1/observations");
    EXPECT_EQ(r.authorization, "Bearer test-feed");
    EXPECT_EQ(r.content_type, "application/json");
    ASSERT_TRUE(r.parsed) << r.body;
    EXPECT_EQ(r.body.rfind(R"({"observations":[)", 0), 0U);
    EXPECT_GT(r.batch.observations_size(), 0);
    for (const auto& o : r.batch.observations()) {
      EXPECT_TRUE(ids.insert(o.id()).second) << o.id();
      EXPECT_EQ(o.source().rfind("sim:", 0), 0U);
    }
  }
  // 50/s for 1.3 s, give or take Poisson.
  EXPECT_GT(ids.size(), 30U);
  EXPECT_LT(ids.size(), 110U);

  EXPECT_EQ(summary.sent, ids.size());
  EXPECT_EQ(summary.accepted, ids.size());
  EXPECT_EQ(summary.duplicates, 0U);
  EXPECT_EQ(summary.refused + summary.failed + summary.connection_errors, 0U);
  EXPECT_EQ(summary.requests, received.size());
  EXPECT_TRUE(summary.ok());
  EXPECT_NEAR(summary.elapsed_s, 1.3, 0.5);
  EXPECT_NEAR(summary.simulated_s, 1.3 * 60.0, 1e-6);

  const std::string out = output_.str();
  EXPECT_GE(occurrences(out, "simulate "), 2U) << out;  // status lines every 0.5 s
  EXPECT_NE(out.find("gauges above warning"), std::string::npos) << out;
  EXPECT_NE(out.find("simulate summary"), std::string::npos) << out;
  EXPECT_NE(out.find("accepted " + std::to_string(ids.size())), std::string::npos) << out;
  EXPECT_NE(out.find("exit 0"), std::string::npos) << out;
}

TEST_F(SimulatorTest, CountsDuplicatesTheServerReports) {
  FakeIngest server([](std::size_t, const Received& r) {
    const auto n = r.batch.observations_size();
    return reply(202, R"({"accepted":)" + std::to_string(n - 1) + R"(,"duplicates":1})");
  });
  Simulator simulator(*layers_, options(server.url(), 0.9));
  const auto summary = simulator.run();
  EXPECT_GE(summary.requests, 3U);
  EXPECT_EQ(summary.duplicates, summary.requests);
  EXPECT_EQ(summary.accepted + summary.duplicates, summary.sent);
  EXPECT_TRUE(summary.ok());
}

TEST_F(SimulatorTest, BacksOffOnBusyAndResendsTheSameObservations) {
  FakeIngest server([](std::size_t n, const Received&) {
    if (n == 0) {
      return reply(503, R"({"error":{"code":"busy","message":"journal queue full"}})", "0");
    }
    if (n == 1) return reply(429, R"({"error":{"code":"rate_limited","message":"slow down"}})");
    return Reply{};
  });
  Simulator simulator(*layers_, options(server.url(), 1.5));
  const auto summary = simulator.run();
  const auto received = server.received();
  ASSERT_GE(received.size(), 3U);
  // What the busy server did not take comes again, with what was produced meanwhile.
  const auto& first = received[0].batch;
  ASSERT_GT(first.observations_size(), 0);
  EXPECT_EQ(received[1].batch.observations(0).id(), first.observations(0).id());
  EXPECT_EQ(received[2].batch.observations(0).id(), first.observations(0).id());
  EXPECT_EQ(summary.backoffs, 2U);
  EXPECT_EQ(summary.accepted, summary.sent);
  EXPECT_EQ(summary.failed + summary.refused, 0U);
  EXPECT_TRUE(summary.ok());
  EXPECT_NE(output_.str().find("server busy (503)"), std::string::npos) << output_.str();
  EXPECT_NE(output_.str().find("server busy (429)"), std::string::npos) << output_.str();
}

TEST_F(SimulatorTest, CountsRefusalsAndPrintsEachErrorOnce) {
  FakeIngest server([](std::size_t, const Received&) {
    return reply(400, R"({"error":{"code":"invalid_observation","message":)"
                      R"("smokeDetection.confidence: 2 is not between 0 and 1","index":0}})");
  });
  Simulator simulator(*layers_, options(server.url(), 0.9));
  const auto summary = simulator.run();
  EXPECT_GE(summary.requests, 3U);
  EXPECT_EQ(summary.refused, summary.sent);
  EXPECT_EQ(summary.accepted, 0U);
  EXPECT_FALSE(summary.ok());
  const std::string out = output_.str();
  EXPECT_EQ(occurrences(out, "invalid_observation"), 1U) << out;
  EXPECT_NE(out.find("smokeDetection.confidence"), std::string::npos) << out;
  EXPECT_NE(out.find("(observation 0, id sim-42-"), std::string::npos) << out;
  EXPECT_NE(out.find("exit 1"), std::string::npos) << out;
}

TEST_F(SimulatorTest, ReconnectsWhenTheServerClosesEachConnection) {
  FakeIngest server([](std::size_t, const Received&) {
    Reply reply;
    reply.close = true;
    return reply;
  });
  Simulator simulator(*layers_, options(server.url(), 1.0));
  const auto summary = simulator.run();
  EXPECT_GE(summary.requests, 3U);
  EXPECT_EQ(server.connections(), summary.requests);
  EXPECT_EQ(summary.connection_errors, 0U);
  EXPECT_TRUE(summary.ok());
}

TEST_F(SimulatorTest, CountsWhatCouldNotBeDeliveredAsFailed) {
  const int port = test::free_port();  // nothing listens there
  Simulator simulator(*layers_, options("http://127.0.0.1:" + std::to_string(port), 0.8));
  const auto summary = simulator.run();
  EXPECT_GT(summary.sent, 0U);
  EXPECT_GE(summary.connection_errors, 1U);
  EXPECT_EQ(summary.failed, summary.sent);
  EXPECT_EQ(summary.requests, 0U);
  EXPECT_FALSE(summary.ok());
  EXPECT_EQ(occurrences(output_.str(), "retrying with backoff"), 1U) << output_.str();
}

TEST_F(SimulatorTest, StopsWhenAskedAndOnSigterm) {
  FakeIngest server;
  const auto wait_for_requests = [&](std::size_t n) {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (server.received().size() < n && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return server.received().size() >= n;
  };

  {
    Simulator simulator(*layers_, options(server.url(), 0.0));  // until stopped
    auto running = std::async(std::launch::async, [&] { return simulator.run(); });
    ASSERT_TRUE(wait_for_requests(2));
    simulator.stop();
    ASSERT_EQ(running.wait_for(std::chrono::seconds(5)), std::future_status::ready);
    const auto summary = running.get();
    EXPECT_TRUE(summary.ok());
    EXPECT_GE(summary.requests, 2U);
  }
  {
    Simulator simulator(*layers_, options(server.url(), 0.0));
    auto running = std::async(std::launch::async, [&] { return simulator.run(); });
    // A request received means run() is past installing its signal handlers.
    ASSERT_TRUE(wait_for_requests(server.received().size() + 2));
    ASSERT_EQ(::kill(::getpid(), SIGTERM), 0);
    ASSERT_EQ(running.wait_for(std::chrono::seconds(5)), std::future_status::ready);
    EXPECT_TRUE(running.get().ok());
    EXPECT_NE(output_.str().find("SIGTERM received"), std::string::npos) << output_.str();
  }
}

TEST_F(SimulatorTest, RefusesBadOptions) {
  const auto make = [&](SimulateOptions o) { const Simulator simulator(*layers_, std::move(o)); };
  const auto with = [&](auto change) {
    auto o = options("http://127.0.0.1:8080", 1.0);
    change(o);
    return o;
  };
  EXPECT_NO_THROW(make(with([](SimulateOptions&) {})));
  EXPECT_NO_THROW(make(with([](SimulateOptions& o) { o.url = "http://[::1]:8080/quanyu/"; })));
  for (const std::string url :
       {"https://127.0.0.1:8443", "ftp://x", "127.0.0.1:8080", "http://", "http://:8080",
        "http://host:0", "http://host:99999", "http://host:80?x=1", "http://[::1"}) {
    EXPECT_THROW(make(with([&](SimulateOptions& o) { o.url = url; })), std::invalid_argument)
        << url;
  }
  EXPECT_THROW(make(with([](SimulateOptions& o) { o.rate = 0.0; })), std::invalid_argument);
  EXPECT_THROW(make(with([](SimulateOptions& o) { o.duration_s = -1.0; })), std::invalid_argument);
  EXPECT_THROW(make(with([](SimulateOptions& o) { o.time_scale = 0.0; })), std::invalid_argument);
}

}  // namespace
}  // namespace quanyu::server::sim

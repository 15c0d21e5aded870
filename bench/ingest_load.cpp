// Load generator for durable ingest over HTTP: C connections, each posting batches of B distinct
// smoke detections back to back for S seconds, every request waiting for its 202 (which Quanyu
// sends only after the journal commit). Prints accepted observations per second and request
// latency percentiles. Bounded in time and count.
//   quanyu_ingest_load PORT TOKEN [connections=8] [batch=100] [seconds=5] [max_requests=200000]
#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

std::string now_utc() {
  const std::time_t t = std::time(nullptr);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buffer;
}

/// A batch of B smoke detections with ids unique to (connection, request, item), at 2,000 places
/// over Chongqing: each place becomes a fire incident that later detections join.
std::string batch_body(int connection, long request, int batch, const std::string& time) {
  std::string body = R"({"observations":[)";
  for (int i = 0; i < batch; ++i) {
    const long n = request * batch + i;
    if (i != 0) body += ',';
    char item[400];
    std::snprintf(item, sizeof item,
                  R"({"id":"load-%d-%ld","source":"load-%d","observedAt":"%s","position":)"
                  R"({"x":%.5f,"y":%.5f},"smokeDetection":{"towerId":"t%d","confidence":0.6}})",
                  connection, n, connection, time.c_str(),
                  106.0 + 0.05 * static_cast<double>(n % 50),
                  28.9 + 0.05 * static_cast<double>((n / 50) % 40), connection);
    body += item;
  }
  body += "]}";
  return body;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s PORT TOKEN [connections] [batch] [seconds] [max_requests]\n",
                 argv[0]);
    return 2;
  }
  const std::string port = argv[1];
  const std::string token = argv[2];
  const int connections = argc > 3 ? std::atoi(argv[3]) : 8;
  const int batch = argc > 4 ? std::atoi(argv[4]) : 100;
  const double seconds = argc > 5 ? std::atof(argv[5]) : 5.0;
  const long max_requests = argc > 6 ? std::atol(argv[6]) : 200'000;

  std::atomic<long> accepted{0};
  std::atomic<long> requests{0};
  std::atomic<long> failures{0};
  std::vector<std::vector<double>> latencies(static_cast<std::size_t>(connections));
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + std::chrono::duration<double>(seconds);
  std::vector<std::thread> threads;
  for (int c = 0; c < connections; ++c) {
    threads.emplace_back([&, c] {
      asio::io_context ioc;
      beast::tcp_stream stream(ioc);
      asio::ip::tcp::resolver resolver(ioc);
      stream.connect(resolver.resolve("127.0.0.1", port));
      const std::string time = now_utc();
      beast::flat_buffer buffer;
      for (long r = 0; std::chrono::steady_clock::now() < deadline && requests < max_requests;
           ++r) {
        http::request<http::string_body> request{http::verb::post, "/api/v1/observations", 11};
        request.set(http::field::host, "127.0.0.1");
        request.set(http::field::authorization, "Bearer " + token);
        request.set(http::field::content_type, "application/json");
        request.body() = batch_body(c, r, batch, time);
        request.prepare_payload();
        const auto sent = std::chrono::steady_clock::now();
        http::write(stream, request);
        http::response<http::string_body> response;
        http::read(stream, buffer, response);
        latencies[static_cast<std::size_t>(c)].push_back(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - sent)
                .count());
        ++requests;
        if (response.result_int() == 202) {
          accepted += batch;  // every id is new, so all of them are accepted
        } else {
          ++failures;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::vector<double> all;
  for (const auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) {
    return all.empty() ? 0.0
                       : all[std::min(all.size() - 1, static_cast<std::size_t>(p * all.size()))];
  };
  std::printf(
      "connections=%d batch=%d requests=%ld failures=%ld elapsed_s=%.2f obs_per_s=%.0f "
      "p50_ms=%.2f p99_ms=%.2f\n",
      connections, batch, requests.load(), failures.load(), elapsed,
      static_cast<double>(accepted.load()) / elapsed, pct(0.50), pct(0.99));
  return failures == 0 ? 0 : 1;
}

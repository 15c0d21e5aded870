#include "server/sim/simulator.hpp"

#include <fmt/format.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cmath>
#include <csignal>
#include <iostream>
#include <optional>
#include <set>
#include <stdexcept>
#include <utility>
#include <vector>

#include "quanyu/v1/observation.pb.h"
#include "server/sim/scenario.hpp"

namespace quanyu::server::sim {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr auto kTick = std::chrono::milliseconds(200);
constexpr auto kConnectTimeout = std::chrono::seconds(5);
constexpr auto kRequestTimeout = std::chrono::seconds(10);
constexpr auto kMinBackoff = std::chrono::milliseconds(250);
constexpr auto kMaxBackoff = std::chrono::seconds(10);
// Waiting longer than this for a backoff at the end is not worth it: what is left has failed.
constexpr auto kFinalWaitLimit = std::chrono::seconds(2);
constexpr std::size_t kMaxBatch = 5000;  // the server takes up to 10 000 per request
constexpr std::size_t kMinPendingLimit = 10'000;
constexpr double kPendingSeconds = 120.0;  // keep this much of the stream while the server is away
constexpr std::uint64_t kResponseLimit = 1 << 20;
constexpr const char* kUserAgent = "quanyu-simulate/0.1";
constexpr const char* kIngestPath = "/api/v1/observations";

struct Url {
  std::string host;
  std::string port;
  std::string host_header;  ///< host[:port] as given
  std::string target;       ///< path prefix + kIngestPath
};

Url parse_url(const std::string& text) {
  const std::string scheme = "http://";
  if (text.rfind("https://", 0) == 0) {
    throw std::invalid_argument(
        "--url: https is not supported; use http:// (loopback, or a TLS "
        "proxy in front of quanyu)");
  }
  if (text.rfind(scheme, 0) != 0) {
    throw std::invalid_argument("--url: '" + text + "' must start with http://");
  }
  const std::string rest = text.substr(scheme.size());
  const auto slash = rest.find('/');
  const std::string authority = rest.substr(0, slash);
  std::string path = slash == std::string::npos ? "" : rest.substr(slash);
  if (path.find_first_of("?#") != std::string::npos) {
    throw std::invalid_argument("--url: '" + text + "' must not have a query or fragment");
  }
  while (!path.empty() && path.back() == '/') path.pop_back();

  Url url;
  url.host_header = authority;
  std::string port;
  if (!authority.empty() && authority.front() == '[') {  // [IPv6]:port
    const auto close = authority.find(']');
    if (close == std::string::npos) throw std::invalid_argument("--url: unclosed '[' in the host");
    url.host = authority.substr(1, close - 1);
    const std::string after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') throw std::invalid_argument("--url: bad port in '" + text + "'");
      port = after.substr(1);
    }
  } else {
    const auto colon = authority.rfind(':');
    url.host = authority.substr(0, colon);
    if (colon != std::string::npos) port = authority.substr(colon + 1);
  }
  if (url.host.empty()) throw std::invalid_argument("--url: no host in '" + text + "'");
  if (port.empty()) port = "80";
  const bool digits = port.size() <= 5 && std::all_of(port.begin(), port.end(),
                                                      [](char c) { return c >= '0' && c <= '9'; });
  if (!digits || std::stoi(port) < 1 || std::stoi(port) > 65535) {
    throw std::invalid_argument("--url: bad port '" + port + "'");
  }
  url.port = port;
  url.target = path + kIngestPath;
  return url;
}

google::protobuf::Timestamp wall_now() {
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  google::protobuf::Timestamp t;
  t.set_seconds(micros / 1'000'000);
  t.set_nanos(static_cast<std::int32_t>(micros % 1'000'000) * 1000);
  return t;
}

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

/// "1h05m00s": simulated spans are easier to read this way than in seconds.
std::string span(double s) {
  const auto total = static_cast<std::int64_t>(std::floor(s));
  return fmt::format("{}h{:02}m{:02}s", total / 3600, total / 60 % 60, total % 60);
}

/// A JSON object's fields, or nullopt when the body is not one.
std::optional<google::protobuf::Struct> parse_object(const std::string& body) {
  google::protobuf::Struct object;
  if (!google::protobuf::util::JsonStringToMessage(body, &object).ok()) return std::nullopt;
  return object;
}

std::optional<double> number_field(const google::protobuf::Struct& object, const char* name) {
  const auto it = object.fields().find(name);
  if (it == object.fields().end() || !it->second.has_number_value()) return std::nullopt;
  return it->second.number_value();
}

}  // namespace

struct Simulator::Impl {
  Impl(const gis::LayerSet& layers, SimulateOptions o)
      : options(std::move(o)),
        url(parse_url(options.url)),
        scenario(layers,
                 ScenarioOptions{options.seed, options.rate / options.time_scale, wall_now()}),
        out(options.out != nullptr ? *options.out : std::cout),
        pending_limit(
            std::max(kMinPendingLimit, static_cast<std::size_t>(options.rate * kPendingSeconds))) {}

  SimulateSummary run();
  void request_stop();
  void arm_signals();

  /// Runs handlers until `done`. The signal wait is always pending while run() runs, so the
  /// loop never runs out of work, and a stop or a signal gets its turn between two steps.
  void run_until(const bool& done) {
    while (!done) ioc.run_one();
  }
  void sleep_until(Clock::time_point when);
  void generate(Clock::time_point upto);
  beast::error_code connect();
  void close();

  struct Answer {
    beast::error_code ec;
    unsigned status = 0;
    std::string body;
    std::string retry_after;
    bool keep_alive = true;
  };
  Answer post(const std::string& body);
  void deliver();
  void accept(const Answer& answer, std::size_t count);
  void back_off(const Answer& answer);
  void refuse(const Answer& answer, std::size_t count);
  void connection_failed(const beast::error_code& ec, const char* what);
  void report_once(const std::string& key, const std::string& line);
  void print(const std::string& line);
  void status_line(Clock::time_point now);
  void summary();

  SimulateOptions options;
  Url url;
  Scenario scenario;
  std::ostream& out;

  asio::io_context ioc;
  asio::signal_set signals{ioc};
  asio::steady_timer timer{ioc};
  tcp::resolver resolver{ioc};
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
  std::uint64_t requests_on_connection = 0;

  // Only touched on the thread inside run().
  int stop_requests = 0;
  Clock::time_point started;
  Clock::time_point generated_to;
  std::vector<v1::Observation> pending;
  std::size_t pending_limit;
  Clock::time_point backoff_until{};
  Clock::duration backoff = kMinBackoff;
  bool connection_down = false;  // in a streak of connection errors, reported once
  std::set<std::string> reported;
  SimulateSummary totals;
  double request_ms = 0.0;
  Clock::time_point last_status;
  std::uint64_t sent_at_last_status = 0;
};

void Simulator::Impl::request_stop() {
  ++stop_requests;
  timer.cancel();
  if (stop_requests > 1) {
    // A second stop abandons what is in flight.
    resolver.cancel();
    if (stream) stream->cancel();
  }
}

void Simulator::Impl::arm_signals() {
  signals.async_wait([this](const beast::error_code& ec, int signal) {
    if (ec) return;
    print(fmt::format("simulate: {} received, stopping{}", signal == SIGINT ? "SIGINT" : "SIGTERM",
                      stop_requests > 0 ? " now" : ""));
    request_stop();
    arm_signals();
  });
}

void Simulator::Impl::sleep_until(Clock::time_point when) {
  if (when <= Clock::now()) return;
  bool done = false;
  timer.expires_at(when);
  timer.async_wait([&done](const beast::error_code&) { done = true; });
  run_until(done);
}

void Simulator::Impl::generate(Clock::time_point upto) {
  if (upto <= generated_to) return;
  auto due = scenario.next(wall_now(), seconds(upto - generated_to) * options.time_scale);
  generated_to = upto;
  totals.sent += due.size();
  pending.insert(pending.end(), std::make_move_iterator(due.begin()),
                 std::make_move_iterator(due.end()));
  if (pending.size() > pending_limit) {
    // The server has been away too long: drop the oldest rather than grow without bound.
    const std::size_t dropped = pending.size() - pending_limit;
    pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(dropped));
    totals.failed += dropped;
    report_once("overflow", fmt::format("simulate: more than {} observations waiting; dropping the "
                                        "oldest (counted as failed)",
                                        pending_limit));
  }
}

beast::error_code Simulator::Impl::connect() {
  bool done = false;
  beast::error_code result;
  tcp::resolver::results_type endpoints;
  resolver.async_resolve(url.host, url.port,
                         [&](const beast::error_code& ec, tcp::resolver::results_type found) {
                           result = ec;
                           endpoints = std::move(found);
                           done = true;
                         });
  run_until(done);
  if (result) return result;
  stream.emplace(ioc);
  stream->expires_after(kConnectTimeout);
  done = false;
  stream->async_connect(endpoints, [&](const beast::error_code& ec, const tcp::endpoint&) {
    result = ec;
    done = true;
  });
  run_until(done);
  if (result) {
    close();
    return result;
  }
  beast::error_code ignored;
  stream->socket().set_option(tcp::no_delay(true), ignored);
  requests_on_connection = 0;
  buffer.clear();
  return result;
}

void Simulator::Impl::close() {
  if (!stream) return;
  beast::error_code ignored;
  stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream->socket().close(ignored);
  stream.reset();
}

Simulator::Impl::Answer Simulator::Impl::post(const std::string& body) {
  Answer answer;
  bhttp::request<bhttp::string_body> request{bhttp::verb::post, url.target, 11};
  request.set(bhttp::field::host, url.host_header);
  request.set(bhttp::field::user_agent, kUserAgent);
  request.set(bhttp::field::authorization, "Bearer " + options.token);
  request.set(bhttp::field::content_type, "application/json");
  request.keep_alive(true);
  request.body() = body;
  request.prepare_payload();

  stream->expires_after(kRequestTimeout);
  bool done = false;
  bhttp::async_write(*stream, request, [&](const beast::error_code& ec, std::size_t) {
    answer.ec = ec;
    done = true;
  });
  run_until(done);
  if (!answer.ec) {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(kResponseLimit);
    done = false;
    bhttp::async_read(*stream, buffer, parser, [&](const beast::error_code& ec, std::size_t) {
      answer.ec = ec;
      done = true;
    });
    run_until(done);
    if (!answer.ec) {
      const auto& response = parser.get();
      answer.status = response.result_int();
      answer.body = response.body();
      answer.retry_after = std::string(response[bhttp::field::retry_after]);
      answer.keep_alive = response.keep_alive();
    }
  }
  ++requests_on_connection;
  if (answer.ec || !answer.keep_alive) close();
  return answer;
}

void Simulator::Impl::deliver() {
  while (!pending.empty() && stop_requests < 2) {
    if (!stream) {
      if (const auto ec = connect()) return connection_failed(ec, "connect");
    }
    const std::size_t count = std::min(pending.size(), kMaxBatch);
    v1::ObservationBatch batch;
    batch.mutable_observations()->Reserve(static_cast<int>(count));
    for (std::size_t i = 0; i < count; ++i) *batch.add_observations() = pending[i];
    std::string body;
    if (!google::protobuf::util::MessageToJsonString(batch, &body).ok()) {
      throw std::logic_error("cannot print an observation batch as JSON");
    }

    const auto started_request = Clock::now();
    const bool reused = requests_on_connection > 0;
    Answer answer = post(body);
    if (answer.ec && reused && stop_requests < 2) {
      // The server may have closed the idle keep-alive connection: one retry on a new one. A
      // resend of a batch that did arrive is harmless, the server counts it as duplicates.
      if (const auto ec = connect()) return connection_failed(ec, "connect");
      answer = post(body);
    }
    if (answer.ec) return connection_failed(answer.ec, "post");

    ++totals.requests;
    request_ms += std::chrono::duration<double, std::milli>(Clock::now() - started_request).count();
    if (connection_down) {
      print(fmt::format("simulate: connected to {} again", options.url));
      connection_down = false;
    }
    if (answer.status == 429 || answer.status == 503) return back_off(answer);
    backoff = kMinBackoff;
    if (answer.status >= 200 && answer.status < 300) {
      accept(answer, count);
    } else if (answer.status >= 400 && answer.status < 500) {
      refuse(answer, count);
    } else {
      totals.failed += count;
      report_once(std::to_string(answer.status),
                  fmt::format("simulate: server answered {} (counted as failed): {}", answer.status,
                              answer.body.substr(0, 300)));
      backoff_until = Clock::now() + backoff;
      pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(count));
      return;
    }
    pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(count));
  }
}

void Simulator::Impl::accept(const Answer& answer, std::size_t count) {
  // 202 {"accepted":n,"duplicates":m}; a 2xx without counts means all of them were taken.
  auto accepted = static_cast<double>(count);
  double duplicates = 0.0;
  if (const auto object = parse_object(answer.body)) {
    accepted = number_field(*object, "accepted").value_or(accepted);
    duplicates = number_field(*object, "duplicates").value_or(0.0);
  }
  totals.accepted += static_cast<std::uint64_t>(std::max(0.0, accepted));
  totals.duplicates += static_cast<std::uint64_t>(std::max(0.0, duplicates));
  if (accepted + duplicates != static_cast<double>(count)) {
    report_once("count", fmt::format("simulate: sent {} observations, the server counted {} "
                                     "accepted and {} duplicates: {}",
                                     count, accepted, duplicates, answer.body.substr(0, 300)));
  }
}

void Simulator::Impl::back_off(const Answer& answer) {
  ++totals.backoffs;
  Clock::duration wait = backoff;
  if (!answer.retry_after.empty() &&
      std::all_of(answer.retry_after.begin(), answer.retry_after.end(),
                  [](char c) { return c >= '0' && c <= '9'; }) &&
      answer.retry_after.size() <= 6) {
    wait = std::chrono::seconds(std::stoi(answer.retry_after));
  }
  backoff = std::min<Clock::duration>(backoff * 2, kMaxBackoff);
  backoff_until = Clock::now() + wait;
  report_once(std::to_string(answer.status),
              fmt::format("simulate: server busy ({}), backing off {:.2f} s (and whenever it says "
                          "so again)",
                          answer.status, seconds(wait)));
}

void Simulator::Impl::refuse(const Answer& answer, std::size_t count) {
  totals.refused += count;
  // {"error":{"code":...,"message":...,"index":i}}: print each kind of refusal once.
  std::string code;
  std::string detail = answer.body.substr(0, 300);
  if (const auto object = parse_object(answer.body)) {
    const auto it = object->fields().find("error");
    if (it != object->fields().end() && it->second.has_struct_value()) {
      const auto& error = it->second.struct_value().fields();
      const auto text = [&](const char* name) {
        const auto f = error.find(name);
        return f != error.end() && f->second.has_string_value() ? f->second.string_value()
                                                                : std::string();
      };
      code = text("code");
      detail = code + ": " + text("message");
      const auto index = error.find("index");
      if (index != error.end() && index->second.has_number_value()) {
        const auto i = static_cast<std::size_t>(index->second.number_value());
        if (i < count) detail += fmt::format(" (observation {}, id {})", i, pending[i].id());
      }
    }
  }
  report_once(fmt::format("{} {}", answer.status, code),
              fmt::format("simulate: server refused a batch of {} with {}: {}", count,
                          answer.status, detail));
}

void Simulator::Impl::connection_failed(const beast::error_code& ec, const char* what) {
  close();
  if (stop_requests > 1 && ec == asio::error::operation_aborted) return;  // abandoned on purpose
  ++totals.connection_errors;
  if (!connection_down) {
    print(
        fmt::format("simulate: {} {}: {}; retrying with backoff", what, options.url, ec.message()));
    connection_down = true;
  }
  backoff_until = Clock::now() + backoff;
  backoff = std::min<Clock::duration>(backoff * 2, kMaxBackoff);
}

void Simulator::Impl::report_once(const std::string& key, const std::string& line) {
  if (reported.insert(key).second) print(line);
}

void Simulator::Impl::print(const std::string& line) { out << line << std::endl; }

void Simulator::Impl::status_line(Clock::time_point now) {
  const double interval = seconds(now - last_status);
  const double per_s =
      interval > 0.0 ? static_cast<double>(totals.sent - sent_at_last_status) / interval : 0.0;
  last_status = now;
  sent_at_last_status = totals.sent;
  print(fmt::format(
      "simulate {:.0f}s: sent {} ({:.1f}/s), accepted {}, duplicates {}, refused {}, failed {}, "
      "waiting {} | simulated {}: {} fires burning, {} gauges above warning | {} requests{}",
      seconds(now - started), totals.sent, per_s, totals.accepted, totals.duplicates,
      totals.refused, totals.failed, pending.size(), span(scenario.simulated_s()),
      scenario.fires_burning(), scenario.gauges_above_warning(), totals.requests,
      totals.requests > 0
          ? fmt::format(" ({:.1f} ms avg)", request_ms / static_cast<double>(totals.requests))
          : std::string()));
}

void Simulator::Impl::summary() {
  const auto& s = scenario.stats();
  print(fmt::format(
      "simulate summary: {:.1f} s real, {} simulated, seed {}; {} requests{}, {} connection "
      "errors, {} backoffs",
      totals.elapsed_s, span(totals.simulated_s), options.seed, totals.requests,
      totals.requests > 0
          ? fmt::format(" ({:.1f} ms avg)", request_ms / static_cast<double>(totals.requests))
          : std::string(),
      totals.connection_errors, totals.backoffs));
  print(fmt::format("  sent {}: accepted {}, duplicates {}, refused {}, failed {}", totals.sent,
                    totals.accepted, totals.duplicates, totals.refused, totals.failed));
  print(fmt::format(
      "  scenario: {} smoke detections ({} false) from {} fires, {} camera alarms ({} repeats, "
      "{} smoke/fire near fires), {} gauge readings ({} flood waves)",
      s.smoke_detections, s.false_detections, s.fires_started, s.camera_alarms, s.camera_repeats,
      s.camera_fire_alarms, s.gauge_readings, s.flood_waves_started));
  print(totals.ok() ? "  everything sent was accepted (or already there): exit 0"
                    : "  not everything sent was accepted: exit 1");
}

SimulateSummary Simulator::Impl::run() {
  signals.add(SIGINT);
  signals.add(SIGTERM);
  arm_signals();
  started = Clock::now();
  generated_to = started;
  last_status = started;
  const auto deadline = options.duration_s > 0.0
                            ? started + std::chrono::duration_cast<Clock::duration>(
                                            std::chrono::duration<double>(options.duration_s))
                            : Clock::time_point::max();
  const auto status_every = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(options.status_interval_s));
  auto next_tick = started + kTick;
  auto next_status = started + status_every;

  while (stop_requests == 0) {
    sleep_until(std::min(next_tick, deadline));
    if (stop_requests > 0) break;
    const auto now = Clock::now();
    generate(std::min(now, deadline));
    if (now >= backoff_until) deliver();
    if (now >= next_status) {
      status_line(now);
      next_status = std::max(next_status + status_every, now);
    }
    if (now >= deadline) break;
    next_tick = std::max(next_tick + kTick, Clock::now());
  }

  // One last attempt for what is still waiting, unless told twice to stop.
  if (!pending.empty() && stop_requests < 2 && backoff_until - Clock::now() < kFinalWaitLimit) {
    sleep_until(backoff_until);
    deliver();
  }
  totals.failed += pending.size();
  pending.clear();
  close();

  signals.clear();
  signals.cancel();
  timer.cancel();
  ioc.restart();
  ioc.poll();

  totals.elapsed_s = seconds(Clock::now() - started);
  totals.simulated_s = scenario.simulated_s();
  summary();
  return totals;
}

Simulator::Simulator(const gis::LayerSet& layers, SimulateOptions options) {
  const auto positive = [](double v) { return std::isfinite(v) && v > 0.0; };
  if (!positive(options.rate)) {
    throw std::invalid_argument("--rate: must be a positive number of observations per second");
  }
  if (!std::isfinite(options.duration_s) || options.duration_s < 0.0) {
    throw std::invalid_argument("--duration: must be a number of seconds, 0 for until stopped");
  }
  if (!positive(options.time_scale)) {
    throw std::invalid_argument("--time-scale: must be a positive number");
  }
  if (!positive(options.status_interval_s)) {
    throw std::invalid_argument("status interval: must be a positive number of seconds");
  }
  impl_ = std::make_unique<Impl>(layers, std::move(options));
}

Simulator::~Simulator() = default;

SimulateSummary Simulator::run() { return impl_->run(); }

void Simulator::stop() {
  asio::post(impl_->ioc, [impl = impl_.get()] { impl->request_stop(); });
}

}  // namespace quanyu::server::sim

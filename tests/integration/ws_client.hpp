#pragma once
// A small WebSocket client of /ws/situation for tests (Boost.Beast), with receive timeouts. Each
// client runs its own io_context on the calling thread: no threads of its own.

#include <google/protobuf/util/json_util.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "quanyu/v1/live.pb.h"

namespace quanyu::test {

class WsClient {
 public:
  struct Options {
    std::string target = "/ws/situation";
    std::string bearer;                     ///< Authorization: Bearer ...
    std::vector<std::string> subprotocols;  ///< Sec-WebSocket-Protocol offer
    int receive_buffer = 0;                 ///< SO_RCVBUF before connecting (0: default)
    bool deflate = false;                   ///< offer permessage-deflate
  };

  /// /ws/situation with a bearer token, as most tests connect: see connect() for `status`.
  static std::unique_ptr<WsClient> situation(int port, const std::string& token,
                                             const std::string& query, int receive_buffer,
                                             int* status) {
    Options options;
    options.bearer = token;
    options.target = "/ws/situation" + query;
    options.receive_buffer = receive_buffer;
    return connect(port, options, status);
  }

  /// Connects and completes the handshake; on refusal returns null and sets `status` to the HTTP
  /// status of the answer (0 when there was none).
  static std::unique_ptr<WsClient> connect(int port, const Options& options, int* status = nullptr,
                                           std::string* subprotocol = nullptr) {
    auto client = std::unique_ptr<WsClient>(new WsClient());
    namespace beast = boost::beast;
    namespace websocket = beast::websocket;
    auto& socket = beast::get_lowest_layer(client->ws_).socket();
    boost::system::error_code ec;
    socket.open(boost::asio::ip::tcp::v4(), ec);
    if (options.receive_buffer > 0) {
      socket.set_option(boost::asio::socket_base::receive_buffer_size(options.receive_buffer), ec);
    }
    socket.connect({boost::asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)},
                   ec);
    if (ec) {
      if (status != nullptr) *status = 0;
      return nullptr;
    }
    if (options.deflate) {
      websocket::permessage_deflate deflate;
      deflate.client_enable = true;
      client->ws_.set_option(deflate);
    }
    client->ws_.set_option(websocket::stream_base::decorator([options](websocket::request_type& r) {
      if (!options.bearer.empty())
        r.set(beast::http::field::authorization, "Bearer " + options.bearer);
      std::string offer;
      for (const auto& p : options.subprotocols) offer += (offer.empty() ? "" : ", ") + p;
      if (!offer.empty()) r.set(beast::http::field::sec_websocket_protocol, offer);
    }));
    client->ws_.read_message_max(64 << 20);
    websocket::response_type response;
    // The asynchronous handshake fills `response` also when the upgrade is refused.
    ec = boost::asio::error::timed_out;
    client->ws_.async_handshake(response, "127.0.0.1", options.target,
                                [&ec](boost::system::error_code result) { ec = result; });
    client->ioc_.run_for(std::chrono::seconds(10));
    client->ioc_.restart();
    if (status != nullptr) *status = static_cast<int>(response.result_int());
    if (subprotocol != nullptr) {
      *subprotocol = std::string(response[beast::http::field::sec_websocket_protocol]);
    }
    if (ec) return nullptr;
    return client;
  }

  /// The next frame's bytes, or nullopt after `timeout` (the read stays pending for next time).
  std::optional<std::string> receive_raw(std::chrono::milliseconds timeout, bool* text = nullptr) {
    if (!pending_) {
      pending_ = true;
      done_ = false;
      ws_.async_read(buffer_, [this](boost::system::error_code ec, std::size_t) {
        done_ = true;
        error_ = ec;
      });
    }
    ioc_.restart();
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done_ && std::chrono::steady_clock::now() < deadline) {
      ioc_.run_one_until(deadline);
    }
    if (!done_) return std::nullopt;
    pending_ = false;
    if (error_) {
      closed_ = true;
      return std::nullopt;
    }
    if (text != nullptr) *text = ws_.got_text();
    std::string data = boost::beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    return data;
  }

  /// The next ServerMessage (binary Protobuf or JSON text), or nullopt after `timeout`.
  std::optional<v1::ServerMessage> receive(std::chrono::milliseconds timeout) {
    bool text = false;
    auto data = receive_raw(timeout, &text);
    if (!data) return std::nullopt;
    v1::ServerMessage message;
    const bool ok = text ? google::protobuf::util::JsonStringToMessage(*data, &message).ok()
                         : message.ParseFromString(*data);
    if (!ok) throw std::runtime_error("not a ServerMessage: " + data->substr(0, 200));
    return message;
  }

  /// The next message with `body` (skipping heartbeats and others), or nullopt.
  std::optional<v1::ServerMessage> receive_until(v1::ServerMessage::BodyCase body,
                                                 std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      auto message = receive(left);
      if (!message) return std::nullopt;
      if (message->body_case() == body) return message;
    }
    return std::nullopt;
  }

  void send(const v1::ClientMessage& message, bool json = false) {
    std::string data;
    if (json) {
      (void)google::protobuf::util::MessageToJsonString(message, &data);
    } else {
      message.SerializeToString(&data);
    }
    send_raw(data, json);
  }

  void send_raw(const std::string& data, bool text) {
    ws_.text(text);
    ws_.write(boost::asio::buffer(data));
  }

  bool closed() const { return closed_; }
  boost::system::error_code error() const { return error_; }
  boost::beast::websocket::close_reason close_reason() const { return ws_.reason(); }

 private:
  WsClient() = default;

  boost::asio::io_context ioc_;
  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_{ioc_};
  boost::beast::flat_buffer buffer_;
  bool pending_ = false;
  bool done_ = false;
  bool closed_ = false;
  boost::system::error_code error_;
};

/// The state a client builds from snapshots and deltas: what it shows.
struct LiveState {
  std::uint64_t seq = 0;
  std::map<std::string, v1::Incident> incidents;
  std::map<std::string, v1::Task> tasks;
  v1::Kpis kpis;
  int snapshots = 0;
  int deltas = 0;

  void apply(const v1::ServerMessage& message) {
    if (message.has_snapshot()) {
      incidents.clear();
      tasks.clear();
      for (const auto& i : message.snapshot().incidents()) incidents[i.id()] = i;
      for (const auto& t : message.snapshot().tasks()) tasks[t.id()] = t;
      kpis = message.snapshot().kpis();
      seq = message.seq();
      ++snapshots;
    } else if (message.has_delta()) {
      for (const auto& i : message.delta().incidents()) incidents[i.id()] = i;
      for (const auto& t : message.delta().tasks()) tasks[t.id()] = t;
      for (const auto& id : message.delta().removed_incident_ids()) {
        incidents.erase(id);
        std::erase_if(tasks, [&](const auto& t) { return t.second.incident_id() == id; });
      }
      if (message.delta().has_kpis()) kpis = message.delta().kpis();
      seq = message.seq();
      ++deltas;
    }
  }
};

}  // namespace quanyu::test

#pragma once
// A lean WebSocket client for the fan-out load generator (RFC 6455, client side only): it
// upgrades with Beast's HTTP parser, then reads the server's frames straight off the socket in
// 64 KiB reads, as the RESP subscribers read Redis. Beast's websocket stream reads at most
// 1,536 bytes per receive (`tcp_frame_size`), so a 10 KB delta cost a screen seven system calls
// and seven ACKs; with 1,000 screens on the same two cores as the server, that load generator
// measured itself more than the server. Every WebSocket subscriber (Quanyu's screens and
// mosquitto's MQTT clients) uses this one reader, so they are driven alike.
//
// What it does: unmasked server frames, fragmented messages (continuations), PING answered with
// PONG, CLOSE ends the stream; client frames are masked. On request it offers permessage-deflate
// (RFC 7692), as browsers do, and inflates what the server compressed. The handshake key is a
// fixed one: the server only hashes it.
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/zlib/inflate_stream.hpp>
#include <cstdint>
#include <cstring>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace quanyu::bench {

class WsClient {
 public:
  using tcp = boost::asio::ip::tcp;

  template <typename Executor>
  explicit WsClient(const Executor& executor) : socket_(executor), buffer_(64 * 1024) {}

  tcp::socket& socket() { return socket_; }

  /// Connects to 127.0.0.1:port and upgrades `target`, with extra request headers, offering
  /// permessage-deflate with `deflate`. Throws with the server's status and body when it answers
  /// anything but 101.
  void connect(const std::string& port, const std::string& target,
               const std::vector<std::pair<std::string, std::string>>& headers,
               bool deflate = false) {
    namespace http = boost::beast::http;
    tcp::resolver resolver(socket_.get_executor());
    boost::asio::connect(socket_, resolver.resolve("127.0.0.1", port));
    socket_.set_option(tcp::no_delay(true));
    http::request<http::empty_body> request{http::verb::get, target, 11};
    request.set(http::field::host, "127.0.0.1:" + port);
    request.set(http::field::upgrade, "websocket");
    request.set(http::field::connection, "Upgrade");
    request.set(http::field::sec_websocket_version, "13");
    request.set(http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
    if (deflate) request.set(http::field::sec_websocket_extensions, "permessage-deflate");
    for (const auto& [name, value] : headers) request.set(name, value);
    http::write(socket_, request);
    boost::beast::flat_buffer head;
    http::response_parser<http::string_body> parser;
    parser.body_limit(1 << 20);
    http::read_header(socket_, head, parser);
    if (parser.get().result() != http::status::switching_protocols) {
      if (!parser.is_done()) http::read(socket_, head, parser);
      throw std::runtime_error("websocket upgrade of " + target + " answered " +
                               std::to_string(parser.get().result_int()) + ": " +
                               parser.get().body());
    }
    const std::string extensions(parser.get()[http::field::sec_websocket_extensions]);
    if (deflate && extensions.find("permessage-deflate") != std::string::npos) {
      deflated_ = true;
      no_context_takeover_ = extensions.find("server_no_context_takeover") != std::string::npos;
      inflate_.reset(15);
    }
    // Whatever followed the 101 in the same read is the start of the first frames.
    const auto rest = head.data();
    append(static_cast<const char*>(rest.data()), rest.size());
  }

  /// Sends one binary message (masked, as a client must), synchronously.
  void write_binary(std::string_view payload) { write_frame(0x2, payload); }

  /// Reads frames for ever: `on_message(data, size)` for every complete data message, from the
  /// socket's executor. Stops silently on a read error or a CLOSE.
  template <typename OnMessage>
  void read_loop(OnMessage on_message) {
    deliver(on_message);
    if (closed_) return;
    if (end_ == buffer_.size()) {
      // Compact, and grow when one frame is larger than the whole buffer.
      std::memmove(buffer_.data(), buffer_.data() + start_, end_ - start_);
      end_ -= start_;
      start_ = 0;
      if (end_ == buffer_.size()) buffer_.resize(buffer_.size() * 2);
    }
    socket_.async_read_some(
        boost::asio::buffer(buffer_.data() + end_, buffer_.size() - end_),
        [this, on_message](const boost::system::error_code& ec, std::size_t n) mutable {
          if (ec) return;
          end_ += n;
          read_loop(std::move(on_message));
        });
  }

  /// Reads until one complete data message arrives and returns it (for set-up exchanges).
  std::string read_message() {
    std::string message;
    bool got = false;
    for (int i = 0; i < 1000 && !got; ++i) {
      auto take = [&](const char* data, std::size_t size) {
        message.assign(data, size);
        got = true;
      };
      deliver(take, true);
      if (got || closed_) break;
      if (end_ == buffer_.size()) buffer_.resize(buffer_.size() * 2);
      end_ += socket_.read_some(boost::asio::buffer(buffer_.data() + end_, buffer_.size() - end_));
    }
    if (!got) throw std::runtime_error("websocket: no message");
    return message;
  }

  void close() {
    boost::system::error_code ec;
    socket_.close(ec);
  }

  /// Whether the server agreed to compress (permessage-deflate).
  bool deflated() const { return deflated_; }
  /// The bytes on the wire of the last message delivered (compressed, when it was).
  std::size_t wire_size() const { return wire_size_; }

 private:
  void append(const char* data, std::size_t n) {
    if (end_ + n > buffer_.size()) buffer_.resize(end_ + n);
    std::memcpy(buffer_.data() + end_, data, n);
    end_ += n;
  }

  /// Hands every complete message buffered (or only the first, with `one`) to `on_message`;
  /// answers PINGs. What remains stays buffered for the next call.
  template <typename OnMessage>
  void deliver(OnMessage& on_message, bool one = false) {
    bool delivered = false;
    while (!closed_ && !(one && delivered)) {
      const auto* at = reinterpret_cast<const std::uint8_t*>(buffer_.data() + start_);
      const std::size_t available = end_ - start_;
      if (available < 2) break;
      const bool fin = (at[0] & 0x80) != 0;
      const int opcode = at[0] & 0x0F;
      if ((at[1] & 0x80) != 0) throw std::runtime_error("websocket: a server frame was masked");
      std::size_t header = 2;
      std::uint64_t length = at[1] & 0x7F;
      if (length == 126) {
        if (available < 4) break;
        length = (std::uint64_t{at[2]} << 8) | at[3];
        header = 4;
      } else if (length == 127) {
        if (available < 10) break;
        length = 0;
        for (int i = 2; i < 10; ++i) length = (length << 8) | at[i];
        header = 10;
      }
      if (available < header + length) {
        // Make room for the rest of a large frame before the next read.
        if (header + length > buffer_.size() - start_) {
          std::memmove(buffer_.data(), buffer_.data() + start_, available);
          start_ = 0;
          end_ = available;
          if (header + length > buffer_.size()) buffer_.resize(header + length);
        }
        break;
      }
      const char* payload = buffer_.data() + start_ + header;
      const auto size = static_cast<std::size_t>(length);
      start_ += header + size;
      if (opcode == 0x9) {
        write_frame(0xA, {payload, size});
      } else if (opcode == 0x8) {
        closed_ = true;
      } else if (opcode == 0x0 || opcode == 0x1 || opcode == 0x2) {
        if (opcode != 0x0) compressed_ = (at[0] & 0x40) != 0;  // RSV1 on a message's first frame
        if (fin && fragments_.empty()) {
          message(on_message, payload, size);
          delivered = true;
        } else {
          fragments_.append(payload, size);
          if (fin) {
            message(on_message, fragments_.data(), fragments_.size());
            fragments_.clear();
            delivered = true;
          }
        }
      }
      // 0xA (PONG) and reserved opcodes: nothing to do.
    }
    if (start_ == end_) start_ = end_ = 0;
  }

  template <typename OnMessage>
  void message(OnMessage& on_message, const char* data, std::size_t size) {
    wire_size_ = size;
    if (!compressed_) return on_message(data, size);
    if (!deflated_) throw std::runtime_error("websocket: a compressed message was not negotiated");
    inflated_.clear();
    std::size_t used = 0;
    auto feed = [&](const void* in, std::size_t n) {
      namespace zlib = boost::beast::zlib;
      zlib::z_params zs;
      zs.next_in = in;
      zs.avail_in = n;
      do {
        if (inflated_.size() - used < 16 * 1024) inflated_.resize(used + 64 * 1024);
        zs.next_out = inflated_.data() + used;
        zs.avail_out = inflated_.size() - used;
        const std::size_t room = zs.avail_out;
        boost::system::error_code ec;
        inflate_.write(zs, zlib::Flush::sync, ec);
        used += room - zs.avail_out;
        if (ec && ec != zlib::error::need_buffers) {
          throw std::runtime_error("websocket: inflate: " + ec.message());
        }
      } while (zs.avail_in > 0 || zs.avail_out == 0);
    };
    feed(data, size);
    static constexpr std::uint8_t kEmptyBlock[4] = {0x00, 0x00, 0xFF, 0xFF};  // RFC 7692 7.2.2
    feed(kEmptyBlock, sizeof kEmptyBlock);
    if (no_context_takeover_) inflate_.clear();
    on_message(inflated_.data(), used);
  }

  void write_frame(int opcode, std::string_view payload) {
    std::string frame;
    frame.push_back(static_cast<char>(0x80 | opcode));
    if (payload.size() < 126) {
      frame.push_back(static_cast<char>(0x80 | payload.size()));
    } else if (payload.size() < 65536) {
      frame.push_back(static_cast<char>(0x80 | 126));
      frame.push_back(static_cast<char>(payload.size() >> 8));
      frame.push_back(static_cast<char>(payload.size() & 0xFF));
    } else {
      frame.push_back(static_cast<char>(0x80 | 127));
      for (int i = 7; i >= 0; --i) frame.push_back(static_cast<char>(payload.size() >> (8 * i)));
    }
    std::uint8_t mask[4];
    const std::uint32_t key = mask_rng_();
    std::memcpy(mask, &key, 4);
    frame.append(reinterpret_cast<const char*>(mask), 4);
    for (std::size_t i = 0; i < payload.size(); ++i) {
      frame.push_back(static_cast<char>(payload[i] ^ static_cast<char>(mask[i % 4])));
    }
    boost::asio::write(socket_, boost::asio::buffer(frame));
  }

  tcp::socket socket_;
  std::vector<char> buffer_;
  std::size_t start_ = 0;  ///< first unparsed byte
  std::size_t end_ = 0;    ///< one past the last byte read
  std::string fragments_;  ///< a fragmented message so far
  bool closed_ = false;
  bool compressed_ = false;  ///< the message being read is compressed
  bool deflated_ = false;    ///< permessage-deflate was agreed
  bool no_context_takeover_ = false;
  boost::beast::zlib::inflate_stream inflate_;
  std::string inflated_;
  std::size_t wire_size_ = 0;
  std::mt19937 mask_rng_{std::random_device{}()};
};

}  // namespace quanyu::bench

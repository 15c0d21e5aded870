#include "server/live/ws_session.hpp"

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>
#include <spdlog/spdlog.h>

#include <unistd.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket.hpp>

#include "server/http/message.hpp"

namespace quanyu::server::live {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace bhttp = beast::http;

/// Logs a network error unless it is the normal end of a connection.
void fail(const beast::error_code& ec, const char* what) {
  if (ec == asio::error::operation_aborted || ec == websocket::error::closed ||
      ec == asio::error::eof || ec == asio::error::connection_reset ||
      ec == beast::error::timeout) {
    return;
  }
  spdlog::debug("ws {}: {}", what, ec.message());
}

}  // namespace

void LiveCounters::refuse(const std::string& reason) {
  const std::lock_guard lock(mutex_);
  ++refusals_[reason];
}

void LiveCounters::drop(const std::string& reason) {
  const std::lock_guard lock(mutex_);
  ++drops_[reason];
}

std::map<std::string, std::uint64_t> LiveCounters::refusals() const {
  const std::lock_guard lock(mutex_);
  return refusals_;
}

std::map<std::string, std::uint64_t> LiveCounters::drops() const {
  const std::lock_guard lock(mutex_);
  return drops_;
}

void refuse_upgrade(beast::tcp_stream&& stream, unsigned version, int status, std::string_view code,
                    std::string_view message) {
  struct Refusal {
    beast::tcp_stream stream;
    bhttp::response<bhttp::string_body> response;
  };
  auto refusal = std::make_shared<Refusal>(Refusal{
      std::move(stream), bhttp::response<bhttp::string_body>(static_cast<bhttp::status>(status),
                                                             version == 0 ? 11 : version)});
  auto& response = refusal->response;
  const http::Response body = http::error_response(status, code, message);
  response.set(bhttp::field::server, "quanyu");
  response.set(bhttp::field::content_type, body.content_type);
  response.set(bhttp::field::cache_control, "no-store");
  if (status == 401) response.set(bhttp::field::www_authenticate, R"(Bearer realm="quanyu")");
  response.body() = body.body;
  response.keep_alive(false);
  response.prepare_payload();
  refusal->stream.expires_after(std::chrono::seconds(10));
  bhttp::async_write(refusal->stream, refusal->response,
                     [refusal](beast::error_code ec, std::size_t) {
                       if (ec) return fail(ec, "refuse");
                       refusal->stream.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
                     });
}

namespace {

/// The same connection, its handlers run by `executor`.
asio::ip::tcp::socket rebind(beast::tcp_stream&& stream, const asio::any_io_executor& executor) {
  asio::ip::tcp::socket socket = std::move(stream).release_socket();
  beast::error_code ec;
  const auto protocol = socket.local_endpoint(ec).protocol();
  asio::ip::tcp::socket rebound(executor);
  if (ec) return rebound;  // already gone: the handshake fails on the closed socket
  const auto handle = socket.release(ec);
  if (ec) return rebound;
  rebound.assign(protocol, handle, ec);
  if (ec) ::close(handle);
  return rebound;
}

}  // namespace

WsSession::WsSession(beast::tcp_stream&& stream, asio::any_io_executor executor, std::size_t lane,
                     std::shared_ptr<SessionHost> host, Admission admission)
    : ws_(rebind(std::move(stream), executor)),
      host_(std::move(host)),
      lane_(lane),
      admission_(std::move(admission)),
      timer_(ws_.get_executor()) {}

WsSession::~WsSession() {
  // One line per connection, with its duration and what it was sent.
  if (open_) {
    spdlog::info("ws /ws/situation closed for {}: {} frames in {:.1f} s", admission_.scope.actor,
                 frames_sent_,
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - opened_).count());
  }
  host_->counters().queued.fetch_sub(queue_.size());
  host_->counters().clients.fetch_sub(1);
  host_->detach(this);
}

void WsSession::run(Request request) {
  const LiveOptions& options = host_->options();
  auto timeouts = websocket::stream_base::timeout::suggested(beast::role_type::server);
  timeouts.handshake_timeout = options.handshake_timeout;
  // A ping after half of it without anything received; closed after all of it: a client that
  // stopped reading does not answer pings.
  timeouts.idle_timeout = options.stall_timeout;
  timeouts.keep_alive_pings = true;
  ws_.set_option(timeouts);
  websocket::permessage_deflate deflate;
  deflate.server_enable = options.permessage_deflate;  // used only when the client offers it
  // Level 1: compressing costs CPU per session and per frame. Against Beast's default of 8 a
  // 20,000-incident JSON snapshot is 1.5 times larger compressed but 30 % quicker to hold, and
  // deltas to 1,000 compressing screens cost less (docs/PERFORMANCE.md).
  deflate.compLevel = 1;
  ws_.set_option(deflate);
  ws_.read_message_max(options.max_frame_bytes);
  ws_.binary(admission_.encoding == Encoding::protobuf);
  // One frame per message, one write: Beast's default splits a message into 4 KB frames, each
  // its own send and its own wake-up of the reader (three for a 10 KB delta to each screen).
  ws_.auto_fragment(false);
  const bool subprotocol = admission_.subprotocol;
  ws_.set_option(websocket::stream_base::decorator([subprotocol](websocket::response_type& res) {
    res.set(bhttp::field::server, "quanyu");
    if (subprotocol) res.set(bhttp::field::sec_websocket_protocol, "quanyu.v1");
  }));
  // The request is kept alive by the handler until the handshake is answered.
  auto owned = std::make_shared<Request>(std::move(request));
  ws_.async_accept(
      *owned, [self = shared_from_this(), owned](beast::error_code ec) { self->on_accept(ec); });
}

void WsSession::on_accept(beast::error_code ec) {
  if (ec) return fail(ec, "accept");
  open_ = true;
  last_sent_ = std::chrono::steady_clock::now();
  if (closing_) return do_close(pending_close_.value_or(websocket::close_code::going_away));
  ++awaiting_;
  host_->attach(shared_from_this(), ViewFilter::of(admission_.scope, {}, admission_.detail),
                admission_.resume_after, false);
  read();
  schedule_tick();
}

void WsSession::read() {
  ws_.async_read(read_buffer_, beast::bind_front_handler(&WsSession::on_read, shared_from_this()));
}

void WsSession::on_read(beast::error_code ec, std::size_t /*bytes*/) {
  if (ec) {
    // The connection is over: the timer must not keep this session alive.
    closing_ = true;
    timer_.cancel();
  }
  if (ec == websocket::error::message_too_big) {
    // Beast has already answered with close code 1009 (too big).
    host_->counters().refuse("message_too_big");
    return;
  }
  if (ec == beast::error::timeout) {
    host_->counters().drop("no_pong");
    return;
  }
  if (ec) return fail(ec, "read");
  host_->counters().client_messages.fetch_add(1);
  const std::string data = beast::buffers_to_string(read_buffer_.data());
  read_buffer_.consume(read_buffer_.size());
  handle(data, ws_.got_text());
  if (!closing_) read();
}

void WsSession::handle(const std::string& data, bool text) {
  v1::ClientMessage message;
  bool parsed = false;
  if (text) {
    parsed = google::protobuf::util::JsonStringToMessage(data, &message).ok();
  } else {
    parsed = message.ParseFromString(data);
  }
  if (!parsed) {
    host_->counters().refuse("invalid_message");
    return send_error("invalid_message", text
                                             ? "the text frame is not a quanyu.v1.ClientMessage "
                                               "in proto3 JSON"
                                             : "the binary frame is not a quanyu.v1.ClientMessage");
  }
  switch (message.body_case()) {
    case v1::ClientMessage::kSubscribe: {
      if (auto problem = ViewFilter::validate(message.subscribe())) {
        host_->counters().refuse("invalid_subscribe");
        return send_error("invalid_subscribe", *problem);
      }
      ++awaiting_;
      host_->attach(shared_from_this(),
                    ViewFilter::of(admission_.scope, message.subscribe(), admission_.detail),
                    std::nullopt, true);
      return;
    }
    case v1::ClientMessage::kResume:
      ++awaiting_;
      host_->resume(shared_from_this(), message.resume().after_seq(), false);
      return;
    case v1::ClientMessage::kCommand:
      host_->command(shared_from_this(), message.command());
      return;
    case v1::ClientMessage::kPing:
      return send_heartbeat();
    case v1::ClientMessage::BODY_NOT_SET:
      break;
  }
  host_->counters().refuse("invalid_message");
  send_error("invalid_message", "a ClientMessage needs one of subscribe, resume, command, ping");
}

void WsSession::send_error(std::string_view code, const std::string& message) {
  v1::ServerMessage out;
  out.set_seq(last_seq_);
  out.mutable_error()->set_code(std::string(code));
  out.mutable_error()->set_message(message);
  push({encode(out, admission_.encoding), 0, Kind::control});
}

void WsSession::send_heartbeat() {
  v1::ServerMessage out;
  // The state this client has been sent: a safe point to resume from.
  out.set_seq(last_seq_);
  auto* heartbeat = out.mutable_heartbeat();
  *heartbeat->mutable_server_time() = google::protobuf::util::TimeUtil::GetCurrentTime();
  heartbeat->set_seq(last_seq_);
  push({encode(out, admission_.encoding), 0, Kind::control});
}

void WsSession::offer(std::uint64_t seq, const Payload& payload) {
  if (!open_ || closing_) return;
  // Older than the state already queued, or superseded by an answer on its way.
  if (awaiting_ > 0 || seq <= last_seq_) return;
  if (coalescing_) {
    host_->counters().deltas_coalesced.fetch_add(1);
    return;
  }
  push_state(seq, payload, Kind::delta);
}

void WsSession::answer(Answer answer) {
  asio::post(ws_.get_executor(), [self = shared_from_this(), answer = std::move(answer)]() mutable {
    self->on_answer(answer);
  });
}

void WsSession::on_answer(Answer& answer) {
  --awaiting_;
  if (!open_ || closing_) return;
  if (answer.error) return push({answer.error, 0, Kind::control});
  // What is still queued is superseded by the answer.
  drop_queued(false);
  coalescing_ = false;
  if (answer.snapshot) {
    for (auto& [seq, payload] : answer.frames) push_state(seq, std::move(payload), Kind::snapshot);
    return;
  }
  last_seq_ = answer.after_seq;
  for (auto& [seq, payload] : answer.frames) {
    if (coalescing_) {
      host_->counters().deltas_coalesced.fetch_add(1);
      continue;
    }
    push_state(seq, std::move(payload), Kind::delta);
  }
}

void WsSession::control(Payload payload) {
  asio::post(ws_.get_executor(), [self = shared_from_this(), payload = std::move(payload)] {
    if (!self->open_ || self->closing_) return;
    self->push({payload, 0, Kind::control});
  });
}

void WsSession::push_state(std::uint64_t seq, Payload payload, Kind kind) {
  const LiveOptions& options = host_->options();
  std::size_t waiting = queue_.size() - (writing_ ? 1 : 0);
  const bool full = waiting >= options.queue_messages ||
                    (waiting > 0 && queued_bytes_ + payload->size() > options.queue_bytes);
  if (kind == Kind::delta && full) {
    start_coalescing();
    host_->counters().deltas_coalesced.fetch_add(1);
    return;
  }
  last_seq_ = seq;
  push({std::move(payload), seq, kind});
}

void WsSession::push(Frame frame) {
  // Control frames are few (answers to the client's own messages), but a client that sends
  // and never reads must not grow the queue without end.
  if (frame.kind == Kind::control && queue_.size() >= 2 * host_->options().queue_messages) {
    return disconnect("overflow");
  }
  queued_bytes_ += frame.payload->size();
  queue_.push_back(std::move(frame));
  host_->counters().queued.fetch_add(1);
  write_next();
}

void WsSession::start_coalescing() {
  coalescing_ = true;
  drop_queued(true);
}

void WsSession::drop_queued(bool deltas_only) {
  // Keep the frame being written and control frames; the state restarts from the last state
  // frame that stays.
  std::deque<Frame> kept;
  std::size_t dropped = 0;
  for (std::size_t i = 0; i < queue_.size(); ++i) {
    Frame& frame = queue_[i];
    const bool in_flight = writing_ && i == 0;
    const bool droppable =
        frame.kind == Kind::delta || (!deltas_only && frame.kind == Kind::snapshot);
    if (!in_flight && droppable) {
      queued_bytes_ -= frame.payload->size();
      if (frame.kind == Kind::delta) host_->counters().deltas_coalesced.fetch_add(1);
      ++dropped;
      continue;
    }
    kept.push_back(std::move(frame));
  }
  queue_ = std::move(kept);
  host_->counters().queued.fetch_sub(dropped);
  last_seq_ = written_seq_;
  for (const auto& frame : queue_) {
    if (frame.kind != Kind::control) last_seq_ = frame.seq;
  }
}

void WsSession::write_next() {
  if (writing_ || queue_.empty() || !open_) return;
  writing_ = true;
  write_started_ = std::chrono::steady_clock::now();
  const Frame& frame = queue_.front();
  if (frame.kind != Kind::control) written_seq_ = frame.seq;
  ws_.async_write(asio::buffer(*frame.payload),
                  beast::bind_front_handler(&WsSession::on_write, shared_from_this()));
}

void WsSession::on_write(beast::error_code ec, std::size_t bytes) {
  writing_ = false;
  if (ec) {
    closing_ = true;
    timer_.cancel();
    return fail(ec, "write");
  }
  auto& counters = host_->counters();
  ++frames_sent_;
  counters.messages_sent.fetch_add(1);
  counters.bytes_sent.fetch_add(bytes);
  counters.queued.fetch_sub(1);
  queued_bytes_ -= queue_.front().payload->size();
  queue_.pop_front();
  last_sent_ = std::chrono::steady_clock::now();
  if (closing_) {
    if (pending_close_) do_close(*pending_close_);
    return;
  }
  if (queue_.empty() && coalescing_ && awaiting_ == 0) {
    // Drained: one catch-up with the latest state replaces everything that was dropped.
    ++awaiting_;
    host_->resume(shared_from_this(), last_seq_, true);
  }
  write_next();
}

void WsSession::close(websocket::close_code code) {
  asio::post(ws_.get_executor(), [self = shared_from_this(), code] {
    if (self->closing_) return;
    self->closing_ = true;
    self->pending_close_ = code;
    // Nothing more is sent after the frame being written.
    const std::size_t before = self->queue_.size();
    while (self->queue_.size() > (self->writing_ ? 1U : 0U)) {
      self->queued_bytes_ -= self->queue_.back().payload->size();
      self->queue_.pop_back();
    }
    self->host_->counters().queued.fetch_sub(before - self->queue_.size());
    if (self->open_ && !self->writing_) self->do_close(code);
  });
}

void WsSession::do_close(websocket::close_code code) {
  pending_close_.reset();
  timer_.cancel();
  ws_.async_close(code, [self = shared_from_this()](beast::error_code ec) {
    if (ec) fail(ec, "close");
  });
}

void WsSession::disconnect(const char* reason) {
  // Not reading: a close frame would not get through either. End the TCP connection.
  host_->counters().drop(reason);
  spdlog::info("ws client {} dropped: {}", admission_.scope.actor, reason);
  closing_ = true;
  timer_.cancel();
  beast::error_code ec;
  beast::get_lowest_layer(ws_).close(ec);
}

void WsSession::schedule_tick() {
  const LiveOptions& options = host_->options();
  auto period = std::min(options.heartbeat_interval / 2, options.stall_timeout / 3);
  period = std::max(period, std::chrono::milliseconds(10));
  timer_.expires_after(period);
  timer_.async_wait(beast::bind_front_handler(&WsSession::on_tick, shared_from_this()));
}

void WsSession::on_tick(beast::error_code ec) {
  if (ec || closing_) return;
  const LiveOptions& options = host_->options();
  const auto now = std::chrono::steady_clock::now();
  if (writing_ && now - write_started_ >= options.stall_timeout) return disconnect("stalled");
  if (!writing_ && queue_.empty() && awaiting_ == 0 &&
      now - last_sent_ >= options.heartbeat_interval) {
    send_heartbeat();
  }
  schedule_tick();
}

}  // namespace quanyu::server::live

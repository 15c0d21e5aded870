#pragma once
/// One WebSocket client of /ws/situation (Boost.Beast), after the hub has admitted it. Everything
/// it does runs on its lane, a strand it shares with other sessions: reading client messages,
/// its bounded write queue, heartbeats and the stall check. The hub (a SessionHost) computes
/// snapshots and deltas on the engine's strand and posts them here; nothing here ever waits for the
/// engine or another client.
///
/// The write queue holds at most `queue_messages` frames (and `queue_bytes`). When a delta does
/// not fit, the session coalesces: it drops the deltas still queued, drops new ones, and once
/// the queue has drained asks the hub for one delta carrying the latest state of every entity
/// changed since the last state it sent (or a resync snapshot when the view no longer holds
/// those deltas). A client whose write has not completed for `stall_timeout`, or that answers no
/// ping for that long, is disconnected.

#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/live/engine_service.hpp"
#include "server/live/view.hpp"

namespace quanyu::server::live {

/// Limits and timings of the live channel (defaults in docs/API.md).
struct LiveOptions {
  std::size_t max_connections = 2000;                    ///< WebSocket clients at once; more: 503
  std::size_t max_frame_bytes = 64 * 1024;               ///< a client's message; more: close 1009
  std::size_t queue_messages = 64;                       ///< frames waiting per client
  std::size_t queue_bytes = std::size_t{4} << 20;        ///< bytes waiting per client
  std::chrono::milliseconds stall_timeout{30'000};       ///< no write progress / no pong: dropped
  std::chrono::milliseconds heartbeat_interval{10'000};  ///< Heartbeat when nothing else is sent
  std::chrono::milliseconds handshake_timeout{30'000};   ///< WebSocket accept and close
  std::size_t max_views = 1024;                          ///< distinct subscriptions held at once
  std::chrono::milliseconds view_linger{120'000};  ///< a view without clients is kept (Resume)
  RingLimits ring;                                 ///< deltas held per view for Resume
  /// A view publishes at most one delta per interval: changes applied sooner after the last one
  /// wait and go out together, at most this much later. Zero: one delta per applied batch.
  std::chrono::microseconds delta_interval{5'000};
  /// Frames a second the sessions of one subscription may take together: N sessions get on
  /// average at most one delta per N / view_frames_per_s (1,000 screens: 15 ms; the budget holds
  /// twice N frames, so after a quiet spell a change, and one more, go out at once), so the
  /// frames written stay within what the machine can write however many screens watch.
  /// 0: no budget.
  double view_frames_per_s = 65'000.0;
  /// A subscription watched by more sessions is split into parts of at most this many, each
  /// with its own deltas; the parts take turns within the budget, so each fan-out is a fraction
  /// of the screens and the writes are spread over the budget interval.
  std::size_t view_part_sessions = 250;
  /// Compress for clients that offer permessage-deflate (browsers do). It costs each session its
  /// own compression state (~150 KB) and CPU per frame: off for a LAN wall of many screens.
  bool permessage_deflate = true;
};

/// Counters for /metrics, updated from every strand.
struct LiveCounters {
  std::atomic<std::uint64_t> clients{0};
  std::atomic<std::uint64_t> queued{0};  ///< frames waiting over all clients
  std::atomic<std::uint64_t> views{0};
  std::atomic<std::uint64_t> messages_sent{0};
  std::atomic<std::uint64_t> bytes_sent{0};
  std::atomic<std::uint64_t> deltas_coalesced{0};  ///< deltas dropped from slow clients' queues
  std::atomic<std::uint64_t> resyncs{0};           ///< snapshots sent with resync = true
  std::atomic<std::uint64_t> client_messages{0};

  void refuse(const std::string& reason);
  void drop(const std::string& reason);
  std::map<std::string, std::uint64_t> refusals() const;
  std::map<std::string, std::uint64_t> drops() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::uint64_t> refusals_;
  std::map<std::string, std::uint64_t> drops_;
};

/// What the hub admitted: who the client is and how it talks.
struct Admission {
  Scope scope;
  Encoding encoding = Encoding::protobuf;
  v1::IncidentDetail detail = v1::INCIDENT_DETAIL_SUMMARY;  ///< ?detail=, until a subscribe says
  std::optional<std::uint64_t> resume_after;  ///< ?resume=N: no first snapshot, the missed deltas
  bool subprotocol = false;                   ///< answer Sec-WebSocket-Protocol: quanyu.v1
};

class WsSession;

/// The session's side of the hub: every call returns at once; answers come back through
/// WsSession::answer(), offer() and control().
class SessionHost {
 public:
  virtual ~SessionHost() = default;
  /// Moves the session to the view of `filter` and answers with its snapshot, or with the
  /// deltas after `resume_after`.
  virtual void attach(std::shared_ptr<WsSession> session, ViewFilter filter,
                      std::optional<std::uint64_t> resume_after, bool explicit_subscribe) = 0;
  /// Answers with the held deltas after `after_seq` (coalesce: one merged delta), or a resync
  /// snapshot.
  virtual void resume(std::shared_ptr<WsSession> session, std::uint64_t after_seq,
                      bool coalesce) = 0;
  virtual void command(std::shared_ptr<WsSession> session, v1::Command command) = 0;
  /// The session is gone (called from its destructor).
  virtual void detach(const WsSession* session) = 0;
  virtual const LiveOptions& options() const = 0;
  virtual LiveCounters& counters() = 0;
};

/// An answer to attach() or resume(): the frames that bring the client to the view's state.
struct Answer {
  bool snapshot = false;        ///< frames is one snapshot; else deltas after `after_seq`
  std::uint64_t after_seq = 0;  ///< for deltas: where the client said it was
  std::vector<std::pair<std::uint64_t, Payload>> frames;
  Payload error;  ///< the request was refused: this error frame, nothing else changes
};

class WsSession : public std::enable_shared_from_this<WsSession> {
 public:
  using Request = boost::beast::http::request<boost::beast::http::string_body>;

  /// Runs on `executor` (a strand the hub shares among many sessions; see SituationHub): the
  /// connection's socket is moved onto it. `lane` names that strand to the hub.
  WsSession(boost::beast::tcp_stream&& stream, boost::asio::any_io_executor executor,
            std::size_t lane, std::shared_ptr<SessionHost> host, Admission admission);
  ~WsSession();
  WsSession(const WsSession&) = delete;
  WsSession& operator=(const WsSession&) = delete;

  /// Completes the WebSocket handshake for `request`, then sends the first snapshot.
  void run(Request request);

  /// A live delta of the session's view, queued (and, when the socket is idle, written) before
  /// it returns. Only on the session's executor: the hub calls it for every session of a lane
  /// from one handler on that lane's strand.
  void offer(std::uint64_t seq, const Payload& payload);

  // Thread-safe: each posts to the session's strand.
  void answer(Answer answer);
  /// A message outside the state stream (CommandResult, Error): never dropped or coalesced.
  void control(Payload payload);
  /// Closes with `code` once the frame being written is out (server shutdown: going_away).
  void close(boost::beast::websocket::close_code code);

  std::size_t lane() const { return lane_; }
  Encoding encoding() const { return admission_.encoding; }
  v1::IncidentDetail detail() const { return admission_.detail; }
  const Scope& scope() const { return admission_.scope; }

 private:
  enum class Kind { snapshot, delta, control };
  struct Frame {
    Payload payload;
    std::uint64_t seq = 0;
    Kind kind = Kind::control;
  };

  void on_accept(boost::beast::error_code ec);
  void read();
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  void handle(const std::string& data, bool text);
  void send_error(std::string_view code, const std::string& message);
  void send_heartbeat();

  void on_answer(Answer& answer);
  void push_state(std::uint64_t seq, Payload payload, Kind kind);
  void push(Frame frame);
  void start_coalescing();
  void drop_queued(bool deltas_only);
  void write_next();
  void on_write(boost::beast::error_code ec, std::size_t bytes);
  void do_close(boost::beast::websocket::close_code code);
  void disconnect(const char* reason);

  void schedule_tick();
  void on_tick(boost::beast::error_code ec);

  // On the bare socket: the WebSocket stream keeps its own timeouts, and a tcp_stream would add
  // timer bookkeeping to every one of the many writes of a live client.
  boost::beast::websocket::stream<boost::asio::ip::tcp::socket> ws_;
  std::shared_ptr<SessionHost> host_;
  const std::size_t lane_;
  const Admission admission_;
  boost::beast::flat_buffer read_buffer_;
  boost::asio::steady_timer timer_;

  std::deque<Frame> queue_;  ///< front is being written while writing_
  std::size_t queued_bytes_ = 0;
  bool writing_ = false;
  std::chrono::steady_clock::time_point write_started_;
  std::chrono::steady_clock::time_point last_sent_;
  std::chrono::steady_clock::time_point opened_ = std::chrono::steady_clock::now();
  std::uint64_t frames_sent_ = 0;
  std::uint64_t last_seq_ = 0;     ///< the state the client has once the queue is written
  std::uint64_t written_seq_ = 0;  ///< the last state frame whose write started
  int awaiting_ = 0;               ///< attach/resume requests in flight: live deltas dropped
  bool coalescing_ = false;
  bool open_ = false;
  bool closing_ = false;
  std::optional<boost::beast::websocket::close_code> pending_close_;
};

/// Answers an upgrade request with an HTTP error (JSON body as in the HTTP API) and closes.
void refuse_upgrade(boost::beast::tcp_stream&& stream, unsigned version, int status,
                    std::string_view code, std::string_view message);

}  // namespace quanyu::server::live

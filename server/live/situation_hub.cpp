#include "server/live/situation_hub.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <charconv>
#include <chrono>
#include <cmath>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "server/http/message.hpp"

namespace quanyu::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace websocket = beast::websocket;
using live::Answer;
using live::Encoding;
using live::Payload;
using live::View;
using live::ViewFilter;
using live::WsSession;

constexpr std::string_view kPath = "/ws/situation";
constexpr std::string_view kSubprotocol = "quanyu.v1";
constexpr std::string_view kTokenPrefix = "quanyu.token.";

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

/// Why an upgrade is refused: HTTP status, error code (the refusal's metric label), message.
struct Refusal {
  int status;
  std::string code;
  std::string message;
};

}  // namespace

struct SituationHub::Core : live::SessionHost, std::enable_shared_from_this<Core> {
  Core(EngineService& e, const Config& c, Options o) : engine(e), config(c), opts(o) {
    // One lane fewer than the I/O threads: a fan-out keeps at most that many threads busy, so
    // requests, the engine strand and the commits behind every acknowledgement always find one.
    const unsigned count = std::max(2U, c.threads) - 1;
    for (unsigned i = 0; i < count; ++i) lanes.push_back(asio::make_strand(engine.context()));
  }

  /// Handed with a delta to the handler of every lane that has sessions of its view: when the
  /// last lane has offered it to each of them (queued, and on an idle socket written), the token
  /// dies and the view may publish again. So a view never starts a fan-out before the previous
  /// one is through: when many screens make a fan-out take longer than `delta_interval`, deltas
  /// come further apart and carry more changes each, and the frames per second stay what the
  /// machine can write (self-clocking, as an event loop that writes each client's buffer once
  /// per turn does).
  struct FanOut {
    explicit FanOut(std::function<void()> on_done) : done(std::move(on_done)) {}
    FanOut(const FanOut&) = delete;
    FanOut& operator=(const FanOut&) = delete;
    ~FanOut() { done(); }
    std::function<void()> done;
  };
  struct Entry;
  /// The parts of one subscription (one ViewFilter key) and the frame budget they share. A
  /// subscription watched by more than `view_part_sessions` sessions is split into parts of at
  /// most that many, each a View of its own: under load the budget lets one part publish at a
  /// time, the part that has waited longest, so the parts take turns and each fan-out is a
  /// fraction of the screens (the last screen of a part waits for fewer sends before it, and
  /// the writes are spread over the budget interval instead of coming in one burst).
  struct Family {
    std::vector<std::weak_ptr<Entry>> parts;
    std::size_t next_part = 0;  ///< numbers the parts' keys
    /// The budget: frames the parts may still send, refilled at view_frames_per_s up to twice
    /// the family's sessions (so after a quiet spell every part publishes at once, and one
    /// delta more).
    double frames = 0;
    std::chrono::steady_clock::time_point at{};  ///< when `frames` was last brought up to date
  };
  /// A view (one part of a subscription) and the sessions that share it. Engine strand only.
  struct Entry {
    Entry(ViewFilter filter, const engine::Picture& picture, live::RingLimits limits,
          std::shared_ptr<Family> f)
        : view(std::move(filter), picture, limits), family(std::move(f)) {}
    View view;
    std::shared_ptr<Family> family;
    std::vector<std::weak_ptr<WsSession>> sessions;
    std::chrono::steady_clock::time_point idle_since{};
    bool idle = false;
    /// Applied but not yet published: waits for `delta_interval` after the last delta, for the
    /// frame budget (see may_publish_at), and until every session has taken the last delta (see
    /// FanOut).
    live::BatchChanges pending;
    std::chrono::steady_clock::time_point last_publish{};
    std::weak_ptr<const FanOut> fanout;  ///< the last delta, while sessions still hold it
  };

  // --- admission, on the accepting connection's strand ---

  std::variant<Refusal, live::Admission> admit(const Request& request) {
    const std::string_view target = request.target();
    const std::string_view path = target.substr(0, target.find('?'));
    if (path != kPath) return Refusal{404, "not_found", "no WebSocket at " + std::string(path)};
    if (stopping.load()) return Refusal{503, "shutting_down", "the server is stopping"};
    live::Admission admission;
    // Browsers cannot set headers on a WebSocket: they offer the token as a subprotocol.
    std::optional<std::string_view> secret;
    bool offered_v1 = false;
    bool offered_any = false;
    const auto [first, last] = request.equal_range(bhttp::field::sec_websocket_protocol);
    for (auto field = first; field != last; ++field) {
      std::string_view list = field->value();
      while (!list.empty()) {
        const auto comma = list.find(',');
        const std::string_view item = trim(list.substr(0, comma));
        list.remove_prefix(comma == std::string_view::npos ? list.size() : comma + 1);
        if (item.empty()) continue;
        offered_any = true;
        if (item == kSubprotocol) offered_v1 = true;
        if (item.substr(0, kTokenPrefix.size()) == kTokenPrefix) {
          secret = item.substr(kTokenPrefix.size());
        }
      }
    }
    const std::string_view authorization = request[bhttp::field::authorization];
    constexpr std::string_view kBearer = "Bearer ";
    if (authorization.size() > kBearer.size() &&
        authorization.substr(0, kBearer.size()) == kBearer) {
      secret = authorization.substr(kBearer.size());
    }
    const TokenConfig* token = secret ? find_token(config, *secret) : nullptr;
    if (token == nullptr) {
      return Refusal{401, "unauthorized",
                     "send a valid token as 'Authorization: Bearer <token>' or as the subprotocol "
                     "'quanyu.token.<token>' next to 'quanyu.v1'"};
    }
    admission.scope = Scope::of(*token);
    if (!admission.scope.may_read()) {
      return Refusal{403, "forbidden", "a feed token may only ingest observations"};
    }
    if (offered_any && !offered_v1) {
      return Refusal{400, "unsupported_subprotocol", "offer the subprotocol 'quanyu.v1'"};
    }
    admission.subprotocol = offered_v1;
    const auto query = target.find('?');
    if (query != std::string_view::npos) {
      for (const auto& [key, value] : http::parse_query(target.substr(query + 1))) {
        if (key == "format") {
          if (value == "json") {
            admission.encoding = Encoding::json;
          } else if (value == "protobuf" || value == "binary") {
            admission.encoding = Encoding::protobuf;
          } else {
            return Refusal{400, "invalid_format", "format must be json or protobuf"};
          }
        } else if (key == "detail") {
          if (value == "summary") {
            admission.detail = v1::INCIDENT_DETAIL_SUMMARY;
          } else if (value == "full") {
            admission.detail = v1::INCIDENT_DETAIL_FULL;
          } else {
            return Refusal{400, "invalid_detail", "detail must be summary or full"};
          }
        } else if (key == "resume") {
          std::uint64_t seq = 0;
          const auto* end = value.data() + value.size();
          const auto [ptr, ec] = std::from_chars(value.data(), end, seq);
          if (value.empty() || ec != std::errc() || ptr != end) {
            return Refusal{400, "invalid_resume", "resume must be a sequence number"};
          }
          admission.resume_after = seq;
        } else {
          return Refusal{400, "unknown_parameter", "unknown parameter '" + key + "'"};
        }
      }
    }
    // Counted here, released by the session's destructor: the limit holds under a burst.
    if (live_counters.clients.fetch_add(1) >= opts.max_connections) {
      live_counters.clients.fetch_sub(1);
      return Refusal{503, "too_many_connections",
                     "at most " + std::to_string(opts.max_connections) + " live clients"};
    }
    return admission;
  }

  void accept(beast::tcp_stream&& stream, Request&& request) {
    auto decision = admit(request);
    if (auto* refusal = std::get_if<Refusal>(&decision)) {
      live_counters.refuse(refusal->code);
      spdlog::info("ws {} refused: {} {}",
                   std::string_view(request.target()).substr(0, request.target().find('?')),
                   refusal->status, refusal->code);
      return live::refuse_upgrade(std::move(stream), request.version(), refusal->status,
                                  refusal->code, refusal->message);
    }
    auto& admission = std::get<live::Admission>(decision);
    spdlog::info("ws /ws/situation opened by {} ({})", admission.scope.actor,
                 admission.encoding == Encoding::json ? "json" : "protobuf");
    const std::size_t lane = next_lane.fetch_add(1) % lanes.size();
    auto session = std::make_shared<WsSession>(std::move(stream), lanes[lane], lane,
                                               shared_from_this(), std::move(admission));
    {
      const std::lock_guard lock(mutex);
      std::erase_if(sessions, [](const auto& weak) { return weak.expired(); });
      sessions.push_back(session);
    }
    if (stopping.load()) session->close(websocket::close_code::going_away);
    session->run(std::move(request));
  }

  void shutdown() {
    stopping.store(true);
    // Copy under the lock, close after releasing it.
    std::vector<std::weak_ptr<WsSession>> copy;
    {
      const std::lock_guard lock(mutex);
      copy = sessions;
    }
    for (const auto& weak : copy) {
      if (auto session = weak.lock()) session->close(websocket::close_code::going_away);
    }
  }

  // --- SessionHost: called on a session's strand, answered from the engine's strand ---

  void attach(std::shared_ptr<WsSession> session, ViewFilter filter,
              std::optional<std::uint64_t> resume_after, bool explicit_subscribe) override {
    if (gone.load()) return;
    engine.read([self = shared_from_this(), session = std::move(session),
                 filter = std::move(filter), resume_after,
                 explicit_subscribe](const engine::Picture& picture) mutable {
      self->attach_now(session, std::move(filter), resume_after, explicit_subscribe, picture);
    });
  }

  void resume(std::shared_ptr<WsSession> session, std::uint64_t after_seq, bool coalesce) override {
    if (gone.load()) return;
    engine.read([self = shared_from_this(), session = std::move(session), after_seq,
                 coalesce](const engine::Picture& picture) {
      auto it = self->attached.find(session.get());
      if (it == self->attached.end()) {
        // Not attached yet (cannot happen: attach is posted first); start from a snapshot.
        self->attach_now(session, ViewFilter::of(session->scope(), {}, session->detail()),
                         std::nullopt, false, picture);
        return;
      }
      session->answer(self->serve(*it->second, *session, after_seq, coalesce, picture));
    });
  }

  void command(std::shared_ptr<WsSession> session, v1::Command command) override {
    if (gone.load()) return;
    const Scope scope = session->scope();
    engine.command(std::move(command), scope,
                   [weak = std::weak_ptr<WsSession>(session)](const v1::CommandResult& result,
                                                              const engine::Picture& picture) {
                     auto s = weak.lock();
                     if (!s) return;
                     v1::ServerMessage message;
                     message.set_seq(picture.seq());
                     *message.mutable_command_result() = result;
                     s->control(live::encode(message, s->encoding()));
                   });
  }

  void detach(const WsSession* session) override {
    if (gone.load()) return;
    engine.read([self = shared_from_this(), session](const engine::Picture&) {
      auto it = self->attached.find(session);
      if (it == self->attached.end()) return;
      // The view forgets the session now (its weak_ptr has expired), so the views' lists stay
      // exact without a walk of every session at each commit.
      forget_gone(*it->second, std::chrono::steady_clock::now());
      self->attached.erase(it);
    });
  }

  const Options& options() const override { return opts; }
  live::LiveCounters& counters() override { return live_counters; }

  // --- engine strand ---

  void attach_now(const std::shared_ptr<WsSession>& session, ViewFilter filter,
                  std::optional<std::uint64_t> resume_after, bool explicit_subscribe,
                  const engine::Picture& picture) {
    const std::string key = filter.key();
    auto found = families.find(key);
    if (found == families.end()) {
      evict_idle(std::chrono::steady_clock::now(), true);
      if (explicit_subscribe && views.size() >= opts.max_views) {
        live_counters.refuse("too_many_views");
        v1::ServerMessage error;
        error.set_seq(picture.seq());
        error.mutable_error()->set_code("too_many_views");
        error.mutable_error()->set_message("too many distinct subscriptions on this server");
        Answer answer;
        answer.error = live::encode(error, session->encoding());
        session->answer(std::move(answer));
        return;
      }
      // `at` long ago: the budget starts full.
      found = families.emplace(key, std::make_shared<Family>()).first;
    }
    const std::shared_ptr<Entry> entry =
        part_for(*session, found->second, std::move(filter), resume_after, picture);
    // What the view has applied but not yet sent goes to its clients first, so the snapshot or
    // the held deltas below are never behind a delta still to come.
    flush(*entry, picture);
    auto& previous = attached[session.get()];
    if (previous != entry) {
      if (previous) {
        std::erase_if(previous->sessions, [&](const auto& weak) {
          auto s = weak.lock();
          return !s || s == session;
        });
      }
      entry->sessions.push_back(session);
      entry->idle = false;
      previous = entry;
    }
    if (resume_after) {
      session->answer(serve(*entry, *session, *resume_after, false, picture));
      return;
    }
    Answer answer;
    answer.snapshot = true;
    answer.frames.emplace_back(picture.seq(),
                               entry->view.snapshot_payload(picture, false, session->encoding()));
    session->answer(std::move(answer));
  }

  /// The part of `family` for `session`: the one it is in already, else the one with the
  /// fewest sessions, or a new one when every part has view_part_sessions. A client resuming
  /// goes to the fewest-sessions part that holds the deltas it missed, however many it has: a
  /// new part could only send it a snapshot.
  std::shared_ptr<Entry> part_for(const WsSession& session, const std::shared_ptr<Family>& family,
                                  ViewFilter filter, std::optional<std::uint64_t> resume_after,
                                  const engine::Picture& picture) {
    if (auto it = attached.find(&session); it != attached.end() && it->second->family == family) {
      return it->second;
    }
    std::shared_ptr<Entry> best;
    std::shared_ptr<Entry> holding;
    std::erase_if(family->parts, [](const auto& weak) { return weak.expired(); });
    for (const auto& weak : family->parts) {
      auto part = weak.lock();
      std::erase_if(part->sessions, [](const auto& s) { return s.expired(); });
      if (resume_after && part->view.holds_after(*resume_after, picture.seq()) &&
          (!holding || part->sessions.size() < holding->sessions.size())) {
        holding = part;
      }
      if (!best || part->sessions.size() < best->sessions.size()) best = std::move(part);
    }
    if (holding) return holding;
    if (best && best->sessions.size() < std::max<std::size_t>(1, opts.view_part_sessions)) {
      return best;
    }
    const std::string key = filter.key() + "#" + std::to_string(family->next_part++);
    auto part = std::make_shared<Entry>(std::move(filter), picture, opts.ring, family);
    views.emplace(key, part);
    family->parts.push_back(part);
    live_counters.views.store(views.size());
    return part;
  }

  /// The deltas after `after_seq` (or one merged delta), or a resync snapshot.
  Answer serve(Entry& entry, const WsSession& session, std::uint64_t after_seq, bool coalesce,
               const engine::Picture& picture) {
    flush(entry, picture);
    Answer answer;
    if (entry.view.holds_after(after_seq, picture.seq())) {
      answer.after_seq = after_seq;
      if (!coalesce) {
        answer.frames = entry.view.held_after(after_seq, session.encoding());
      } else if (!entry.view.held_after(after_seq, Encoding::protobuf).empty()) {
        answer.frames.emplace_back(
            picture.seq(),
            live::encode(entry.view.coalesced_after(after_seq, picture), session.encoding()));
      }
      return answer;
    }
    live_counters.resyncs.fetch_add(1);
    answer.snapshot = true;
    answer.frames.emplace_back(picture.seq(),
                               entry.view.snapshot_payload(picture, true, session.encoding()));
    return answer;
  }

  /// Drops the sessions of `entry` that are gone; a view left without any starts to linger.
  static void forget_gone(Entry& entry, std::chrono::steady_clock::time_point now) {
    std::erase_if(entry.sessions, [](const auto& weak) { return weak.expired(); });
    if (entry.sessions.empty() && !entry.idle) {
      entry.idle = true;
      entry.idle_since = now;
    }
  }

  /// Drops views without sessions that have lingered long enough (or all such, when `all`
  /// and the map is at its limit).
  void evict_idle(std::chrono::steady_clock::time_point now, bool at_limit) {
    for (auto it = views.begin(); it != views.end();) {
      Entry& entry = *it->second;
      forget_gone(entry, now);
      const bool expired = entry.idle && now - entry.idle_since >= opts.view_linger;
      const bool make_room = at_limit && entry.idle && views.size() >= opts.max_views;
      if (entry.sessions.empty() && (expired || make_room)) {
        it = views.erase(it);
      } else {
        ++it;
      }
    }
    std::erase_if(families, [](auto& item) {
      std::erase_if(item.second->parts, [](const auto& weak) { return weak.expired(); });
      return item.second->parts.empty();
    });
    live_counters.views.store(views.size());
  }

  /// The engine's listener: one delta per view, serialised once per encoding, to every session.
  /// A view that published less than `delta_interval` ago keeps the changes and publishes them
  /// merged when the interval is over.
  void on_batch(const std::vector<engine::Changes>& changes, const engine::Picture& picture) {
    const auto batch = live::BatchChanges::merge(changes);
    if (batch.empty()) return;
    const auto now = std::chrono::steady_clock::now();
    // Lingering views go within a second of their time; not a walk at every commit.
    if (now - last_sweep >= std::chrono::seconds(1)) {
      last_sweep = now;
      evict_idle(now, false);
    }
    for (auto& [key, entry] : views) entry->pending.add(batch);
    publish_due(picture, now);
  }

  /// Publishes every view whose held changes may go out at `now`; arms the flush timer for
  /// those that must wait.
  void publish_due(const engine::Picture& picture, std::chrono::steady_clock::time_point now) {
    live::KpiCache kpis;
    bool waiting = false;
    std::vector<Entry*> ready;
    for (auto& [key, entry] : views) {
      // Still fanning out the last delta: its FanOut calls publish_due when that is over.
      if (!entry->pending.empty() && entry->fanout.expired()) ready.push_back(entry.get());
    }
    // The parts of a subscription share its budget: the one that has waited longest goes first.
    std::stable_sort(ready.begin(), ready.end(), [](const Entry* a, const Entry* b) {
      return a->last_publish < b->last_publish;
    });
    for (Entry* entry : ready) {
      if (now >= may_publish_at(*entry, now)) {
        publish(*entry, picture, kpis, now);
      } else {
        waiting = true;
      }
    }
    if (waiting) arm_flush(now);
  }

  bool budgeted() const { return opts.view_frames_per_s > 0 && opts.delta_interval.count() > 0; }

  /// The frames `family` may send at `now`: refilled at view_frames_per_s since it was last
  /// brought up to date, up to twice its sessions.
  double frames_at(const Family& family, std::chrono::steady_clock::time_point now) const {
    std::size_t watching = 0;
    for (const auto& weak : family.parts) {
      if (auto part = weak.lock()) watching += part->sessions.size();
    }
    const double refilled = std::chrono::duration<double>(now - family.at).count();
    return std::min(2.0 * static_cast<double>(watching),
                    family.frames + std::max(0.0, refilled) * opts.view_frames_per_s);
  }

  /// When `entry` may publish its next delta: `delta_interval` after its last one, and once its
  /// subscription's budget holds a frame for each of its sessions. A subscription whose changes
  /// come about as often as its budget allows then sends each at once (the budget holds one
  /// delta more than a round: a strict spacing would make every change wait for the one before
  /// it, at a 1,000-screen wall's 65 changes a second as much as 15 ms), while one with changes
  /// always waiting sends no more than its budget.
  std::chrono::steady_clock::time_point may_publish_at(
      const Entry& entry, std::chrono::steady_clock::time_point now) const {
    auto at = entry.last_publish + opts.delta_interval;
    if (!budgeted()) return at;
    const double missing =
        static_cast<double>(entry.sessions.size()) - frames_at(*entry.family, now);
    if (missing <= 0) return at;
    return std::max(at, now + std::chrono::microseconds(static_cast<std::int64_t>(
                                  std::ceil(missing * 1e6 / opts.view_frames_per_s))));
  }

  /// Publishes what `entry` holds back, now.
  void flush(Entry& entry, const engine::Picture& picture) {
    if (entry.pending.empty()) return;
    live::KpiCache kpis;
    publish(entry, picture, kpis, std::chrono::steady_clock::now());
  }

  void publish(Entry& entry, const engine::Picture& picture, live::KpiCache& kpis,
               std::chrono::steady_clock::time_point now) {
    const live::BatchChanges batch = std::exchange(entry.pending, {});
    // The receivers, by lane: one handler per lane offers the delta to each of its sessions in
    // turn (no handler or strand hop per session), and a fan-out occupies at most one thread
    // per lane.
    std::vector<std::vector<std::shared_ptr<WsSession>>> by_lane(lanes.size());
    bool receivers = false;
    bool json = false;
    for (const auto& weak : entry.sessions) {
      if (auto s = weak.lock()) {
        json = json || s->encoding() == Encoding::json;
        receivers = true;
        by_lane[s->lane()].push_back(std::move(s));
      }
    }
    auto published = entry.view.apply(batch, picture, kpis, json);
    if (!published) return;  // nothing of it in this view: the next change may go out at once
    entry.last_publish = now;
    if (budgeted()) {
      Family& family = *entry.family;
      family.frames = frames_at(family, now) - static_cast<double>(entry.sessions.size());
      family.at = now;
    }
    std::shared_ptr<const FanOut> fanout;
    if (opts.delta_interval.count() > 0 && receivers) {
      // Runs on the lane that finishes last; the engine strand takes it from there.
      fanout = std::make_shared<const FanOut>([weak = weak_from_this()] {
        auto self = weak.lock();
        if (!self || self->gone.load()) return;
        self->engine.read([weak](const engine::Picture& current) {
          auto hub = weak.lock();
          if (!hub || hub->gone.load()) return;
          hub->publish_due(current, std::chrono::steady_clock::now());
        });
      });
      entry.fanout = fanout;
    }
    for (std::size_t lane = 0; lane < lanes.size(); ++lane) {
      if (by_lane[lane].empty()) continue;
      asio::post(lanes[lane], [sessions = std::move(by_lane[lane]), seq = published->seq,
                               json = published->json, protobuf = published->protobuf, fanout] {
        for (const auto& s : sessions)
          s->offer(seq, s->encoding() == Encoding::json ? json : protobuf);
      });
    }
  }

  /// One timer for all views that hold changes back, due when the earliest may publish.
  void arm_flush(std::chrono::steady_clock::time_point now) {
    if (flush_armed) return;
    auto due = std::chrono::steady_clock::time_point::max();
    for (const auto& [key, entry] : views) {
      if (!entry->pending.empty() && entry->fanout.expired()) {
        due = std::min(due, may_publish_at(*entry, now));
      }
    }
    if (due == std::chrono::steady_clock::time_point::max()) return;
    flush_armed = true;
    const auto delay = std::chrono::duration_cast<std::chrono::microseconds>(
        std::max(due - now, std::chrono::steady_clock::duration::zero()));
    engine.read_after(delay, [weak = weak_from_this()](const engine::Picture& picture) {
      auto self = weak.lock();
      if (!self || self->gone.load()) return;
      self->flush_armed = false;
      self->publish_due(picture, std::chrono::steady_clock::now());
    });
  }

  std::string metrics() const {
    std::string out;
    auto metric = [&](const char* name, const char* type, const char* help, std::uint64_t value) {
      out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" +
             name + " " + std::to_string(value) + "\n";
    };
    const auto& c = live_counters;
    metric("quanyu_live_clients", "gauge", "WebSocket clients of /ws/situation.", c.clients.load());
    metric("quanyu_live_views", "gauge", "Views held: one per scope x subscription, or its parts.",
           c.views.load());
    metric("quanyu_live_queue_depth", "gauge", "Frames waiting in clients' write queues.",
           c.queued.load());
    metric("quanyu_live_messages_sent_total", "counter", "Frames written to clients.",
           c.messages_sent.load());
    metric("quanyu_live_bytes_sent_total", "counter", "Payload bytes written to clients.",
           c.bytes_sent.load());
    metric("quanyu_live_client_messages_total", "counter", "Messages received from clients.",
           c.client_messages.load());
    metric("quanyu_live_deltas_coalesced_total", "counter",
           "Deltas dropped from slow clients' queues, replaced by one coalesced state.",
           c.deltas_coalesced.load());
    metric("quanyu_live_resyncs_total", "counter", "Snapshots sent with resync = true.",
           c.resyncs.load());
    out +=
        "# HELP quanyu_live_drops_total Clients disconnected by the server, by reason.\n"
        "# TYPE quanyu_live_drops_total counter\n";
    for (const auto& [reason, count] : c.drops()) {
      out += "quanyu_live_drops_total{reason=\"" + reason + "\"} " + std::to_string(count) + "\n";
    }
    out +=
        "# HELP quanyu_live_refusals_total Upgrades and client messages refused, by reason.\n"
        "# TYPE quanyu_live_refusals_total counter\n";
    for (const auto& [reason, count] : c.refusals()) {
      out +=
          "quanyu_live_refusals_total{reason=\"" + reason + "\"} " + std::to_string(count) + "\n";
    }
    return out;
  }

  EngineService& engine;
  const Config& config;
  const Options opts;
  live::LiveCounters live_counters;
  std::atomic<bool> stopping{false};
  std::atomic<bool> gone{false};  ///< the hub object is destroyed: the engine may be too

  /// The strands WebSocket sessions run on, assigned in turn (see the constructor).
  std::vector<asio::strand<asio::io_context::executor_type>> lanes;
  std::atomic<std::size_t> next_lane{0};

  std::mutex mutex;  ///< guards `sessions`
  std::vector<std::weak_ptr<WsSession>> sessions;

  // Engine strand only.
  std::map<std::string, std::shared_ptr<Entry>> views;  ///< by filter key and part number
  std::unordered_map<std::string, std::shared_ptr<Family>> families;  ///< by filter key
  std::unordered_map<const WsSession*, std::shared_ptr<Entry>> attached;
  bool flush_armed = false;                            ///< a paced flush is scheduled
  std::chrono::steady_clock::time_point last_sweep{};  ///< of evict_idle from on_batch
};

SituationHub::SituationHub(EngineService& engine, const Config& config, Options options)
    : core_(std::make_shared<Core>(engine, config, options)) {
  engine.listen(
      [core = core_](const std::vector<engine::Changes>& changes, const engine::Picture& picture) {
        if (!core->gone.load()) core->on_batch(changes, picture);
      });
}

SituationHub::~SituationHub() { core_->gone.store(true); }

void SituationHub::accept(beast::tcp_stream&& stream, Request&& request) {
  core_->accept(std::move(stream), std::move(request));
}

void SituationHub::shutdown() { core_->shutdown(); }

std::size_t SituationHub::clients() const { return core_->live_counters.clients.load(); }

std::string SituationHub::metrics() const { return core_->metrics(); }

}  // namespace quanyu::server

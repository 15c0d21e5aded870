#include "server/live/engine_service.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <unordered_set>

#include "engine/core/time.hpp"

namespace quanyu::server {
namespace {

namespace asio = boost::asio;

std::int64_t wall_clock_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

constexpr auto kTickCheck = std::chrono::seconds(1);
constexpr std::int64_t kHousekeepingUs = 600 * engine::kMicrosPerSecond;

}  // namespace

Scope Scope::of(const TokenConfig& token) {
  Scope scope;
  scope.actor = token.name;
  scope.role = token.role;
  scope.districts.insert(token.districts.begin(), token.districts.end());
  return scope;
}

struct EngineService::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::io_context& context, const Config& c, const gis::LayerSet& layers)
      : ioc(context),
        strand(asio::make_strand(context)),
        config(c),
        picture(layers, c.rules),
        preparer(layers, c.rules),
        timer(context) {}

  // --- everything below runs on the strand unless said otherwise ---

  void recover() {
    const auto started = std::chrono::steady_clock::now();
    engine::JournalOptions options;
    options.path = config.data_dir / "journal.db";
    journal = std::make_unique<engine::Journal>(options);
    std::size_t from_snapshot = 0;
    if (auto snapshot = journal->latest_snapshot()) {
      picture.restore(*snapshot);
      from_snapshot = snapshot->seq();
    }
    const std::size_t replayed = journal->replay(
        picture.seq(), [&](const v1::JournalEntry& entry) { picture.apply(entry); });
    next_seq = std::max(journal->last_seq(), picture.seq()) + 1;
    last_housekeeping_us = picture.now_us();
    open_incidents.store(picture.open_incident_count());
    seq.store(picture.seq());
    spdlog::info(
        "journal {} recovered: snapshot at seq {}, {} entries replayed, {} incidents ({:.1f} ms)",
        options.path.string(), from_snapshot, replayed, picture.incidents().size(),
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
            .count());
  }

  v1::JournalEntry entry(const std::string& actor) {
    v1::JournalEntry e;
    e.set_seq(next_seq++);
    *e.mutable_at() = engine::to_timestamp(std::max(wall_clock_us(), picture.now_us()));
    e.set_actor(actor);
    return e;
  }

  /// Journals `entries`; once durable, applies them on the strand and calls `applied` with the
  /// changes of each (or with the journal's error, applying nothing).
  void submit(
      std::vector<v1::JournalEntry> entries,
      std::function<void(const std::optional<std::string>&, const std::vector<engine::Changes>&)>
          applied) {
    pending.fetch_add(entries.size());
    auto shared = std::make_shared<std::vector<v1::JournalEntry>>(entries);
    auto self = shared_from_this();
    journal->append(std::move(entries), [self, shared, applied = std::move(applied)](
                                            const std::optional<std::string>& error) {
      // Committed (or failed) on the journal's thread: apply on the strand, in commit order.
      asio::post(self->strand, [self, shared, applied, error] {
        if (!self->journal) return;  // the service is gone; the entries are durable anyway
        self->pending.fetch_sub(shared->size());
        std::vector<engine::Changes> changes;
        if (!error) {
          changes.reserve(shared->size());
          for (const auto& e : *shared) changes.push_back(self->picture.apply(e));
          self->open_incidents.store(self->picture.open_incident_count());
          self->seq.store(self->picture.seq());
          self->since_snapshot += shared->size();
        }
        for (const auto& e : *shared) {
          if (e.has_observation()) self->pending_ids.erase(e.observation().id());
        }
        applied(error, changes);
        if (!error) {
          for (const auto& listener : self->listeners) listener(changes, self->picture);
          self->maybe_snapshot();
        }
      });
    });
  }

  void maybe_snapshot() {
    // A snapshot costs a serialisation of the whole picture on this strand; replay runs at
    // several hundred thousand entries a second. So: after many entries, or after some entries
    // and some time, never merely because traffic is heavy.
    const auto now = std::chrono::steady_clock::now();
    if (since_snapshot < kSnapshotMinEntries) return;
    if (since_snapshot < kSnapshotMaxEntries && now - last_snapshot < kSnapshotInterval) return;
    since_snapshot = 0;
    last_snapshot = now;
    journal->save_snapshot(picture.state());
  }

  void schedule_tick_check() {
    timer.expires_after(kTickCheck);
    timer.async_wait(asio::bind_executor(
        strand, [self = shared_from_this()](const boost::system::error_code& ec) {
          if (ec || self->stopping) return;
          self->tick_if_due();
          self->schedule_tick_check();
        }));
  }

  void tick_if_due() {
    const std::int64_t now = wall_clock_us();
    const auto deadline = picture.next_deadline_us();
    const bool task_due = deadline && *deadline <= now;
    const bool housekeeping = now - last_housekeeping_us >= kHousekeepingUs;
    if ((!task_due && !housekeeping) || tick_in_flight) return;
    tick_in_flight = true;
    last_housekeeping_us = now;
    v1::JournalEntry e = entry("system");
    e.mutable_tick();
    std::vector<v1::JournalEntry> entries;
    entries.push_back(std::move(e));
    submit(std::move(entries), [self = shared_from_this()](const std::optional<std::string>& error,
                                                           const std::vector<engine::Changes>&) {
      self->tick_in_flight = false;
      if (error) spdlog::error("tick not journaled: {}", *error);
      self->ticks.fetch_add(1);
    });
  }

  static constexpr std::size_t kSnapshotMinEntries = 10'000;
  static constexpr std::size_t kSnapshotMaxEntries = 500'000;
  static constexpr auto kSnapshotInterval = std::chrono::minutes(5);
  std::chrono::steady_clock::time_point last_snapshot = std::chrono::steady_clock::now();

  asio::io_context& ioc;
  asio::strand<asio::io_context::executor_type> strand;
  const Config& config;
  engine::Picture picture;
  engine::Preparer preparer;
  std::unique_ptr<engine::Journal> journal;
  asio::steady_timer timer;
  std::vector<Listener> listeners;
  std::unordered_set<std::string> pending_ids;  ///< observation ids journaled, not yet applied
  std::uint64_t next_seq = 1;
  std::size_t since_snapshot = 0;
  std::int64_t last_housekeeping_us = 0;
  bool tick_in_flight = false;
  bool stopping = false;

  // Read by /metrics from any thread.
  std::atomic<std::uint64_t> accepted{0};
  std::atomic<std::uint64_t> duplicates{0};
  std::atomic<std::uint64_t> commands_ok{0};
  std::atomic<std::uint64_t> commands_refused{0};
  std::atomic<std::uint64_t> ticks{0};
  std::atomic<std::uint64_t> open_incidents{0};
  std::atomic<std::uint64_t> seq{0};
  std::atomic<std::uint64_t> pending{0};
};

EngineService::EngineService(asio::io_context& ioc, const Config& config,
                             const gis::LayerSet& layers)
    : impl_(std::make_shared<Impl>(ioc, config, layers)) {
  // Recovery runs before any request can arrive, so it needs no strand.
  impl_->recover();
}

EngineService::~EngineService() {
  // Commit what is queued and stop the journal's thread here, on the owner's thread: the last
  // reference to the state must never be dropped by the journal thread itself.
  if (impl_->journal) {
    impl_->journal->flush();
    impl_->journal.reset();
  }
}

void EngineService::start() {
  asio::post(impl_->strand, [impl = impl_] { impl->schedule_tick_check(); });
}

void EngineService::stop(std::function<void()> done) {
  asio::post(impl_->strand, [impl = impl_, done = std::move(done)] {
    impl->stopping = true;
    impl->timer.cancel();
    impl->journal->flush();
    // Entries committed by the flush are applied by handlers already queued on this strand;
    // run the snapshot after them.
    asio::post(impl->strand, [impl, done] {
      impl->journal->save_snapshot(impl->picture.state());
      spdlog::info("journal flushed, snapshot stored at seq {}", impl->picture.seq());
      done();
    });
  });
}

Result<v1::Observation> EngineService::prepare(v1::Observation observation) const {
  return impl_->preparer.prepare(std::move(observation), wall_clock_us());
}

void EngineService::ingest(std::vector<v1::Observation> prepared, const std::string& actor,
                           std::function<void(const IngestOutcome&)> done) {
  asio::post(impl_->strand, [impl = impl_, prepared = std::move(prepared), actor,
                             done = std::move(done)]() mutable {
    IngestOutcome outcome;
    std::vector<v1::JournalEntry> entries;
    entries.reserve(prepared.size());
    for (auto& o : prepared) {
      // Seen in the picture, waiting for its commit, or repeated within this very request.
      if (impl->picture.seen(o.id()) || !impl->pending_ids.insert(o.id()).second) {
        ++outcome.duplicates;
        continue;
      }
      v1::JournalEntry e = impl->entry(actor);
      *e.mutable_observation() = std::move(o);
      entries.push_back(std::move(e));
    }
    outcome.accepted = entries.size();
    impl->duplicates.fetch_add(outcome.duplicates);
    if (entries.empty()) {
      done(outcome);
      return;
    }
    impl->submit(std::move(entries), [impl, outcome, done = std::move(done)](
                                         const std::optional<std::string>& error,
                                         const std::vector<engine::Changes>&) mutable {
      if (error) {
        outcome.accepted = 0;
        outcome.error = *error;
      } else {
        impl->accepted.fetch_add(outcome.accepted);
      }
      done(outcome);
    });
  });
}

void EngineService::command(
    v1::Command command, const Scope& scope,
    std::function<void(const v1::CommandResult&, const engine::Picture&)> done) {
  asio::post(impl_->strand, [impl = impl_, command = std::move(command), scope,
                             done = std::move(done)]() mutable {
    auto refuse = [&](const char* code, const std::string& message) {
      v1::CommandResult result;
      result.set_correlation_id(command.correlation_id());
      result.set_error_code(code);
      result.set_error_message(message);
      impl->commands_refused.fetch_add(1);
      done(result, impl->picture);
    };
    if (!scope.may_command()) {
      refuse("forbidden",
             "a " + std::string(to_string(scope.role)) + " token cannot send commands");
      return;
    }
    // Scope: the incident the command concerns must lie in the token's districts.
    std::string incident_id;
    switch (command.action_case()) {
      case v1::Command::kAcknowledge:
        incident_id = command.acknowledge().incident_id();
        break;
      case v1::Command::kDispatch:
        incident_id = command.dispatch().incident_id();
        break;
      case v1::Command::kClose:
        incident_id = command.close().incident_id();
        break;
      case v1::Command::kFalseAlarm:
        incident_id = command.false_alarm().incident_id();
        break;
      case v1::Command::kSetSeverity:
        incident_id = command.set_severity().incident_id();
        break;
      case v1::Command::kResolve:
        incident_id = command.resolve().incident_id();
        break;
      case v1::Command::kUpdateTask:
        if (const auto* task = impl->picture.task(command.update_task().task_id())) {
          incident_id = task->incident_id();
        }
        break;
      case v1::Command::ACTION_NOT_SET:
        break;
    }
    if (const auto* incident = impl->picture.incident(incident_id);
        incident != nullptr && !scope.sees(incident->district())) {
      // Out of scope looks exactly like unknown: a sub-centre learns nothing of other districts.
      refuse(command.has_update_task() ? "unknown_task" : "unknown_incident",
             "no " +
                 std::string(command.has_update_task() ? "task '" + command.update_task().task_id()
                                                       : "incident '" + incident_id) +
                 "'");
      return;
    }
    if (auto refused = impl->picture.check(command)) {
      impl->commands_refused.fetch_add(1);
      done(*refused, impl->picture);
      return;
    }
    v1::JournalEntry e = impl->entry(scope.actor);
    *e.mutable_command() = std::move(command);
    const std::string correlation = e.command().correlation_id();
    std::vector<v1::JournalEntry> entries;
    entries.push_back(std::move(e));
    impl->submit(std::move(entries), [impl, correlation, done = std::move(done)](
                                         const std::optional<std::string>& error,
                                         const std::vector<engine::Changes>& changes) {
      v1::CommandResult result;
      if (error) {
        result.set_correlation_id(correlation);
        result.set_error_code("journal_unavailable");
        result.set_error_message(*error);
      } else {
        result = *changes.front().result;
      }
      (result.ok() ? impl->commands_ok : impl->commands_refused).fetch_add(1);
      done(result, impl->picture);
    });
  });
}

asio::io_context& EngineService::context() const { return impl_->ioc; }

void EngineService::read(std::function<void(const engine::Picture&)> fn) const {
  asio::post(impl_->strand, [impl = impl_, fn = std::move(fn)] { fn(impl->picture); });
}

void EngineService::read_after(std::chrono::microseconds delay,
                               std::function<void(const engine::Picture&)> fn) const {
  auto timer = std::make_shared<asio::steady_timer>(impl_->strand, delay);
  timer->async_wait([impl = impl_, timer, fn = std::move(fn)](const boost::system::error_code& ec) {
    if (ec || impl->stopping) return;
    fn(impl->picture);
  });
}

void EngineService::listen(Listener listener) {
  asio::post(impl_->strand, [impl = impl_, listener = std::move(listener)] {
    impl->listeners.push_back(listener);
  });
}

EngineCounters EngineService::counters() const {
  EngineCounters c;
  c.observations_accepted = impl_->accepted.load();
  c.observations_duplicate = impl_->duplicates.load();
  c.commands_ok = impl_->commands_ok.load();
  c.commands_refused = impl_->commands_refused.load();
  c.ticks = impl_->ticks.load();
  c.open_incidents = impl_->open_incidents.load();
  c.seq = impl_->seq.load();
  c.pending = impl_->pending.load();
  return c;
}

engine::JournalStats EngineService::journal_stats() const { return impl_->journal->stats(); }

}  // namespace quanyu::server

#pragma once
/// EngineService puts the engine behind a strand: it owns the Picture (the single writer), the
/// Preparer and the Journal, turns requests into journal entries, applies them once they are
/// durable, and tells listeners what changed. Every method may be called from any thread; every
/// callback runs on the engine strand, so callers post back to their own executor.
/// Asio and Beast stay out of this header.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engine/core/picture.hpp"
#include "engine/ingest/prepare.hpp"
#include "engine/journal/journal.hpp"
#include "server/config/config.hpp"

namespace boost::asio {
class io_context;
}

namespace quanyu::server {

/// What a token may see and do: its role and its districts (empty = the whole jurisdiction).
struct Scope {
  std::string actor;  ///< token name, recorded in the journal
  Role role = Role::wall;
  std::set<std::string> districts;

  static Scope of(const TokenConfig& token);
  bool sees(const v1::DistrictRef& district) const {
    return districts.empty() || districts.count(district.adcode()) != 0;
  }
  bool may_command() const {
    return role == Role::duty_officer || role == Role::subcentre || role == Role::admin;
  }
  bool may_ingest() const { return role == Role::feed || role == Role::admin; }
  bool may_read() const { return role != Role::feed; }
};

struct IngestOutcome {
  std::size_t accepted = 0;
  std::size_t duplicates = 0;
  std::optional<std::string> error;  ///< the journal could not store them: nothing was applied
};

/// Counters for /metrics, read without locks.
struct EngineCounters {
  std::uint64_t observations_accepted = 0;
  std::uint64_t observations_duplicate = 0;
  std::uint64_t commands_ok = 0;
  std::uint64_t commands_refused = 0;
  std::uint64_t ticks = 0;
  std::uint64_t open_incidents = 0;
  std::uint64_t seq = 0;
  std::uint64_t pending = 0;  ///< entries waiting for their commit
};

class EngineService {
 public:
  /// Opens the journal under config.data_dir, restores the newest snapshot and replays the
  /// entries after it, logging counts and duration. Throws JournalError on an unusable journal.
  EngineService(boost::asio::io_context& ioc, const Config& config, const gis::LayerSet& layers);
  ~EngineService();
  EngineService(const EngineService&) = delete;
  EngineService& operator=(const EngineService&) = delete;

  /// Starts the timer that journals ticks (due tasks, housekeeping).
  void start();
  /// Stops the timer, waits for the journal to commit what is queued and stores a snapshot;
  /// `done` runs on the strand afterwards.
  void stop(std::function<void()> done);

  /// Prepares observations (pure, thread-safe) with the server's clock as "now".
  Result<v1::Observation> prepare(v1::Observation observation) const;

  /// Journals the prepared observations that are not duplicates and applies them once durable.
  void ingest(std::vector<v1::Observation> prepared, const std::string& actor,
              std::function<void(const IngestOutcome&)> done);

  /// Checks a command against the picture and the scope, journals it, applies it once durable.
  void command(v1::Command command, const Scope& scope,
               std::function<void(const v1::CommandResult&, const engine::Picture&)> done);

  /// Runs `fn` on the strand with the current picture (for queries and snapshots).
  void read(std::function<void(const engine::Picture&)> fn) const;
  /// The same, `delay` from now (the live channel's paced deltas). Dropped after stop().
  void read_after(std::chrono::microseconds delay,
                  std::function<void(const engine::Picture&)> fn) const;

  /// Called on the strand after every applied batch, with what changed.
  using Listener = std::function<void(const std::vector<engine::Changes>&, const engine::Picture&)>;
  void listen(Listener listener);

  EngineCounters counters() const;
  engine::JournalStats journal_stats() const;
  /// The I/O context whose threads run the strand.
  boost::asio::io_context& context() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace quanyu::server

#pragma once
/// Journal: the durable record of every entry the engine accepted (observations, commands,
/// ticks), in one SQLite database in WAL mode under the data directory. The picture is a function
/// of this sequence, so a restart loads the newest snapshot and replays the entries after it.
///
/// Writes happen on the journal's own thread. append() only queues; the writer takes everything
/// queued since its last commit into one transaction (one fsync for many requests: group commit)
/// and runs each append's callback once its entries are durable. The engine acknowledges a
/// request only from that callback, so after `kill -9` (or power loss: synchronous=FULL) every
/// acknowledged entry is in the file. Entries must arrive with consecutive `seq` numbers, which
/// the engine assigns; anything else is a bug in the caller and is refused, never stored. After a
/// failed write the journal refuses every further append, because a journal with a hole must never
/// be extended; the process is expected to restart and replay.
///
/// One process at a time: the journal holds an exclusive lock on "<path>.lock" while open.

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "quanyu/v1/journal.pb.h"

namespace quanyu::engine {

/// A journal that cannot be opened, read or written. One line naming the file and SQLite's (or
/// the system's) message.
class JournalError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct JournalOptions {
  std::filesystem::path path;  ///< e.g. <data_dir>/journal.db; the directory must exist
  /// Most entries per transaction; one append is never split, so a larger one goes alone.
  std::size_t max_batch_entries = 8192;
  std::size_t keep_snapshots = 2;                ///< newest snapshots kept; at least 1
  std::chrono::milliseconds busy_timeout{5000};  ///< wait for a lock held by another connection
};

struct JournalStats {
  /// Upper bounds (µs) of the commit-latency buckets; one more bucket counts everything slower.
  static constexpr std::array<std::uint64_t, 10> kCommitBucketBoundsUs = {
      250, 500, 1'000, 2'500, 5'000, 10'000, 25'000, 50'000, 100'000, 250'000};

  std::uint64_t commits = 0;    ///< transactions committed
  std::uint64_t entries = 0;    ///< entries committed
  std::uint64_t bytes = 0;      ///< serialised entry bytes committed
  std::uint64_t snapshots = 0;  ///< snapshots stored
  std::uint64_t last_seq = 0;   ///< highest seq committed
  /// Duration of the latest transaction, BEGIN to fsynced COMMIT.
  std::uint64_t last_commit_us = 0;
  std::uint64_t commit_us_sum = 0;  ///< sum of all transaction durations
  /// Transactions per latency bucket (not cumulative): [i] counts those <= kCommitBucketBoundsUs[i]
  /// and above the previous bound; the last counts those above every bound.
  std::array<std::uint64_t, kCommitBucketBoundsUs.size() + 1> commit_us_buckets{};
  std::size_t queue_depth = 0;  ///< entries appended but not yet committed
  bool failed = false;          ///< a write failed; every further append is refused
};

class Journal {
 public:
  /// Runs on the writer thread exactly once per append(): error empty once the entries are durable,
  /// set when they were refused or could not be written. Must not block on the journal (flush,
  /// save_snapshot) and should not throw (an exception is logged and dropped).
  using CommitCallback = std::function<void(const std::optional<std::string>& error)>;

  /// Opens or creates the database (WAL, synchronous=FULL), refuses a file written by a newer
  /// schema or another program, and starts the writer thread. Throws JournalError naming the path.
  explicit Journal(JournalOptions options);
  /// Commits what is queued (running its callbacks), then stops the writer thread.
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  /// Highest seq committed so far (at open: the highest in the file; 0 for an empty journal). The
  /// next append must start at last_seq() + 1 plus whatever is queued.
  std::uint64_t last_seq() const;

  /// Queues entries, whose seqs must be consecutive and follow the last entry appended; `done`
  /// runs on the writer thread once they are durable or refused. Appends between two commits
  /// share one transaction and one fsync; one append is never split across transactions.
  /// Callbacks run in append order. Thread-safe.
  void append(std::vector<v1::JournalEntry> entries, CommitCallback done);

  /// Blocks until everything appended so far is committed (or refused) and its callbacks ran.
  void flush();

  /// Calls `fn` for every committed entry with seq > after, in seq order, and returns how many.
  /// Reads through its own connection, so it is safe while the writer runs. Throws JournalError
  /// naming the seq on an unreadable row, a row whose body disagrees with its seq, or a gap.
  std::size_t replay(std::uint64_t after,
                     const std::function<void(const v1::JournalEntry&)>& fn) const;

  /// Stores a snapshot of the engine state at state.seq(), keeping the newest keep_snapshots.
  /// Written by the writer thread after every entry appended before it, so a snapshot never
  /// refers to entries that are not durable. Blocks until stored; throws JournalError when the
  /// state is ahead of the entries appended, or the write failed (the journal then refuses
  /// further appends).
  void save_snapshot(const v1::EngineState& state);

  /// The snapshot with the highest seq, if any. Throws JournalError on an unreadable snapshot.
  std::optional<v1::EngineState> latest_snapshot() const;

  JournalStats stats() const;

  const std::filesystem::path& path() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace quanyu::engine

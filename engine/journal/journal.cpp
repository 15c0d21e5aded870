#include "engine/journal/journal.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <deque>
#include <future>
#include <limits>
#include <mutex>
#include <system_error>
#include <thread>
#include <utility>
#include <variant>

#include "engine/core/time.hpp"
#include "engine/journal/sqlite.hpp"

namespace quanyu::engine {
namespace {

constexpr std::int64_t kSchemaVersion = 1;
// "QYJL" in the SQLite header (PRAGMA application_id): tells a Quanyu journal from any other
// SQLite file, so pointing the data dir at the wrong file fails at start-up, not at replay.
constexpr std::int64_t kApplicationId = 0x51594A4C;
// The WAL is checkpointed into the database every ~1000 pages (SQLite's default); afterwards it is
// truncated to this size so a burst does not leave a huge file behind.
constexpr std::int64_t kWalSizeLimitBytes = 64LL * 1024 * 1024;

std::string where(const std::filesystem::path& path) { return "journal " + path.string(); }

// strerror is not thread-safe; the system category's message is.
std::string system_message(int error) { return std::system_category().message(error); }

JournalOptions checked(JournalOptions options) {
  if (options.keep_snapshots == 0) {
    throw JournalError(where(options.path) + ": keep_snapshots must be at least 1");
  }
  if (options.max_batch_entries == 0) {
    throw JournalError(where(options.path) + ": max_batch_entries must be at least 1");
  }
  return options;
}

/// An exclusive flock on "<journal>.lock" for as long as the journal is open: two processes (or
/// two Journal objects) appending to one file would interleave their seqs. A separate file, not
/// the database itself, because SQLite's POSIX locks on the database are dropped when any
/// descriptor of that file in the process is closed.
class FileLock {
 public:
  explicit FileLock(const std::filesystem::path& journal_path) {
    const std::string lock_path = journal_path.string() + ".lock";
    fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) {
      throw JournalError(where(journal_path) + ": cannot open " + lock_path + ": " +
                         system_message(errno));
    }
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      const int error = errno;
      ::close(fd_);
      throw JournalError(where(journal_path) +
                         (error == EWOULDBLOCK
                              ? ": already open in another process or Journal"
                              : ": cannot lock " + lock_path + ": " + system_message(error)));
    }
  }
  ~FileLock() { ::close(fd_); }  // closing releases the lock
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_ = -1;
};

std::int64_t query_int(sqlite::Database& db, std::string_view sql) {
  auto statement = db.prepare(sql);
  if (!statement.step(sql)) db.fail_plain(std::string(sql) + ": no row");
  return statement.column_int64(0);
}

/// Checks the file is a journal of a schema this build understands, switches it to WAL, creates
/// what is missing, and returns the highest seq stored.
std::uint64_t open_schema(sqlite::Database& db) {
  // Checks first, before anything writes to the file: a database to refuse stays untouched.
  // The first read also fails cleanly ("file is not a database") on a file that is not SQLite.
  const auto application_id = query_int(db, "PRAGMA application_id");
  if (application_id != 0 && application_id != kApplicationId) {
    db.fail_plain("not a Quanyu journal (application_id " + std::to_string(application_id) + ")");
  }
  const auto tables = query_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table'");
  const auto has_meta =
      query_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'");
  if (tables > 0 && has_meta == 0) db.fail_plain("not a Quanyu journal (no meta table)");
  if (has_meta != 0) {
    auto version =
        db.prepare("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'schema_version'");
    if (!version.step("read schema_version")) db.fail_plain("no schema_version in meta");
    const auto found = version.column_int64(0);
    if (found > kSchemaVersion) {
      db.fail_plain("schema version " + std::to_string(found) +
                    " is newer than this build understands (" + std::to_string(kSchemaVersion) +
                    "); run the Quanyu release that wrote it");
    }
    if (found < 1) db.fail_plain("invalid schema_version " + std::to_string(found));
  }

  {
    // journal_mode answers with the mode in effect: anything but "wal" (e.g. a file system
    // without shared memory) would silently lose the concurrent replay and group commit.
    auto mode = db.prepare("PRAGMA journal_mode = WAL");
    if (!mode.step("set journal_mode") || mode.column_blob(0) != "wal") {
      db.fail_plain("cannot switch to WAL mode");
    }
  }
  // FULL: every commit fsyncs the WAL, so an acknowledged entry survives power loss as well as
  // kill -9 (NORMAL would only survive a process crash).
  db.exec("PRAGMA synchronous = FULL");
  db.exec("PRAGMA journal_size_limit = " + std::to_string(kWalSizeLimitBytes));
  db.exec("BEGIN IMMEDIATE");
  try {
    db.exec(
        "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        "CREATE TABLE IF NOT EXISTS journal (seq INTEGER PRIMARY KEY, at_us INTEGER NOT NULL,"
        " kind INTEGER NOT NULL, body BLOB NOT NULL);"
        "CREATE TABLE IF NOT EXISTS snapshots (seq INTEGER PRIMARY KEY, at_us INTEGER NOT NULL,"
        " body BLOB NOT NULL);"
        "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', '" +
        std::to_string(kSchemaVersion) + "');" +
        "PRAGMA application_id = " + std::to_string(kApplicationId) + ";");
    db.exec("COMMIT");
  } catch (...) {
    if (!db.autocommit()) sqlite3_exec(db.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
  return static_cast<std::uint64_t>(query_int(db, "SELECT coalesce(max(seq), 0) FROM journal"));
}

std::size_t latency_bucket(std::uint64_t us) {
  const auto& bounds = JournalStats::kCommitBucketBoundsUs;
  return static_cast<std::size_t>(std::lower_bound(bounds.begin(), bounds.end(), us) -
                                  bounds.begin());
}

}  // namespace

class Journal::Impl {
 public:
  explicit Impl(JournalOptions options)
      : options_(checked(std::move(options))),
        lock_(options_.path),
        db_(options_.path, sqlite::Database::Mode::kReadWrite, options_.busy_timeout),
        seq_at_open_(open_schema(db_)),
        begin_(db_.prepare("BEGIN IMMEDIATE", true)),
        commit_(db_.prepare("COMMIT", true)),
        rollback_(db_.prepare("ROLLBACK", true)),
        insert_entry_(db_.prepare(
            "INSERT INTO journal (seq, at_us, kind, body) VALUES (?1, ?2, ?3, ?4)", true)),
        insert_snapshot_(db_.prepare(
            "INSERT OR REPLACE INTO snapshots (seq, at_us, body) VALUES (?1, ?2, ?3)", true)),
        prune_snapshots_(db_.prepare("DELETE FROM snapshots WHERE seq NOT IN"
                                     " (SELECT seq FROM snapshots ORDER BY seq DESC LIMIT ?1)",
                                     true)),
        last_seq_(seq_at_open_),
        next_seq_(seq_at_open_ + 1) {
    stats_.last_seq = seq_at_open_;
    // Started last: everything the thread touches is ready.
    thread_ = std::thread([this] { run(); });
  }

  ~Impl() {
    {
      const std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    work_ready_.notify_one();
    thread_.join();
  }

  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  std::uint64_t last_seq() const { return last_seq_.load(std::memory_order_acquire); }
  const std::filesystem::path& path() const { return options_.path; }

  void append(std::vector<v1::JournalEntry> entries, CommitCallback done) {
    {
      const std::lock_guard lock(mutex_);
      Append item{std::move(entries), std::move(done), std::nullopt};
      if (failure_) {
        item.refusal = refused_after(*failure_);
      } else {
        item.refusal = check_sequence(item.entries);
      }
      if (!item.refusal) {
        next_seq_ += item.entries.size();
        stats_.queue_depth += item.entries.size();
      }
      queue_.push_back(Work{std::move(item), ++tickets_queued_});
    }
    work_ready_.notify_one();
  }

  void flush() {
    refuse_on_writer_thread("flush");
    std::unique_lock lock(mutex_);
    const auto ticket = tickets_queued_;
    work_done_.wait(lock, [&] { return tickets_done_ >= ticket; });
  }

  void save_snapshot(const v1::EngineState& state) {
    refuse_on_writer_thread("save_snapshot");
    // Serialised here, not on the writer thread: the caller waits anyway, and the writer never
    // holds a reference into the caller's state.
    Snapshot item{state.seq(), to_micros(state.now()), {}, {}};
    if (!state.SerializeToString(&item.body)) {
      throw JournalError(where(options_.path) + ": cannot serialise the snapshot at seq " +
                         std::to_string(state.seq()));
    }
    auto stored = item.stored.get_future();
    {
      const std::lock_guard lock(mutex_);
      if (failure_) throw JournalError(refused_after(*failure_));
      if (state.seq() >= next_seq_) {
        throw JournalError(
            where(options_.path) + ": snapshot at seq " + std::to_string(state.seq()) +
            " is ahead of the entries appended (last " + std::to_string(next_seq_ - 1) + ")");
      }
      queue_.push_back(Work{std::move(item), ++tickets_queued_});
    }
    work_ready_.notify_one();
    if (const auto error = stored.get()) throw JournalError(*error);
  }

  std::size_t replay(std::uint64_t after,
                     const std::function<void(const v1::JournalEntry&)>& fn) const {
    // A connection of its own: WAL lets it read a consistent state while the writer commits.
    sqlite::Database db(options_.path, sqlite::Database::Mode::kReadOnly, options_.busy_timeout);
    if (after >= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return 0;
    auto select = db.prepare("SELECT seq, body FROM journal WHERE seq > ?1 ORDER BY seq");
    select.bind(1, static_cast<std::int64_t>(after));
    v1::JournalEntry entry;
    std::uint64_t expected = after + 1;
    std::size_t count = 0;
    while (select.step("replay")) {
      const auto seq = static_cast<std::uint64_t>(select.column_int64(0));
      // The writer only ever stores consecutive seqs, so a hole means entries were lost.
      if (seq != expected) {
        db.fail_plain("seq " + std::to_string(expected) + " is missing (the next stored is seq " +
                      std::to_string(seq) + ")");
      }
      const auto body = select.column_blob(1);
      if (!entry.ParseFromArray(body.empty() ? "" : body.data(), static_cast<int>(body.size()))) {
        db.fail_plain("entry at seq " + std::to_string(seq) + " is unreadable (" +
                      std::to_string(body.size()) + " bytes)");
      }
      if (entry.seq() != seq) {
        db.fail_plain("entry at seq " + std::to_string(seq) + " says it is seq " +
                      std::to_string(entry.seq()));
      }
      fn(entry);
      ++count;
      ++expected;
    }
    return count;
  }

  std::optional<v1::EngineState> latest_snapshot() const {
    sqlite::Database db(options_.path, sqlite::Database::Mode::kReadOnly, options_.busy_timeout);
    auto select = db.prepare("SELECT seq, body FROM snapshots ORDER BY seq DESC LIMIT 1");
    if (!select.step("read snapshot")) return std::nullopt;
    const auto seq = static_cast<std::uint64_t>(select.column_int64(0));
    const auto body = select.column_blob(1);
    v1::EngineState state;
    if (!state.ParseFromArray(body.empty() ? "" : body.data(), static_cast<int>(body.size())) ||
        state.seq() != seq) {
      db.fail_plain("snapshot at seq " + std::to_string(seq) + " is unreadable (" +
                    std::to_string(body.size()) + " bytes)");
    }
    return state;
  }

  JournalStats stats() const {
    const std::lock_guard lock(mutex_);
    auto copy = stats_;
    copy.failed = failure_.has_value();
    return copy;
  }

 private:
  struct Append {
    std::vector<v1::JournalEntry> entries;
    CommitCallback done;
    std::optional<std::string> refusal;  ///< refused by append(): nothing is written
  };
  struct Snapshot {
    std::uint64_t seq;
    std::int64_t at_us;
    std::string body;
    std::promise<std::optional<std::string>> stored;  ///< the error, if any
  };
  struct Work {
    std::variant<Append, Snapshot> item;
    std::uint64_t ticket;  ///< 1, 2, 3, ... in queue order; flush() waits for a ticket
  };
  /// What one transaction wrote.
  struct Written {
    std::uint64_t entries = 0;
    std::uint64_t bytes = 0;
    std::uint64_t snapshots = 0;
    std::uint64_t last_seq = 0;
  };

  std::string refused_after(const std::string& failure) const {
    return where(options_.path) + ": refusing to append after a failed write (" + failure + ")";
  }

  /// Why the entries cannot follow those already appended, if they cannot. Caller holds mutex_.
  std::optional<std::string> check_sequence(const std::vector<v1::JournalEntry>& entries) const {
    for (std::size_t i = 0; i < entries.size(); ++i) {
      const auto expected = next_seq_ + i;
      const auto seq = entries[i].seq();
      if (seq == expected) continue;
      return where(options_.path) + ": refused " + std::to_string(entries.size()) +
             " entries: entry " + std::to_string(i) + " has seq " + std::to_string(seq) +
             ", expected " + std::to_string(expected) +
             (seq < expected ? " (out of order: seq " + std::to_string(seq) + " was appended)"
                             : " (a gap: seqs must be consecutive)");
    }
    return std::nullopt;
  }

  void refuse_on_writer_thread(const char* what) const {
    // Waiting for the writer from inside its own callback would wait forever.
    if (std::this_thread::get_id() == thread_.get_id()) {
      throw std::logic_error(std::string("Journal::") + what + " called from a commit callback");
    }
  }

  void run() {
    // Named so `top -H` and a debugger show which thread is waiting on fsync.
    pthread_setname_np(pthread_self(), "quanyu-journal");
    for (;;) {
      std::vector<Work> batch;
      std::optional<std::string> error;
      {
        std::unique_lock lock(mutex_);
        work_ready_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping, and everything queued is done
        // Everything queued since the last commit shares this transaction (group commit), up to
        // max_batch_entries; one append is never split, so it is durable all or nothing.
        std::size_t entries = 0;
        while (!queue_.empty()) {
          const auto* append = std::get_if<Append>(&queue_.front().item);
          const std::size_t size = append != nullptr ? append->entries.size() : 0;
          if (!batch.empty() && entries + size > options_.max_batch_entries) break;
          entries += size;
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
        if (failure_) error = refused_after(*failure_);
      }
      process(batch, std::move(error));
    }
  }

  void process(std::vector<Work>& batch, std::optional<std::string> error) {
    std::size_t pending = 0;  // entries accepted by append(), leaving the queue now
    bool anything_to_write = false;
    for (const auto& work : batch) {
      if (const auto* append = std::get_if<Append>(&work.item)) {
        if (append->refusal) continue;
        pending += append->entries.size();
        anything_to_write = anything_to_write || !append->entries.empty();
      } else {
        anything_to_write = true;
      }
    }

    Written written;
    std::uint64_t elapsed_us = 0;
    if (!error && anything_to_write) {
      const auto started = std::chrono::steady_clock::now();
      try {
        written = write(batch);
      } catch (const std::exception& e) {
        error = e.what();
        rollback_quietly();
      }
      elapsed_us = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                                  std::chrono::steady_clock::now() - started)
                                                  .count());
    }

    {
      const std::lock_guard lock(mutex_);
      stats_.queue_depth -= pending;
      if (error) {
        if (!failure_) {
          failure_ = error;
          spdlog::error("{}", *error);
        }
      } else if (anything_to_write) {
        ++stats_.commits;
        stats_.entries += written.entries;
        stats_.bytes += written.bytes;
        stats_.snapshots += written.snapshots;
        stats_.last_commit_us = elapsed_us;
        stats_.commit_us_sum += elapsed_us;
        ++stats_.commit_us_buckets[latency_bucket(elapsed_us)];
        if (written.entries > 0) {
          stats_.last_seq = written.last_seq;
          // Before the callbacks run, so one of them reading last_seq() sees its own entries.
          last_seq_.store(written.last_seq, std::memory_order_release);
        }
      }
    }

    for (auto& work : batch) {
      if (auto* append = std::get_if<Append>(&work.item)) {
        deliver(*append, append->refusal ? append->refusal : error);
      } else {
        std::get<Snapshot>(work.item).stored.set_value(error);
      }
    }

    {
      const std::lock_guard lock(mutex_);
      tickets_done_ = batch.back().ticket;
    }
    work_done_.notify_all();
  }

  /// One transaction for the whole batch. Throws JournalError; the caller rolls back.
  Written write(std::vector<Work>& batch) {
    Written written;
    begin_.run("begin");
    std::string body;
    for (auto& work : batch) {
      if (auto* append = std::get_if<Append>(&work.item)) {
        if (append->refusal) continue;
        for (const auto& entry : append->entries) {
          const std::string seq = std::to_string(entry.seq());
          if (!entry.SerializeToString(&body)) db_.fail_plain("cannot serialise entry seq " + seq);
          insert_entry_.bind(1, static_cast<std::int64_t>(entry.seq()));
          insert_entry_.bind(2, to_micros(entry.at()));
          insert_entry_.bind(3, static_cast<std::int64_t>(entry.body_case()));
          insert_entry_.bind_blob(4, body);
          insert_entry_.run("append seq " + seq);
          ++written.entries;
          written.bytes += body.size();
          written.last_seq = entry.seq();
        }
      } else {
        auto& snapshot = std::get<Snapshot>(work.item);
        insert_snapshot_.bind(1, static_cast<std::int64_t>(snapshot.seq));
        insert_snapshot_.bind(2, snapshot.at_us);
        insert_snapshot_.bind_blob(3, snapshot.body);
        insert_snapshot_.run("store snapshot seq " + std::to_string(snapshot.seq));
        prune_snapshots_.bind(1, static_cast<std::int64_t>(options_.keep_snapshots));
        prune_snapshots_.run("prune snapshots");
        ++written.snapshots;
      }
    }
    commit_.run("commit");
    return written;
  }

  void rollback_quietly() noexcept {
    // Some errors (e.g. disk full) already rolled the transaction back; the journal refuses all
    // further writes either way, so a failing ROLLBACK changes nothing.
    if (db_.autocommit()) return;
    try {
      rollback_.run("rollback");
    } catch (const std::exception& e) {
      spdlog::error("{}", e.what());
    }
  }

  static void deliver(Append& append, const std::optional<std::string>& error) noexcept {
    if (!append.done) return;
    // A throwing callback must not stop the writer thread: the entries are durable regardless.
    try {
      append.done(error);
    } catch (const std::exception& e) {
      spdlog::error("journal: a commit callback threw: {}", e.what());
    } catch (...) {
      spdlog::error("journal: a commit callback threw");
    }
  }

  const JournalOptions options_;
  FileLock lock_;
  sqlite::Database db_;  ///< the writer connection: only the writer thread uses it once started
  const std::uint64_t seq_at_open_;
  sqlite::Statement begin_;
  sqlite::Statement commit_;
  sqlite::Statement rollback_;
  sqlite::Statement insert_entry_;
  sqlite::Statement insert_snapshot_;
  sqlite::Statement prune_snapshots_;
  std::atomic<std::uint64_t> last_seq_;

  mutable std::mutex mutex_;  ///< guards everything below but the thread
  std::condition_variable work_ready_;
  std::condition_variable work_done_;
  std::deque<Work> queue_;
  std::uint64_t next_seq_;  ///< the seq the next append must start with
  std::uint64_t tickets_queued_ = 0;
  std::uint64_t tickets_done_ = 0;
  std::optional<std::string> failure_;  ///< the first failed write; set once, never cleared
  bool stopping_ = false;
  JournalStats stats_;
  std::thread thread_;
};

Journal::Journal(JournalOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Journal::~Journal() = default;

std::uint64_t Journal::last_seq() const { return impl_->last_seq(); }

void Journal::append(std::vector<v1::JournalEntry> entries, CommitCallback done) {
  impl_->append(std::move(entries), std::move(done));
}

void Journal::flush() { impl_->flush(); }

std::size_t Journal::replay(std::uint64_t after,
                            const std::function<void(const v1::JournalEntry&)>& fn) const {
  return impl_->replay(after, fn);
}

void Journal::save_snapshot(const v1::EngineState& state) { impl_->save_snapshot(state); }

std::optional<v1::EngineState> Journal::latest_snapshot() const { return impl_->latest_snapshot(); }

JournalStats Journal::stats() const { return impl_->stats(); }

const std::filesystem::path& Journal::path() const { return impl_->path(); }

}  // namespace quanyu::engine

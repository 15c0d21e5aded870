// The durable journal: round trips, seq discipline, group commit, snapshots, reopening, refusal of
// files it must not touch, corruption reports, and the kill -9 guarantee (every acknowledged entry
// is replayed after the process is killed mid-commit).

#include "engine/journal/journal.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "engine/core/time.hpp"
#include "engine/journal/sqlite.hpp"
#include "gtest_include.hpp"
#include "test_support.hpp"

namespace quanyu::engine {
namespace {

using test::TempDir;
using ::testing::HasSubstr;

constexpr std::int64_t kStartUs = 1'795'000'000'000'000;  // 2026-11-18, the demo's epoch

/// A deterministic entry for `seq`, cycling through the three kinds of body.
v1::JournalEntry make_entry(std::uint64_t seq) {
  v1::JournalEntry entry;
  entry.set_seq(seq);
  *entry.mutable_at() = to_timestamp(kStartUs + static_cast<std::int64_t>(seq) * 1'000);
  switch (seq % 3) {
    case 0:
      entry.set_actor("system");
      entry.mutable_tick();
      break;
    case 1: {
      entry.set_actor("feed-tower");
      auto& observation = *entry.mutable_observation();
      observation.set_id("obs-" + std::to_string(seq));
      observation.set_source("tower-7");
      observation.mutable_smoke_detection()->set_confidence(0.5 +
                                                            0.001 * static_cast<double>(seq % 100));
      break;
    }
    default:
      entry.set_actor("duty-officer");
      entry.mutable_command()->set_correlation_id("c-" + std::to_string(seq));
      entry.mutable_command()->mutable_acknowledge()->set_incident_id("INC-" + std::to_string(seq));
      break;
  }
  return entry;
}

std::vector<v1::JournalEntry> make_entries(std::uint64_t first, std::size_t count) {
  std::vector<v1::JournalEntry> entries;
  entries.reserve(count);
  for (std::size_t i = 0; i < count; ++i) entries.push_back(make_entry(first + i));
  return entries;
}

/// Appends and waits for the callback; its error, if any.
std::optional<std::string> append_and_wait(Journal& journal,
                                           std::vector<v1::JournalEntry> entries) {
  std::promise<std::optional<std::string>> result;
  auto future = result.get_future();
  journal.append(std::move(entries),
                 [&result](const std::optional<std::string>& error) { result.set_value(error); });
  return future.get();
}

std::vector<v1::JournalEntry> replay_all(const Journal& journal, std::uint64_t after = 0) {
  std::vector<v1::JournalEntry> entries;
  const auto count =
      journal.replay(after, [&](const v1::JournalEntry& entry) { entries.push_back(entry); });
  EXPECT_EQ(count, entries.size());
  return entries;
}

v1::EngineState make_state(std::uint64_t seq) {
  v1::EngineState state;
  state.set_seq(seq);
  *state.mutable_now() = to_timestamp(kStartUs + static_cast<std::int64_t>(seq) * 1'000);
  state.set_next_incident_number(seq * 10);
  state.add_incidents()->set_id("INC-" + std::to_string(seq));
  return state;
}

std::string message_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const JournalError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no JournalError thrown";
  return {};
}

TEST(Journal, AppendThenReplayRoundTrip) {
  TempDir dir;
  Journal journal({dir / "journal.db"});
  EXPECT_EQ(journal.last_seq(), 0u);
  EXPECT_EQ(replay_all(journal).size(), 0u);

  EXPECT_EQ(append_and_wait(journal, make_entries(1, 3)), std::nullopt);
  EXPECT_EQ(append_and_wait(journal, make_entries(4, 2)), std::nullopt);
  EXPECT_EQ(journal.last_seq(), 5u);

  const auto replayed = replay_all(journal);
  ASSERT_EQ(replayed.size(), 5u);
  for (std::uint64_t seq = 1; seq <= 5; ++seq) {
    EXPECT_EQ(replayed[seq - 1].SerializeAsString(), make_entry(seq).SerializeAsString()) << seq;
  }
  EXPECT_TRUE(replayed[0].has_observation());
  EXPECT_TRUE(replayed[1].has_command());
  EXPECT_TRUE(replayed[2].has_tick());
}

TEST(Journal, ReplayAfterSkipsEarlierEntries) {
  TempDir dir;
  Journal journal({dir / "journal.db"});
  ASSERT_EQ(append_and_wait(journal, make_entries(1, 10)), std::nullopt);

  const auto tail = replay_all(journal, 4);
  ASSERT_EQ(tail.size(), 6u);
  for (std::size_t i = 0; i < tail.size(); ++i) EXPECT_EQ(tail[i].seq(), 5 + i);
  EXPECT_EQ(replay_all(journal, 10).size(), 0u);
  EXPECT_EQ(replay_all(journal, 1000).size(), 0u);
}

TEST(Journal, RefusesEntriesOutOfOrderOrWithGaps) {
  TempDir dir;
  Journal journal({dir / "journal.db"});
  // An empty journal starts at seq 1.
  EXPECT_THAT(append_and_wait(journal, make_entries(2, 1)).value_or(""), HasSubstr("gap"));
  ASSERT_EQ(append_and_wait(journal, make_entries(1, 3)), std::nullopt);

  const auto repeated = append_and_wait(journal, make_entries(3, 1));
  ASSERT_TRUE(repeated.has_value());
  EXPECT_THAT(*repeated, HasSubstr("out of order"));
  EXPECT_THAT(*repeated, HasSubstr("seq 3"));
  EXPECT_THAT(append_and_wait(journal, make_entries(5, 1)).value_or(""), HasSubstr("gap"));
  // A gap inside one append refuses the whole append, including its valid first entry.
  std::vector<v1::JournalEntry> holed{make_entry(4), make_entry(6)};
  EXPECT_THAT(append_and_wait(journal, holed).value_or(""), HasSubstr("expected 5"));

  // Refusals write nothing and do not fail the journal: the right next entry still goes in.
  EXPECT_EQ(journal.last_seq(), 3u);
  EXPECT_FALSE(journal.stats().failed);
  EXPECT_EQ(append_and_wait(journal, make_entries(4, 1)), std::nullopt);
  const auto replayed = replay_all(journal);
  ASSERT_EQ(replayed.size(), 4u);
  EXPECT_EQ(replayed.back().SerializeAsString(), make_entry(4).SerializeAsString());
}

TEST(Journal, GroupCommitSharesTransactionsAmongConcurrentAppends) {
  TempDir dir;
  Journal journal({dir / "journal.db"});
  constexpr std::uint64_t kThreads = 4;
  constexpr std::uint64_t kAppendsPerThread = 500;
  constexpr std::uint64_t kTotal = kThreads * kAppendsPerThread;

  // Plays the engine strand: a seq is assigned and appended in one critical section.
  std::mutex engine;
  std::uint64_t next_seq = 1;
  std::vector<std::atomic<int>> calls(kTotal + 1);
  std::vector<std::uint64_t> callback_order;  // callbacks run on the writer thread only
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (std::uint64_t t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (std::uint64_t i = 0; i < kAppendsPerThread; ++i) {
        const std::lock_guard lock(engine);
        const auto seq = next_seq++;
        journal.append({make_entry(seq)}, [&, seq](const std::optional<std::string>& error) {
          EXPECT_FALSE(error.has_value()) << error.value_or("");
          calls[seq].fetch_add(1);
          callback_order.push_back(seq);
        });
      }
    });
  }
  for (auto& thread : threads) thread.join();
  journal.flush();

  for (std::uint64_t seq = 1; seq <= kTotal; ++seq) EXPECT_EQ(calls[seq].load(), 1) << seq;
  ASSERT_EQ(callback_order.size(), kTotal);
  EXPECT_TRUE(std::is_sorted(callback_order.begin(), callback_order.end()));
  const auto stats = journal.stats();
  EXPECT_EQ(stats.entries, kTotal);
  EXPECT_LT(stats.commits, kTotal) << "every append paid its own fsync";
  EXPECT_EQ(stats.queue_depth, 0u);
  std::printf("[ info     ] %llu appends shared %llu commits\n",
              static_cast<unsigned long long>(kTotal),
              static_cast<unsigned long long>(stats.commits));

  const auto replayed = replay_all(journal);
  ASSERT_EQ(replayed.size(), kTotal);
  for (std::uint64_t seq = 1; seq <= kTotal; ++seq) EXPECT_EQ(replayed[seq - 1].seq(), seq);
}

TEST(Journal, BatchesStayWithinMaxBatchEntries) {
  TempDir dir;
  JournalOptions options{dir / "journal.db"};
  options.max_batch_entries = 10;
  Journal journal(options);
  std::atomic<int> calls{0};
  const auto count = [&](const std::optional<std::string>& error) {
    EXPECT_FALSE(error.has_value());
    ++calls;
  };
  for (std::uint64_t seq = 1; seq <= 100; ++seq) journal.append({make_entry(seq)}, count);
  journal.append(make_entries(101, 25), count);  // larger than a batch: never split
  journal.flush();

  EXPECT_EQ(calls.load(), 101);
  // The 100 single entries need at least 10 transactions, the big append one of its own.
  EXPECT_GE(journal.stats().commits, 11u);
  EXPECT_EQ(journal.last_seq(), 125u);
  EXPECT_EQ(replay_all(journal).size(), 125u);
}

TEST(Journal, SnapshotsKeepTheNewest) {
  TempDir dir;
  const auto path = dir / "journal.db";
  {
    JournalOptions options{path};
    options.keep_snapshots = 2;
    Journal journal(options);
    EXPECT_FALSE(journal.latest_snapshot().has_value());
    ASSERT_EQ(append_and_wait(journal, make_entries(1, 10)), std::nullopt);
    for (std::uint64_t seq : {3, 6, 9}) {
      journal.save_snapshot(make_state(seq));
      const auto latest = journal.latest_snapshot();
      ASSERT_TRUE(latest.has_value());
      EXPECT_EQ(latest->SerializeAsString(), make_state(seq).SerializeAsString());
    }
    EXPECT_EQ(journal.stats().snapshots, 3u);
  }
  sqlite::Database db(path, sqlite::Database::Mode::kReadOnly, std::chrono::milliseconds(1000));
  auto kept = db.prepare("SELECT count(*), min(seq) FROM snapshots");
  ASSERT_TRUE(kept.step("count"));
  EXPECT_EQ(kept.column_int64(0), 2);
  EXPECT_EQ(kept.column_int64(1), 6);
}

TEST(Journal, SnapshotIsStoredAfterTheEntriesQueuedBeforeIt) {
  TempDir dir;
  Journal journal({dir / "journal.db"});
  std::atomic<int> calls{0};
  for (std::uint64_t seq = 1; seq <= 100; ++seq) {
    journal.append({make_entry(seq)}, [&](const std::optional<std::string>&) { ++calls; });
  }
  journal.save_snapshot(make_state(100));
  // When the snapshot is stored, everything it covers is durable and acknowledged.
  EXPECT_EQ(calls.load(), 100);
  EXPECT_EQ(journal.last_seq(), 100u);

  const auto ahead = message_of([&] { journal.save_snapshot(make_state(101)); });
  EXPECT_THAT(ahead, HasSubstr("snapshot at seq 101 is ahead"));
  EXPECT_EQ(journal.latest_snapshot()->seq(), 100u);
}

TEST(Journal, ReopenKeepsLastSeqAndCloseCommitsWhatIsQueued) {
  TempDir dir;
  const auto path = dir / "journal.db";
  std::atomic<int> calls{0};
  {
    Journal journal({path});
    for (std::uint64_t seq = 1; seq <= 50; ++seq) {
      journal.append({make_entry(seq)}, [&](const std::optional<std::string>& error) {
        EXPECT_FALSE(error.has_value());
        ++calls;
      });
    }
  }
  EXPECT_EQ(calls.load(), 50);

  Journal journal({path});
  EXPECT_EQ(journal.last_seq(), 50u);
  EXPECT_EQ(journal.stats().last_seq, 50u);
  EXPECT_THAT(append_and_wait(journal, make_entries(50, 1)).value_or(""),
              HasSubstr("out of order"));
  EXPECT_EQ(append_and_wait(journal, make_entries(51, 1)), std::nullopt);
  EXPECT_EQ(replay_all(journal).size(), 51u);
}

TEST(Journal, ReplayIsSafeWhileTheWriterRuns) {
  TempDir dir;
  Journal journal({dir / "journal.db"});
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (std::uint64_t first = 1; first <= 2000; first += 10) {
      journal.append(make_entries(first, 10), nullptr);
    }
    journal.flush();
    done = true;
  });
  int replays = 0;
  std::uint64_t seen = 0;
  while (!done) {
    std::uint64_t last = 0;
    // replay() itself throws on a gap; every read must be a whole prefix that only grows.
    EXPECT_NO_THROW(journal.replay(0, [&](const v1::JournalEntry& entry) { last = entry.seq(); }));
    EXPECT_GE(last, seen);
    EXPECT_EQ(last % 10, 0u) << "an append was visible half-committed";
    seen = last;
    ++replays;
  }
  writer.join();
  EXPECT_EQ(replay_all(journal).size(), 2000u);
  std::printf("[ info     ] %d replays during the writes\n", replays);
}

TEST(Journal, StatsCountCommitsEntriesAndLatency) {
  TempDir dir;
  Journal journal({dir / "journal.db"});
  ASSERT_EQ(append_and_wait(journal, make_entries(1, 4)), std::nullopt);
  ASSERT_EQ(append_and_wait(journal, make_entries(5, 2)), std::nullopt);
  journal.save_snapshot(make_state(6));

  const auto stats = journal.stats();
  EXPECT_EQ(stats.commits, 3u);
  EXPECT_EQ(stats.entries, 6u);
  EXPECT_EQ(stats.snapshots, 1u);
  EXPECT_EQ(stats.last_seq, 6u);
  std::uint64_t bytes = 0;
  for (std::uint64_t seq = 1; seq <= 6; ++seq) bytes += make_entry(seq).ByteSizeLong();
  EXPECT_EQ(stats.bytes, bytes);
  std::uint64_t bucketed = 0;
  for (const auto count : stats.commit_us_buckets) bucketed += count;
  EXPECT_EQ(bucketed, stats.commits);
  EXPECT_GT(stats.commit_us_sum, 0u);
  EXPECT_LE(stats.last_commit_us, stats.commit_us_sum);
  EXPECT_EQ(stats.queue_depth, 0u);
  EXPECT_FALSE(stats.failed);
}

TEST(Journal, ThrowingCallbackDoesNotStopTheWriter) {
  TempDir dir;
  Journal journal({dir / "journal.db"});
  journal.append(make_entries(1, 1),
                 [](const std::optional<std::string>&) { throw std::runtime_error("boom"); });
  EXPECT_EQ(append_and_wait(journal, make_entries(2, 1)), std::nullopt);
  EXPECT_EQ(journal.last_seq(), 2u);
}

TEST(Journal, FailedWriteRefusesEveryFurtherAppend) {
  TempDir dir;
  const auto path = dir / "journal.db";
  {
    JournalOptions options{path};
    options.busy_timeout = std::chrono::milliseconds(50);
    Journal journal(options);
    ASSERT_EQ(append_and_wait(journal, make_entries(1, 2)), std::nullopt);

    // Another connection holding the write lock makes the next commit fail.
    sqlite::Database blocker(path, sqlite::Database::Mode::kReadWrite,
                             std::chrono::milliseconds(50));
    blocker.exec("BEGIN IMMEDIATE");
    const auto failed = append_and_wait(journal, make_entries(3, 1));
    ASSERT_TRUE(failed.has_value());
    EXPECT_THAT(*failed, HasSubstr(path.string()));
    EXPECT_THAT(*failed, HasSubstr("locked"));
    blocker.exec("ROLLBACK");

    // The lock is gone, but a journal that failed once is never extended.
    EXPECT_TRUE(journal.stats().failed);
    EXPECT_THAT(append_and_wait(journal, make_entries(3, 1)).value_or(""),
                HasSubstr("refusing to append after a failed write"));
    EXPECT_THROW(journal.save_snapshot(make_state(2)), JournalError);
    EXPECT_EQ(journal.last_seq(), 2u);
  }
  // A restart replays what was committed and carries on.
  Journal journal({path});
  EXPECT_EQ(journal.last_seq(), 2u);
  EXPECT_EQ(append_and_wait(journal, make_entries(3, 1)), std::nullopt);
}

TEST(Journal, RefusesASecondOpenOfTheSameFile) {
  TempDir dir;
  const auto path = dir / "journal.db";
  Journal first({path});
  const auto error = message_of([&] { Journal second({path}); });
  EXPECT_THAT(error, HasSubstr(path.string()));
  EXPECT_THAT(error, HasSubstr("already open"));
}

TEST(Journal, RefusesASchemaFromTheFuture) {
  TempDir dir;
  const auto path = dir / "journal.db";
  { Journal journal({path}); }
  {
    sqlite::Database db(path, sqlite::Database::Mode::kReadWrite, std::chrono::milliseconds(1000));
    db.exec("UPDATE meta SET value = '99' WHERE key = 'schema_version'");
  }
  const auto error = message_of([&] { Journal journal({path}); });
  EXPECT_THAT(error, HasSubstr(path.string()));
  EXPECT_THAT(error, HasSubstr("schema version 99 is newer than this build understands (1)"));

  // Refusing leaves the file as it was.
  sqlite::Database db(path, sqlite::Database::Mode::kReadOnly, std::chrono::milliseconds(1000));
  auto version = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'");
  ASSERT_TRUE(version.step("read"));
  EXPECT_EQ(version.column_blob(0), "99");
}

TEST(Journal, RefusesFilesThatAreNotJournals) {
  TempDir dir;
  const auto text = dir / "notes.db";
  test::write_file(text, std::string(4096, 'x'));
  const auto not_sqlite = message_of([&] { Journal journal({text}); });
  EXPECT_THAT(not_sqlite, HasSubstr(text.string()));
  EXPECT_THAT(not_sqlite, HasSubstr("not a database"));

  const auto other = dir / "other.db";
  {
    sqlite::Database db(other, sqlite::Database::Mode::kReadWrite, std::chrono::milliseconds(1000));
    db.exec("CREATE TABLE things (id INTEGER)");
  }
  EXPECT_THAT(message_of([&] { Journal journal({other}); }), HasSubstr("not a Quanyu journal"));
}

TEST(Journal, UnwritablePathNamesThePath) {
  TempDir dir;
  // Under a regular file: fails even for root, unlike a read-only directory.
  test::write_file(dir / "plain-file", "x");
  const auto path = dir / "plain-file" / "journal.db";
  const auto error = message_of([&] { Journal journal({path}); });
  EXPECT_THAT(error, HasSubstr(path.string()));
  EXPECT_EQ(error.find('\n'), std::string::npos) << "one line";

  JournalOptions no_snapshots{dir / "journal.db"};
  no_snapshots.keep_snapshots = 0;
  EXPECT_THAT(message_of([&] { Journal journal(no_snapshots); }), HasSubstr("keep_snapshots"));
}

TEST(Journal, CorruptRowsNameTheirSeq) {
  TempDir dir;
  const auto path = dir / "journal.db";
  {
    Journal journal({path});
    ASSERT_EQ(append_and_wait(journal, make_entries(1, 6)), std::nullopt);
    journal.save_snapshot(make_state(6));
  }
  {
    sqlite::Database db(path, sqlite::Database::Mode::kReadWrite, std::chrono::milliseconds(1000));
    // An overlong varint: no protobuf parser accepts it.
    db.exec("UPDATE journal SET body = x'ffffffffffffffffffffffff' WHERE seq = 3");
    db.exec("UPDATE journal SET body = (SELECT body FROM journal WHERE seq = 5) WHERE seq = 4");
    db.exec("DELETE FROM journal WHERE seq = 5");
    db.exec("UPDATE snapshots SET body = x'ffffffffffffffffffffffff'");
  }
  Journal journal({path});
  int applied = 0;
  const auto unreadable =
      message_of([&] { journal.replay(0, [&](const v1::JournalEntry&) { ++applied; }); });
  EXPECT_EQ(applied, 2);
  EXPECT_THAT(unreadable, HasSubstr(path.string()));
  EXPECT_THAT(unreadable, HasSubstr("entry at seq 3 is unreadable"));
  EXPECT_THAT(message_of([&] { journal.replay(3, [](const v1::JournalEntry&) {}); }),
              HasSubstr("entry at seq 4 says it is seq 5"));
  EXPECT_THAT(message_of([&] { journal.replay(4, [](const v1::JournalEntry&) {}); }),
              HasSubstr("seq 5 is missing"));
  EXPECT_THAT(message_of([&] { journal.latest_snapshot(); }),
              HasSubstr("snapshot at seq 6 is unreadable"));
}

/// The child of the crash test: appends forever (until killed), writing the last seq of every
/// acknowledged append to `ack_fd` from inside the commit callback. Never returns.
[[noreturn]] void append_until_killed(const std::filesystem::path& path, int ack_fd) {
  ::alarm(60);  // never outlive a parent that died
  try {
    Journal journal({path});
    std::atomic<int> in_flight{0};
    std::uint64_t next = journal.last_seq() + 1;
    for (std::uint64_t i = 0; i < 10'000'000; ++i) {
      const std::size_t count = 1 + i % 7;
      const std::uint64_t last = next + count - 1;
      ++in_flight;
      journal.append(make_entries(next, count),
                     [ack_fd, last, &in_flight](const std::optional<std::string>& error) {
                       if (error) ::_exit(3);
                       if (::write(ack_fd, &last, sizeof last) != sizeof last) ::_exit(4);
                       --in_flight;
                     });
      next = last + 1;
      // Enough in flight for group commit, not so much that memory grows without bound.
      while (in_flight.load() > 256) std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
  } catch (...) {
    ::_exit(2);
  }
  ::_exit(5);
}

TEST(JournalCrash, EveryAcknowledgedEntrySurvivesKill9) {
  TempDir dir;
  const auto path = dir / "journal.db";
  std::uint64_t acknowledged_total = 0;
  for (int round = 0; round < 3; ++round) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      ::close(fds[0]);
      append_until_killed(path, fds[1]);
    }
    ::close(fds[1]);

    // Kill at a different point each round, while appends are queued and commits in progress.
    const std::size_t kill_after = 200 + 150 * static_cast<std::size_t>(round);
    std::vector<std::uint64_t> acknowledged;
    bool killed = false;
    std::uint64_t seq = 0;
    while (::read(fds[0], &seq, sizeof seq) == sizeof seq) {
      acknowledged.push_back(seq);
      if (!killed && acknowledged.size() >= kill_after) {
        ::kill(child, SIGKILL);
        killed = true;  // keep reading: acks written before the kill are still in the pipe
      }
    }
    ::close(fds[0]);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "the child stopped by itself, status " << status;
    ASSERT_FALSE(acknowledged.empty());

    Journal journal({path});
    const auto highest = *std::max_element(acknowledged.begin(), acknowledged.end());
    EXPECT_GE(journal.last_seq(), highest) << "round " << round;
    // replay() checks the seqs are consecutive from 1, so the highest acknowledged seq being
    // there means every acknowledged entry is; the bodies must be intact too.
    std::uint64_t replayed = 0;
    journal.replay(0, [&](const v1::JournalEntry& entry) {
      ++replayed;
      EXPECT_EQ(entry.SerializeAsString(), make_entry(entry.seq()).SerializeAsString());
    });
    EXPECT_EQ(replayed, journal.last_seq());
    EXPECT_GE(replayed, highest);
    acknowledged_total += acknowledged.size();
    std::printf("[ info     ] round %d: %zu acks, highest acknowledged seq %llu, %llu in file\n",
                round, acknowledged.size(), static_cast<unsigned long long>(highest),
                static_cast<unsigned long long>(replayed));
  }
  EXPECT_GT(acknowledged_total, 0u);
}

}  // namespace
}  // namespace quanyu::engine

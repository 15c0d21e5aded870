// Journal throughput: entries per second committed durably (WAL, synchronous=FULL) with 1, 10 and
// 100 entries per append, each append waiting for its own commit ("wait_each") or many appends in
// flight sharing commits ("group_commit"), and replay speed at restart. Numbers go to
// docs/PERFORMANCE.md; nothing here asserts a timing. The journal lives in the system temp dir,
// so the numbers are those of that disk's fsync. Building the entries is timed too (about 1 µs
// each): pausing the timer would let the writer thread work unmeasured.

#include <benchmark/benchmark.h>

#include <condition_variable>
#include <cstdint>
#include <cstdlib>  // mkdtemp (POSIX)
#include <filesystem>
#include <future>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/core/time.hpp"
#include "engine/journal/journal.hpp"

namespace quanyu::engine {
namespace {

/// A fresh directory under the temp dir, removed with its contents afterwards.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "quanyu-bench-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  std::filesystem::path journal() const { return path_ / "journal.db"; }

 private:
  std::filesystem::path path_;
};

/// A prepared smoke detection as ingest journals it (~200 bytes serialised).
v1::JournalEntry make_entry(std::uint64_t seq) {
  v1::JournalEntry entry;
  entry.set_seq(seq);
  *entry.mutable_at() = to_timestamp(1'795'000'000'000'000 + static_cast<std::int64_t>(seq));
  entry.set_actor("feed-towers");
  auto& observation = *entry.mutable_observation();
  observation.set_id("d-3f1c9a7e5b2d4c6e8f0a1b2c3d4e5f60" + std::to_string(seq));
  observation.set_source("http:tower-api");
  *observation.mutable_observed_at() = entry.at();
  *observation.mutable_received_at() = entry.at();
  auto& smoke = *observation.mutable_smoke_detection();
  smoke.set_tower_id("TWR-500115-0042");
  smoke.set_confidence(0.87);
  smoke.set_azimuth_deg(213.5);
  smoke.set_distance_m(3400);
  smoke.set_snapshot_url("https://towers.example/snap/0042/20261118T021500Z.jpg");
  observation.mutable_location()->set_lon(106.55);
  observation.mutable_location()->set_lat(29.56);
  observation.mutable_district()->set_adcode("500115");
  observation.mutable_district()->set_name("长寿区");
  return entry;
}

std::vector<v1::JournalEntry> make_entries(std::uint64_t first, std::size_t count) {
  std::vector<v1::JournalEntry> entries;
  entries.reserve(count);
  for (std::size_t i = 0; i < count; ++i) entries.push_back(make_entry(first + i));
  return entries;
}

void report(benchmark::State& state, const Journal& journal, std::size_t per_append) {
  const auto stats = journal.stats();
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(per_append));
  state.counters["entries_per_commit"] =
      stats.commits == 0 ? 0.0
                         : static_cast<double>(stats.entries) / static_cast<double>(stats.commits);
  state.counters["commit_us"] = stats.commits == 0 ? 0.0
                                                   : static_cast<double>(stats.commit_us_sum) /
                                                         static_cast<double>(stats.commits);
}

/// Each append waits for its commit: one fsync per append, the worst case of a lone client.
void BM_JournalAppendWaitEach(benchmark::State& state) {
  const auto per_append = static_cast<std::size_t>(state.range(0));
  ScratchDir dir;
  Journal journal({dir.journal()});
  std::uint64_t next = 1;
  for (auto _ : state) {
    auto entries = make_entries(next, per_append);
    next += per_append;
    std::promise<void> committed;
    journal.append(std::move(entries),
                   [&committed](const std::optional<std::string>&) { committed.set_value(); });
    committed.get_future().wait();
  }
  report(state, journal, per_append);
}

/// Many appends in flight (as many concurrent requests produce): they share commits. At most
/// kMaxInFlight entries wait, as a server's request limit would keep it.
void BM_JournalAppendGroupCommit(benchmark::State& state) {
  constexpr std::size_t kMaxInFlight = 8192;
  const auto per_append = static_cast<std::size_t>(state.range(0));
  ScratchDir dir;
  Journal journal({dir.journal()});
  std::mutex mutex;
  std::condition_variable drained;
  std::size_t in_flight = 0;
  std::uint64_t next = 1;
  for (auto _ : state) {
    auto entries = make_entries(next, per_append);
    next += per_append;
    {
      std::unique_lock lock(mutex);
      drained.wait(lock, [&] { return in_flight + per_append <= kMaxInFlight; });
      in_flight += per_append;
    }
    journal.append(std::move(entries), [&, per_append](const std::optional<std::string>&) {
      {
        const std::lock_guard lock(mutex);
        in_flight -= per_append;
      }
      drained.notify_one();
    });
  }
  journal.flush();
  report(state, journal, per_append);
}

/// Restart: every entry read back and parsed (what the engine's replay pays before applying).
void BM_JournalReplay(benchmark::State& state) {
  const auto total = static_cast<std::uint64_t>(state.range(0));
  ScratchDir dir;
  Journal journal({dir.journal()});
  for (std::uint64_t first = 1; first <= total; first += 1000) {
    journal.append(make_entries(first, 1000), nullptr);
  }
  journal.flush();
  for (auto _ : state) {
    std::uint64_t sum = 0;
    journal.replay(0, [&sum](const v1::JournalEntry& entry) { sum += entry.seq(); });
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * total));
}

// Real time: the work happens on the journal's writer thread, not the benchmark's.
BENCHMARK(BM_JournalAppendWaitEach)->Arg(1)->Arg(10)->Arg(100)->UseRealTime();
BENCHMARK(BM_JournalAppendGroupCommit)->Arg(1)->Arg(10)->Arg(100)->UseRealTime();
BENCHMARK(BM_JournalReplay)->Arg(100'000)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace quanyu::engine

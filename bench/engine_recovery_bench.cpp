// Recovery without a snapshot: a journal of N prepared smoke detections (real layers, 2,000
// places, so 2,000 fires whose evidence keeps growing) is opened, read back, parsed and applied
// to a fresh Picture, exactly as EngineService::recover() does after a kill -9 that came before
// the first snapshot. Building the journal is not timed. One iteration per repetition: run with
// --benchmark_repetitions=3 and read the median.
#include <benchmark/benchmark.h>

#include <cstdlib>  // mkdtemp (POSIX)
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/core/picture.hpp"
#include "engine/core/time.hpp"
#include "engine/ingest/prepare.hpp"
#include "engine/journal/journal.hpp"
#include "engine_fixture.hpp"

namespace {

using namespace quanyu;

std::filesystem::path scratch_dir() {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "quanyu-recovery-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  return pattern;
}

void BM_RecoverFromJournal(benchmark::State& state) {
  const auto total = static_cast<long>(state.range(0));
  constexpr long kPlaces = 2000;
  const engine::EngineRules rules;
  const engine::Preparer preparer(test::shipped_layers(), rules);
  // One prepared observation per place (district lookup and CRS work done once), then copies
  // with their own id and time: the journal holds what ingest would have written.
  std::vector<v1::Observation> prototypes;
  for (long p = 0; p < kPlaces; ++p) {
    auto o = test::smoke("proto", "t" + std::to_string(p % 7), 0.6, test::kT0,
                         106.0 + 0.05 * static_cast<double>(p % 50),
                         28.9 + 0.05 * static_cast<double>(p / 50));
    prototypes.push_back(std::move(preparer.prepare(std::move(o), test::kT0)).value());
  }
  const auto dir = scratch_dir();
  {
    engine::Journal journal({dir / "journal.db"});
    std::vector<v1::JournalEntry> batch;
    for (long n = 0; n < total; ++n) {
      const std::int64_t t = test::kT0 + n * 1000;  // 1 ms apart: 1,000 per simulated second
      v1::JournalEntry e;
      e.set_seq(static_cast<std::uint64_t>(n + 1));
      *e.mutable_at() = engine::to_timestamp(t);
      e.set_actor("feed");
      auto& o = *e.mutable_observation() = prototypes[static_cast<std::size_t>(n % kPlaces)];
      o.set_id("r-" + std::to_string(n));
      *o.mutable_observed_at() = engine::to_timestamp(t);
      *o.mutable_received_at() = engine::to_timestamp(t);
      batch.push_back(std::move(e));
      if (batch.size() == 5000) journal.append(std::exchange(batch, {}), nullptr);
    }
    if (!batch.empty()) journal.append(std::move(batch), nullptr);
    journal.flush();
  }
  std::size_t incidents = 0;
  for (auto _ : state) {
    engine::Journal journal({dir / "journal.db"});
    engine::Picture picture(test::shipped_layers(), rules);
    const std::size_t replayed =
        journal.replay(0, [&picture](const v1::JournalEntry& e) { picture.apply(e); });
    if (replayed != static_cast<std::size_t>(total)) state.SkipWithError("entries missing");
    incidents = picture.incidents().size();
  }
  state.counters["incidents"] = static_cast<double>(incidents);
  state.SetItemsProcessed(state.iterations() * total);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}
BENCHMARK(BM_RecoverFromJournal)
    ->Arg(1'000'000)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

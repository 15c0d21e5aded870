// The picture alone, without HTTP or journal: observations applied per second by the single
// writer, and heap bytes per open incident (glibc mallinfo2, so allocator overhead is included).
#include <benchmark/benchmark.h>
#include <malloc.h>

#include "engine/core/picture.hpp"
#include "engine/core/time.hpp"
#include "engine/ingest/prepare.hpp"
#include "engine_fixture.hpp"

namespace {

using namespace quanyu;

/// A prepared smoke detection at one of `places` places (each place becomes one fire).
v1::JournalEntry smoke_entry(const engine::Preparer& preparer, std::uint64_t seq, long n,
                             long places) {
  const std::int64_t t = test::kT0 + n * 1000;  // 1 ms apart
  auto o = test::smoke("b-" + std::to_string(n), "t" + std::to_string(n % 7), 0.6, t,
                       106.0 + 0.05 * static_cast<double>(n % places % 50),
                       28.9 + 0.05 * static_cast<double>(n % places / 50));
  v1::JournalEntry e;
  e.set_seq(seq);
  *e.mutable_at() = engine::to_timestamp(t);
  *e.mutable_observation() = std::move(preparer.prepare(std::move(o), t)).value();
  return e;
}

void BM_ApplySmokeToOpenFires(benchmark::State& state) {
  const engine::EngineRules rules;
  const engine::Preparer preparer(test::shipped_layers(), rules);
  const long places = state.range(0);
  std::vector<v1::JournalEntry> entries;
  for (long n = 0; n < 20'000; ++n) entries.push_back(smoke_entry(preparer, n + 1, n, places));
  for (auto _ : state) {
    engine::Picture picture(test::shipped_layers(), rules);
    for (const auto& e : entries) benchmark::DoNotOptimize(picture.apply(e));
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(entries.size()));
}
BENCHMARK(BM_ApplySmokeToOpenFires)->Arg(100)->Arg(2000)->Unit(benchmark::kMillisecond);

void BM_BytesPerOpenIncident(benchmark::State& state) {
  const engine::EngineRules rules;
  const engine::Preparer preparer(test::shipped_layers(), rules);
  const long incidents = 2000;
  std::vector<v1::JournalEntry> entries;
  for (long n = 0; n < incidents; ++n)
    entries.push_back(smoke_entry(preparer, n + 1, n, incidents));
  double bytes_per_incident = 0;
  for (auto _ : state) {
    const std::size_t before = mallinfo2().uordblks;
    auto picture = std::make_unique<engine::Picture>(test::shipped_layers(), rules);
    for (const auto& e : entries) picture->apply(e);
    const std::size_t after = mallinfo2().uordblks;
    bytes_per_incident = static_cast<double>(after - before) / static_cast<double>(incidents);
    benchmark::DoNotOptimize(picture);
  }
  state.counters["bytes_per_incident"] = bytes_per_incident;
}
BENCHMARK(BM_BytesPerOpenIncident)->Iterations(3)->Unit(benchmark::kMillisecond);

}  // namespace

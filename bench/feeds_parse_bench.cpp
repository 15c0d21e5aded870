// Feed parsers: how many messages per second one core decodes into observations, on the
// published samples the tests use. This is the parsing cost only; storing is the journal's
// (docs/PERFORMANCE.md, durable ingest).
#include <benchmark/benchmark.h>

#include <fstream>
#include <sstream>
#include <string>

#include "server/ingest/camera_push/camera_push.hpp"
#include "server/ingest/cap/alert.hpp"
#include "server/ingest/cap/observations.hpp"
#include "server/ingest/gb28181/manscdp.hpp"
#include "server/ingest/gb28181/sip_message.hpp"
#include "server/ingest/mqtt/codec.hpp"
#include "server/ingest/mqtt/observation_json.hpp"
#include "server/ingest/sl651/decoder.hpp"
#include "server/ingest/sl651/observations.hpp"

namespace {

using namespace quanyu::ingest;

std::string sample(const std::string& path) {
  std::ifstream in(std::string(QUANYU_SOURCE_DIR) + "/tests/ingest/" + path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  if (s.str().empty()) throw std::runtime_error("missing sample " + path);
  return s.str();
}

void BM_Sl651TimedReport(benchmark::State& state) {
  const std::string frame = sample("sl651/samples/published_timed_32.bin");
  sl651::Decoder decoder;
  std::size_t readings = 0;
  for (auto _ : state) {
    for (const auto& event : decoder.feed(frame)) {
      readings += sl651::to_observations(event.report, "WG-0060105001").size();
    }
  }
  benchmark::DoNotOptimize(readings);
  // Each frame must come out as a report with its readings, or the figure would be meaningless.
  state.counters["readings_per_frame"] =
      static_cast<double>(readings) / static_cast<double>(state.iterations());
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * frame.size()));
}
BENCHMARK(BM_Sl651TimedReport);

void BM_Gb28181AlarmMessage(benchmark::State& state) {
  const std::string message = sample("gb28181/samples/alarm_tripwire_coordinates.sip");
  for (auto _ : state) {
    auto m = gb28181::parse_message(message);
    auto body = gb28181::parse_manscdp(m->body);
    benchmark::DoNotOptimize(
        gb28181::to_observation(std::get<gb28181::AlarmNotify>(body->command)));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Gb28181AlarmMessage);

void BM_IsapiMultipartFire(benchmark::State& state) {
  const std::string body = sample("camera_push/samples/isapi_fire_thermal_multipart.bin");
  const std::string type = "multipart/form-data; boundary=boundary";
  for (auto _ : state) {
    auto r = camera_push::parse_isapi(body, type, "50010200001310000001");
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_IsapiMultipartFire);

void BM_CapChineseWarning(benchmark::State& state) {
  const std::string xml = sample("cap/samples/cn_jiangjin_rainstorm.xml");
  for (auto _ : state) {
    auto alert = cap::parse_alert(xml);
    benchmark::DoNotOptimize(cap::to_observations(*alert));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CapChineseWarning);

void BM_MqttPublishJson(benchmark::State& state) {
  const std::string packet = sample("mqtt/samples/publish_qos1.bin");
  for (auto _ : state) {
    auto p = mqtt::decode_packet(packet);
    benchmark::DoNotOptimize(parse_observation_json(p->payload));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MqttPublishJson);

}  // namespace

// The picture: fusion rules, lifecycle, tasks and overdue, idempotency, KPIs, and replay
// determinism (engine/core/picture.cpp).
#include "engine/core/picture.hpp"

#include "engine_fixture.hpp"
#include "gis/geo/geodesic.hpp"
#include "gtest_include.hpp"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/message_differencer.h>

namespace quanyu::engine {
namespace {

using test::camera;
using test::gauge;
using test::kMinute;
using test::kT0;
using test::smoke;

// A forested spot in 涪陵区 and towers of the demo sensor layer.
constexpr double kLon = 107.25;
constexpr double kLat = 29.70;
const std::string kTowerA = "50010200001310000001";
const std::string kTowerB = "50010200001310000002";
const std::string kTowerC = "50010200001310000003";
const std::string kCamera = "50010100001320000001";
const std::string kGauge = "WG-0060105001";  // 长江江津区段1号: warning 207.9 m, guarantee 211.9 m

v1::Command acknowledge(const std::string& incident) {
  v1::Command c;
  c.set_correlation_id("ack-" + incident);
  c.mutable_acknowledge()->set_incident_id(incident);
  return c;
}

v1::Command dispatch(const std::string& incident, const std::string& resource = "") {
  v1::Command c;
  c.set_correlation_id("dispatch-" + incident);
  c.mutable_dispatch()->set_incident_id(incident);
  c.mutable_dispatch()->set_kind(v1::TASK_KIND_VERIFY);
  c.mutable_dispatch()->set_resource_id(resource);
  return c;
}

v1::Command task_state(const std::string& task, v1::TaskState state) {
  v1::Command c;
  c.mutable_update_task()->set_task_id(task);
  c.mutable_update_task()->set_state(state);
  return c;
}

class PictureTest : public testing::Test {
 protected:
  PictureTest() : picture_(test::shipped_layers(), rules_), feed_(picture_, rules_) {}

  const v1::Incident& only_incident() const {
    EXPECT_EQ(picture_.incidents().size(), 1U);
    return picture_.incidents().begin()->second;
  }

  EngineRules rules_;
  Picture picture_;
  test::Feeder feed_;
};

TEST_F(PictureTest, SmokeFromTwoTowersFusesIntoOneFire) {
  feed_.observe(smoke("a1", kTowerA, 0.7, kT0, kLon, kLat), kT0);
  const auto changes = feed_.observe(
      smoke("b1", kTowerB, 0.6, kT0 + 5 * kMinute, kLon + 0.005, kLat), kT0 + 5 * kMinute);
  ASSERT_EQ(changes.incidents.size(), 1U);
  const v1::Incident& fire = only_incident();
  EXPECT_EQ(fire.kind(), v1::INCIDENT_KIND_FIRE);
  EXPECT_EQ(fire.status(), v1::INCIDENT_STATUS_NEW);
  EXPECT_EQ(fire.evidence_size(), 2);
  EXPECT_NEAR(fire.confidence(), 1 - 0.3 * 0.4, 1e-12);  // noisy-OR of independent sources
  EXPECT_EQ(fire.severity(), v1::SEVERITY_ORANGE);       // 2 sources, 0.88
  // Weighted centre: 0.7 at kLon, 0.6 at kLon + 0.005.
  EXPECT_NEAR(fire.position().lon(), kLon + 0.005 * 0.6 / 1.3, 1e-9);
  EXPECT_EQ(fire.district().name(), "涪陵区");
  EXPECT_EQ(to_micros(fire.first_seen()), kT0);
  EXPECT_EQ(to_micros(fire.last_seen()), kT0 + 5 * kMinute);
  EXPECT_EQ(fire.nearby_size(), 5);
  EXPECT_EQ(fire.version(), 2U);
}

TEST_F(PictureTest, OneSourceCountsOnceAtItsBest) {
  feed_.observe(smoke("a1", kTowerA, 0.5, kT0, kLon, kLat), kT0);
  feed_.observe(smoke("a2", kTowerA, 0.55, kT0 + kMinute, kLon, kLat), kT0 + kMinute);
  const auto& fire = only_incident();
  EXPECT_NEAR(fire.confidence(), 0.55, 1e-12);
  EXPECT_EQ(fire.severity(), v1::SEVERITY_BLUE);
}

TEST_F(PictureTest, FarOrLateSmokeIsAnotherFire) {
  feed_.observe(smoke("a1", kTowerA, 0.7, kT0, kLon, kLat), kT0);
  // 5 km east: beyond the 2 km radius.
  feed_.observe(smoke("b1", kTowerB, 0.7, kT0, kLon + 0.052, kLat), kT0);
  // Same place, 31 minutes after the first incident was last seen: beyond the window.
  feed_.observe(smoke("c1", kTowerC, 0.7, kT0 + 31 * kMinute, kLon, kLat), kT0 + 31 * kMinute);
  EXPECT_EQ(picture_.incidents().size(), 3U);
}

TEST_F(PictureTest, ADuplicateObservationIsAppliedOnce) {
  feed_.observe(smoke("a1", kTowerA, 0.7, kT0, kLon, kLat), kT0);
  EXPECT_TRUE(picture_.seen("a1"));
  const auto again = feed_.observe(smoke("a1", kTowerA, 0.7, kT0, kLon, kLat), kT0 + kMinute);
  EXPECT_TRUE(again.incidents.empty());
  EXPECT_EQ(only_incident().evidence_size(), 1);
}

TEST_F(PictureTest, CameraFireAlarmJoinsTheFire) {
  feed_.observe(smoke("a1", kTowerA, 0.7, kT0, kLon, kLat), kT0);
  auto alarm = camera("cam1", "cam-x", v1::CameraAlarm::TYPE_FIRE, 1, kT0 + kMinute);
  alarm.mutable_position()->set_x(kLon + 0.001);
  alarm.mutable_position()->set_y(kLat);
  alarm.mutable_camera_alarm()->set_confidence(0.9);
  feed_.observe(alarm, kT0 + kMinute);
  const auto& fire = only_incident();
  EXPECT_EQ(fire.evidence_size(), 2);
  EXPECT_TRUE(fire.evidence(1).flame());
  EXPECT_EQ(fire.severity(), v1::SEVERITY_RED);  // flame, 2 sources, 0.97
}

TEST_F(PictureTest, FloodFollowsTheGaugeAndResolvesBelowWarning) {
  std::int64_t t = kT0;
  feed_.observe(gauge("g0", kGauge, 207.0, t), t);
  EXPECT_TRUE(picture_.incidents().empty());
  EXPECT_EQ(picture_.kpis({}).gauges_above_warning(), 0U);
  // Rising 0.6 m per 30 minutes (1.2 m/h) through warning 207.9 to over guarantee 211.9.
  double level = 207.0;
  for (int i = 1; i <= 10; ++i) {
    t += 30 * kMinute;
    level += 0.6;
    feed_.observe(gauge("g" + std::to_string(i), kGauge, level, t), t);
  }
  const v1::Incident& flood = only_incident();
  EXPECT_EQ(flood.kind(), v1::INCIDENT_KIND_FLOOD);
  EXPECT_EQ(flood.device_id(), kGauge);
  EXPECT_EQ(flood.severity(), v1::SEVERITY_RED);
  EXPECT_NEAR(flood.peak_level_m(), 213.0, 1e-9);
  EXPECT_NEAR(flood.rise_rate_m_per_h(), 1.2, 1e-9);
  EXPECT_EQ(picture_.kpis({}).gauges_above_warning(), 1U);
  EXPECT_EQ(picture_.kpis({"500116"}).gauges_above_warning(), 1U);
  EXPECT_EQ(picture_.kpis({"500103"}).gauges_above_warning(), 0U);

  // Falling: two readings below warning keep it open, the third resolves it.
  for (int i = 0; i < 3; ++i) {
    t += 30 * kMinute;
    feed_.observe(gauge("down" + std::to_string(i), kGauge, 207.0, t), t);
    EXPECT_EQ(only_incident().status(),
              i < 2 ? v1::INCIDENT_STATUS_NEW : v1::INCIDENT_STATUS_RESOLVED);
  }
  EXPECT_EQ(only_incident().severity(), v1::SEVERITY_RED);  // never lowered automatically
  // A new rise opens a new incident.
  t += 30 * kMinute;
  feed_.observe(gauge("again", kGauge, 208.5, t), t);
  EXPECT_EQ(picture_.incidents().size(), 2U);
}

TEST_F(PictureTest, SecurityAlarmsDeduplicatePerCamera) {
  feed_.observe(camera("c1", kCamera, v1::CameraAlarm::TYPE_INTRUSION, 2, kT0), kT0);
  feed_.observe(camera("c2", kCamera, v1::CameraAlarm::TYPE_INTRUSION, 2, kT0 + 2 * kMinute),
                kT0 + 2 * kMinute);
  const v1::Incident& first = only_incident();
  EXPECT_EQ(first.kind(), v1::INCIDENT_KIND_SECURITY);
  EXPECT_EQ(first.evidence_size(), 2);
  EXPECT_EQ(first.severity(), v1::SEVERITY_YELLOW);
  EXPECT_EQ(first.district().name(), "万州区");
  feed_.observe(camera("c3", kCamera, v1::CameraAlarm::TYPE_LOITERING, 4, kT0 + 4 * kMinute),
                kT0 + 4 * kMinute);
  EXPECT_EQ(only_incident().severity(), v1::SEVERITY_ORANGE);  // third alarm escalates
  // Ten minutes of quiet: the next alarm is a new incident.
  feed_.observe(camera("c4", kCamera, v1::CameraAlarm::TYPE_INTRUSION, 3, kT0 + 15 * kMinute),
                kT0 + 15 * kMinute);
  EXPECT_EQ(picture_.incidents().size(), 2U);
}

TEST_F(PictureTest, LifecycleWithOneClickVerifyDispatch) {
  feed_.observe(smoke("a1", kTowerA, 0.7, kT0, kLon, kLat), kT0);
  const std::string id = only_incident().id();

  auto ack = feed_.command(acknowledge(id), kT0 + 2 * kMinute);
  ASSERT_TRUE(ack.result && ack.result->ok()) << ack.result->error_message();
  EXPECT_EQ(only_incident().status(), v1::INCIDENT_STATUS_ACKNOWLEDGED);
  const auto& history = only_incident().history();
  EXPECT_EQ(history[history.size() - 1].by(), "duty-1");
  EXPECT_EQ(to_micros(history[history.size() - 1].at()), kT0 + 2 * kMinute);

  // 一键派发核查任务: the nearest available rescue team.
  auto sent = feed_.command(dispatch(id), kT0 + 3 * kMinute);
  ASSERT_TRUE(sent.result && sent.result->ok()) << sent.result->error_message();
  const v1::Task& task = *picture_.task(sent.result->task_id());
  EXPECT_EQ(task.state(), v1::TASK_STATE_DISPATCHED);
  EXPECT_EQ(to_micros(task.due_at()), kT0 + 33 * kMinute);  // verify: 30 minutes
  EXPECT_EQ(only_incident().status(), v1::INCIDENT_STATUS_DISPATCHED);
  // It is the nearest rescue team to the fire.
  const auto& sites = test::shipped_layers().resources().sites();
  double best = 1e18;
  std::string nearest;
  for (const auto& s : sites) {
    if (s.kind != "rescue_team") continue;
    const double d = gis::geodesic_distance_m(
        s.position, {only_incident().position().lon(), only_incident().position().lat()});
    if (d < best) {
      best = d;
      nearest = s.id;
    }
  }
  EXPECT_EQ(task.resource_id(), nearest);
  // A second one-click dispatch picks another team: the first is busy.
  auto second = feed_.command(dispatch(id), kT0 + 4 * kMinute);
  ASSERT_TRUE(second.result->ok());
  EXPECT_NE(picture_.task(second.result->task_id())->resource_id(), nearest);

  for (const auto state : {v1::TASK_STATE_ACCEPTED, v1::TASK_STATE_EN_ROUTE,
                           v1::TASK_STATE_ON_SCENE, v1::TASK_STATE_DONE}) {
    auto r = feed_.command(task_state(task.id(), state), kT0 + 10 * kMinute);
    ASSERT_TRUE(r.result->ok()) << r.result->error_message();
  }
  EXPECT_NEAR(picture_.kpis({}).mean_time_to_verify_s(), 600.0, 1e-9);
  EXPECT_NEAR(picture_.kpis({}).mean_time_to_acknowledge_s(), 120.0, 1e-9);

  v1::Command close;
  close.mutable_close()->set_incident_id(id);
  auto closed = feed_.command(close, kT0 + 20 * kMinute);
  ASSERT_TRUE(closed.result->ok());
  EXPECT_EQ(only_incident().status(), v1::INCIDENT_STATUS_CLOSED);
  // Closing cancelled the second task, still open.
  EXPECT_EQ(picture_.task(second.result->task_id())->state(), v1::TASK_STATE_CANCELLED);
  EXPECT_EQ(picture_.kpis({}).open_tasks(), 0U);
}

TEST_F(PictureTest, RefusedCommandsSayWhy) {
  feed_.observe(smoke("a1", kTowerA, 0.7, kT0, kLon, kLat), kT0);
  const std::string id = only_incident().id();
  auto expect_refused = [&](v1::Command c, const std::string& code) {
    const auto r = feed_.command(std::move(c), kT0 + kMinute);
    ASSERT_TRUE(r.result.has_value());
    EXPECT_FALSE(r.result->ok());
    EXPECT_EQ(r.result->error_code(), code) << r.result->error_message();
    EXPECT_FALSE(r.result->error_message().empty());
  };
  expect_refused(acknowledge("INC-999999"), "unknown_incident");
  v1::Command close;
  close.mutable_close()->set_incident_id(id);
  expect_refused(close, "invalid_transition");  // new: acknowledge it first
  expect_refused(dispatch(id, "NOPE"), "unknown_resource");
  expect_refused(dispatch(id, "SD-500102-01"), "invalid_command");  // a depot, not a team
  expect_refused(task_state("TASK-000099", v1::TASK_STATE_DONE), "unknown_task");
  v1::Command empty;
  expect_refused(empty, "invalid_command");
  feed_.command(acknowledge(id), kT0 + kMinute);
  expect_refused(acknowledge(id), "invalid_transition");
  auto sent = feed_.command(dispatch(id), kT0 + kMinute);
  feed_.command(task_state(sent.result->task_id(), v1::TASK_STATE_ON_SCENE), kT0 + kMinute);
  expect_refused(task_state(sent.result->task_id(), v1::TASK_STATE_ACCEPTED), "invalid_transition");
  // Nothing refused left a trace.
  EXPECT_EQ(picture_.tasks().size(), 1U);
}

TEST_F(PictureTest, FalseAlarmCancelsTasksAndStopsFusion) {
  feed_.observe(smoke("a1", kTowerA, 0.4, kT0, kLon, kLat), kT0);
  const std::string id = only_incident().id();
  auto sent = feed_.command(dispatch(id), kT0 + kMinute);
  v1::Command fa;
  fa.mutable_false_alarm()->set_incident_id(id);
  fa.mutable_false_alarm()->set_note("扬尘");
  ASSERT_TRUE(feed_.command(fa, kT0 + 2 * kMinute).result->ok());
  EXPECT_EQ(picture_.task(sent.result->task_id())->state(), v1::TASK_STATE_CANCELLED);
  // New smoke at the same place opens a new incident rather than reviving the false alarm.
  feed_.observe(smoke("a2", kTowerA, 0.4, kT0 + 3 * kMinute, kLon, kLat), kT0 + 3 * kMinute);
  EXPECT_EQ(picture_.incidents().size(), 2U);
}

TEST_F(PictureTest, SeverityEscalatesAutomaticallyButOnlyOperatorsLowerIt) {
  feed_.observe(smoke("a1", kTowerA, 0.7, kT0, kLon, kLat), kT0);
  feed_.observe(smoke("b1", kTowerB, 0.7, kT0, kLon, kLat), kT0);
  const std::string id = only_incident().id();
  EXPECT_EQ(only_incident().severity(), v1::SEVERITY_ORANGE);
  v1::Command lower;
  lower.mutable_set_severity()->set_incident_id(id);
  lower.mutable_set_severity()->set_severity(v1::SEVERITY_BLUE);
  ASSERT_TRUE(feed_.command(lower, kT0 + kMinute).result->ok());
  EXPECT_EQ(only_incident().severity(), v1::SEVERITY_BLUE);
  // More evidence re-applies the rules: they call for orange again, so it rises.
  feed_.observe(smoke("a2", kTowerA, 0.75, kT0 + 2 * kMinute, kLon, kLat), kT0 + 2 * kMinute);
  EXPECT_EQ(only_incident().severity(), v1::SEVERITY_ORANGE);
  // A weaker reading never lowers it.
  feed_.observe(smoke("c1", kTowerC, 0.1, kT0 + 3 * kMinute, kLon, kLat), kT0 + 3 * kMinute);
  EXPECT_GE(only_incident().severity(), v1::SEVERITY_ORANGE);
}

TEST_F(PictureTest, OverdueTasksAreMarkedByJournaledTicks) {
  feed_.observe(smoke("a1", kTowerA, 0.7, kT0, kLon, kLat), kT0);
  auto sent = feed_.command(dispatch(only_incident().id()), kT0);
  const std::string task = sent.result->task_id();
  ASSERT_TRUE(picture_.next_deadline_us().has_value());
  EXPECT_EQ(*picture_.next_deadline_us(), kT0 + 30 * kMinute);
  EXPECT_TRUE(feed_.tick(kT0 + 29 * kMinute).tasks.empty());
  EXPECT_FALSE(picture_.task(task)->overdue());
  const auto changes = feed_.tick(kT0 + 30 * kMinute);
  EXPECT_EQ(changes.tasks, std::vector<std::string>{task});
  EXPECT_TRUE(picture_.task(task)->overdue());
  EXPECT_EQ(picture_.kpis({}).overdue_tasks(), 1U);
  EXPECT_FALSE(picture_.next_deadline_us().has_value());
}

TEST_F(PictureTest, FinishedIncidentsLeaveAfterRetention) {
  feed_.observe(smoke("a1", kTowerA, 0.7, kT0, kLon, kLat), kT0);
  const std::string id = only_incident().id();
  v1::Command fa;
  fa.mutable_false_alarm()->set_incident_id(id);
  feed_.command(fa, kT0 + kMinute);
  EXPECT_TRUE(feed_.tick(kT0 + 23 * 60 * kMinute).removed_incidents.empty());
  const auto changes = feed_.tick(kT0 + 25 * 60 * kMinute);
  EXPECT_EQ(changes.removed_incidents, std::vector<std::string>{id});
  EXPECT_TRUE(picture_.incidents().empty());
  EXPECT_FALSE(picture_.seen("a1"));  // its time left the acceptance window too
}

TEST_F(PictureTest, KpisCountOpenIncidentsByKindSeverityAndDistrict) {
  feed_.observe(smoke("a1", kTowerA, 0.7, kT0, kLon, kLat), kT0);
  feed_.observe(camera("c1", kCamera, v1::CameraAlarm::TYPE_INTRUSION, 1, kT0), kT0);
  const auto all = picture_.kpis({});
  ASSERT_EQ(all.open_incidents_size(), 2);
  EXPECT_EQ(all.open_incidents(0).kind(), v1::INCIDENT_KIND_FIRE);
  EXPECT_EQ(all.open_incidents(0).adcode(), "500102");
  EXPECT_EQ(all.open_incidents(0).count(), 1U);
  EXPECT_EQ(all.open_incidents(1).kind(), v1::INCIDENT_KIND_SECURITY);
  EXPECT_EQ(all.open_incidents(1).severity(), v1::SEVERITY_ORANGE);
  const auto wanzhou = picture_.kpis({"500101"});
  ASSERT_EQ(wanzhou.open_incidents_size(), 1);
  EXPECT_EQ(wanzhou.open_incidents(0).kind(), v1::INCIDENT_KIND_SECURITY);
  EXPECT_EQ(to_micros(all.as_of()), kT0);
}

/// A mixed hour of activity, for the determinism tests.
void busy_hour(test::Feeder& feed) {
  std::int64_t t = kT0;
  for (int i = 0; i < 60; ++i) {
    t += kMinute;
    feed.observe(smoke("s" + std::to_string(i), i % 2 ? kTowerA : kTowerB, 0.3 + 0.01 * i, t,
                       kLon + 0.01 * (i % 7), kLat + 0.004 * (i % 5)),
                 t);
    feed.observe(gauge("g" + std::to_string(i), kGauge, 207.0 + 0.05 * i, t), t);
    if (i % 10 == 0) {
      feed.observe(
          camera("c" + std::to_string(i), kCamera, v1::CameraAlarm::TYPE_INTRUSION, 1 + i % 4, t),
          t);
    }
    if (i == 20) feed.command(acknowledge("INC-000001"), t);
    if (i == 25) feed.command(dispatch("INC-000001"), t);
    if (i % 15 == 0) feed.tick(t);
  }
  feed.tick(t + 60 * kMinute);
}

/// The incident figures of the KPIs computed the slow way, by walking every incident: what the
/// sums kept up to date from each change must always equal.
v1::Kpis walked_kpis(const Picture& picture, const std::set<std::string>& districts) {
  v1::Kpis k;
  std::map<std::tuple<int, int, std::string>, std::uint32_t> open;
  std::int64_t ack_us = 0;
  std::int64_t verify_us = 0;
  std::uint32_t acks = 0;
  std::uint32_t verifies = 0;
  for (const auto& [id, i] : picture.incidents()) {
    if (!districts.empty() && districts.count(i.district().adcode()) == 0) continue;
    const auto status = i.status();
    if (status == v1::INCIDENT_STATUS_NEW || status == v1::INCIDENT_STATUS_ACKNOWLEDGED ||
        status == v1::INCIDENT_STATUS_DISPATCHED) {
      ++open[{i.kind(), i.severity(), i.district().adcode()}];
    }
    for (const auto& t : i.history()) {
      if (t.to() == "acknowledged") {
        ack_us += to_micros(t.at()) - to_micros(i.first_seen());
        ++acks;
        break;
      }
    }
    for (const auto& task_id : i.task_ids()) {
      const v1::Task* task = picture.task(task_id);
      if (task == nullptr || task->kind() != v1::TASK_KIND_VERIFY ||
          task->state() != v1::TASK_STATE_DONE) {
        continue;
      }
      verify_us +=
          to_micros(task->history(task->history_size() - 1).at()) - to_micros(i.first_seen());
      ++verifies;
      break;
    }
  }
  for (const auto& [key, count] : open) {
    auto* c = k.add_open_incidents();
    c->set_kind(static_cast<v1::IncidentKind>(std::get<0>(key)));
    c->set_severity(static_cast<v1::Severity>(std::get<1>(key)));
    c->set_adcode(std::get<2>(key));
    c->set_count(count);
  }
  k.set_mean_time_to_acknowledge_s(acks ? static_cast<double>(ack_us) / 1e6 / acks : 0.0);
  k.set_mean_time_to_verify_s(verifies ? static_cast<double>(verify_us) / 1e6 / verifies : 0.0);
  return k;
}

void expect_kpis_match_a_walk(const Picture& picture, const std::string& when) {
  for (const std::set<std::string>& districts :
       {std::set<std::string>{}, std::set<std::string>{"500102"},
        std::set<std::string>{"500101", "500116"}}) {
    const v1::Kpis kept = picture.kpis(districts);
    const v1::Kpis walked = walked_kpis(picture, districts);
    ASSERT_EQ(kept.open_incidents_size(), walked.open_incidents_size()) << when;
    for (int i = 0; i < kept.open_incidents_size(); ++i) {
      EXPECT_EQ(kept.open_incidents(i).SerializeAsString(),
                walked.open_incidents(i).SerializeAsString())
          << when << ", entry " << i;
    }
    EXPECT_NEAR(kept.mean_time_to_acknowledge_s(), walked.mean_time_to_acknowledge_s(), 1e-6)
        << when;
    EXPECT_NEAR(kept.mean_time_to_verify_s(), walked.mean_time_to_verify_s(), 1e-6) << when;
  }
}

TEST_F(PictureTest, KpisKeptFromEachChangeEqualAWalkOverEveryIncident) {
  busy_hour(feed_);
  expect_kpis_match_a_walk(picture_, "after the busy hour");
  // A verify task done, a severity change, a close, a false alarm, then retention.
  const std::int64_t t = kT0 + 3 * 60 * kMinute;
  feed_.observe(smoke("late", kTowerA, 0.8, t, kLon, kLat), t);
  std::string fire;
  for (const auto& [id, i] : picture_.incidents()) {
    if (i.kind() == v1::INCIDENT_KIND_FIRE && i.status() == v1::INCIDENT_STATUS_NEW) fire = id;
  }
  ASSERT_FALSE(fire.empty());
  feed_.command(acknowledge(fire), t + kMinute);
  const auto sent = feed_.command(dispatch(fire), t + 2 * kMinute);
  ASSERT_TRUE(sent.result->ok()) << sent.result->error_message();
  for (const auto state : {v1::TASK_STATE_ACCEPTED, v1::TASK_STATE_EN_ROUTE,
                           v1::TASK_STATE_ON_SCENE, v1::TASK_STATE_DONE}) {
    ASSERT_TRUE(
        feed_.command(task_state(sent.result->task_id(), state), t + 9 * kMinute).result->ok());
  }
  expect_kpis_match_a_walk(picture_, "after a verify task was done");
  EXPECT_GT(picture_.kpis({}).mean_time_to_verify_s(), 0.0);
  v1::Command close;
  close.mutable_close()->set_incident_id(fire);
  ASSERT_TRUE(feed_.command(close, t + 10 * kMinute).result->ok());
  expect_kpis_match_a_walk(picture_, "after a close");
  feed_.tick(t + 30 * 60 * kMinute);  // past retention: finished incidents leave
  expect_kpis_match_a_walk(picture_, "after retention");

  // A picture restored from a snapshot, and one replayed, keep the same sums.
  Picture restored(test::shipped_layers(), rules_);
  restored.restore(picture_.state());
  expect_kpis_match_a_walk(restored, "restored");
  EXPECT_EQ(restored.kpis({}).SerializeAsString(), picture_.kpis({}).SerializeAsString());
}

TEST_F(PictureTest, ReplayingTheJournalGivesTheSamePictureByteForByte) {
  busy_hour(feed_);
  const std::string original = picture_.state().SerializeAsString();
  ASSERT_GT(picture_.incidents().size(), 3U);

  for (int round = 0; round < 2; ++round) {
    Picture replayed(test::shipped_layers(), rules_);
    for (const auto& entry : feed_.journal()) replayed.apply(entry);
    EXPECT_EQ(replayed.state().SerializeAsString(), original) << "round " << round;
  }
}

TEST_F(PictureTest, SnapshotPlusTailEqualsFullReplay) {
  busy_hour(feed_);
  const std::string original = picture_.state().SerializeAsString();
  const auto& journal = feed_.journal();
  const std::size_t cut = journal.size() / 2;

  Picture first_half(test::shipped_layers(), rules_);
  for (std::size_t i = 0; i < cut; ++i) first_half.apply(journal[i]);
  const v1::EngineState snapshot = first_half.state();

  Picture restored(test::shipped_layers(), rules_);
  restored.restore(snapshot);
  // Entries already in the snapshot are skipped; the rest are applied.
  for (const auto& entry : journal) restored.apply(entry);
  EXPECT_EQ(restored.state().SerializeAsString(), original);
}

}  // namespace
}  // namespace quanyu::engine

namespace quanyu::engine {
namespace {

TEST_F(PictureTest, GaugeScreensCarryLevelThresholdsRiseAndAThinnedHour) {
  // Readings every minute for 70 minutes, rising 0.01 m a minute from 207.0 m.
  std::int64_t t = kT0;
  engine::Changes last;
  for (int i = 0; i <= 70; ++i) {
    last = feed_.observe(gauge("m" + std::to_string(i), kGauge, 207.0 + 0.01 * i, t), t);
    t += kMinute;
  }
  EXPECT_EQ(last.gauge_ids, std::vector<std::string>{kGauge});
  const v1::GaugeState* state = picture_.gauge(kGauge);
  ASSERT_NE(state, nullptr);
  EXPECT_EQ(picture_.gauge("WG-unknown"), nullptr);
  v1::Gauge screen;
  picture_.copy_gauge(*state, screen);
  EXPECT_EQ(screen.gauge_id(), kGauge);
  EXPECT_EQ(screen.name(), "长江江津区段1号水位站（演示）");
  EXPECT_EQ(screen.district().adcode(), "500116");
  EXPECT_NEAR(screen.level_m(), 207.70, 1e-9);
  EXPECT_NEAR(screen.warning_level_m(), 207.9, 1e-9);
  EXPECT_NEAR(screen.guarantee_level_m(), 211.9, 1e-9);
  EXPECT_NEAR(screen.rise_rate_m_per_h(), 0.6, 1e-9);  // 0.6 m over the last hour
  EXPECT_TRUE(screen.open_incident_id().empty());      // still below warning
  EXPECT_EQ(to_micros(screen.at()), t - kMinute);
  // One reading per 5-minute slot back from the newest: 13 over an hour, oldest first, newest
  // last.
  ASSERT_EQ(screen.recent_size(), 13);
  EXPECT_NEAR(screen.recent(12).level_m(), 207.70, 1e-9);
  EXPECT_NEAR(screen.recent(11).level_m(), 207.65, 1e-9);
  EXPECT_NEAR(screen.recent(0).level_m(), 207.10, 1e-9);
  for (int i = 1; i < screen.recent_size(); ++i) {
    EXPECT_LT(to_micros(screen.recent(i - 1).at()), to_micros(screen.recent(i).at()));
  }
  // Crossing warning opens the incident the gauge then names.
  feed_.observe(gauge("over", kGauge, 208.0, t), t);
  picture_.copy_gauge(*picture_.gauge(kGauge), screen);
  EXPECT_EQ(screen.open_incident_id(), only_incident().id());
}

TEST_F(PictureTest, ScreensGetTheLatestEvidenceAndTheCount) {
  for (int i = 0; i < 30; ++i) {
    feed_.observe(smoke("e" + std::to_string(i), kTowerA, 0.5, kT0 + i * kMinute / 2, kLon, kLat),
                  kT0 + i * kMinute / 2);
  }
  const v1::Incident& fire = only_incident();
  EXPECT_EQ(fire.evidence_count(), 30U);
  EXPECT_EQ(fire.evidence_size(), 30);
  v1::Incident screen;
  copy_for_screen(fire, screen);
  EXPECT_EQ(screen.evidence_size(), 10);
  EXPECT_EQ(screen.evidence(9).observation_id(), "e29");
  EXPECT_EQ(screen.evidence(0).observation_id(), "e20");
  EXPECT_EQ(screen.evidence_count(), 30U);
}

/// Sets every field of `message` (recursively, one element in each repeated field) to a value
/// other than its default, so that a copy that forgets a field is caught.
void fill_every_field(google::protobuf::Message& message, int depth = 0) {
  using google::protobuf::FieldDescriptor;
  const auto* descriptor = message.GetDescriptor();
  const auto* reflection = message.GetReflection();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const FieldDescriptor* field = descriptor->field(i);
    const bool repeated = field->is_repeated();
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING:
        repeated ? reflection->AddString(&message, field, "s" + std::to_string(i))
                 : reflection->SetString(&message, field, "s" + std::to_string(i));
        break;
      case FieldDescriptor::CPPTYPE_DOUBLE:
        repeated ? reflection->AddDouble(&message, field, 1.5 + i)
                 : reflection->SetDouble(&message, field, 1.5 + i);
        break;
      case FieldDescriptor::CPPTYPE_INT32:
        repeated ? reflection->AddInt32(&message, field, 3 + i)
                 : reflection->SetInt32(&message, field, 3 + i);
        break;
      case FieldDescriptor::CPPTYPE_INT64:
        repeated ? reflection->AddInt64(&message, field, 5 + i)
                 : reflection->SetInt64(&message, field, 5 + i);
        break;
      case FieldDescriptor::CPPTYPE_UINT32:
        repeated ? reflection->AddUInt32(&message, field, 7 + i)
                 : reflection->SetUInt32(&message, field, 7 + i);
        break;
      case FieldDescriptor::CPPTYPE_UINT64:
        repeated ? reflection->AddUInt64(&message, field, 9 + i)
                 : reflection->SetUInt64(&message, field, 9 + i);
        break;
      case FieldDescriptor::CPPTYPE_BOOL:
        repeated ? reflection->AddBool(&message, field, true)
                 : reflection->SetBool(&message, field, true);
        break;
      case FieldDescriptor::CPPTYPE_ENUM: {
        const auto* value = field->enum_type()->value(field->enum_type()->value_count() - 1);
        repeated ? reflection->AddEnum(&message, field, value)
                 : reflection->SetEnum(&message, field, value);
        break;
      }
      case FieldDescriptor::CPPTYPE_MESSAGE:
        if (depth < 3) {
          fill_every_field(repeated ? *reflection->AddMessage(&message, field)
                                    : *reflection->MutableMessage(&message, field),
                           depth + 1);
        }
        break;
      default:
        ADD_FAILURE() << "unhandled field type of " << field->full_name();
    }
  }
}

TEST(ScreenCopies, KeepEveryFieldTheyPromise) {
  v1::Incident full;
  fill_every_field(full);
  for (int i = 0; i < 14; ++i) *full.add_evidence() = full.evidence(0);
  full.mutable_evidence(14)->set_observation_id("latest");

  v1::Incident screen;
  copy_for_screen(full, screen);
  v1::Incident expected = full;
  expected.mutable_evidence()->DeleteSubrange(0, 5);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(screen, expected))
      << screen.DebugString();

  v1::Incident summary;
  copy_summary(full, summary);
  expected = full;
  expected.clear_nearby();
  expected.clear_history();
  expected.mutable_evidence()->DeleteSubrange(0, 14);
  expected.mutable_evidence(0)->clear_position();
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(summary, expected))
      << summary.DebugString();
  EXPECT_EQ(summary.evidence(0).observation_id(), "latest");
  EXPECT_LT(summary.ByteSizeLong(), screen.ByteSizeLong() / 4);
}

}  // namespace
}  // namespace quanyu::engine

namespace quanyu::engine {
namespace {

constexpr double kJiangjinLon = 106.26;
constexpr double kJiangjinLat = 29.29;

TEST_F(PictureTest, PublishedWarningOpensOneIncidentForAllItsInfoBlocks) {
  using W = v1::PublishedWarning;
  feed_.observe(test::warning("W-1", W::MSG_TYPE_ALERT, v1::SEVERITY_ORANGE, test::kT0,
                              kJiangjinLon, kJiangjinLat),
                test::kT0);
  auto english = test::warning("W-1", W::MSG_TYPE_ALERT, v1::SEVERITY_ORANGE, test::kT0,
                               kJiangjinLon, kJiangjinLat, "en-US");
  english.mutable_published_warning()->set_headline("Rainstorm warning");
  feed_.observe(english, test::kT0);
  const v1::Incident& incident = only_incident();
  EXPECT_EQ(incident.kind(), v1::INCIDENT_KIND_WARNING);
  EXPECT_EQ(incident.severity(), v1::SEVERITY_ORANGE);
  EXPECT_EQ(incident.title(), "江津区气象台发布暴雨预警");  // the Chinese block names it
  EXPECT_EQ(incident.district().name(), "江津区");
  EXPECT_EQ(incident.evidence_count(), 2U);
  EXPECT_EQ(incident.device_id(), "W-1");
  EXPECT_FALSE(incident.nearby().empty());
}

TEST_F(PictureTest, WarningUpdatesMayLowerTheColourAndCancelResolves) {
  using W = v1::PublishedWarning;
  feed_.observe(test::warning("W-1", W::MSG_TYPE_ALERT, v1::SEVERITY_RED, test::kT0, kJiangjinLon,
                              kJiangjinLat),
                test::kT0);
  auto update = test::warning("W-2", W::MSG_TYPE_UPDATE, v1::SEVERITY_YELLOW,
                              test::kT0 + 30 * test::kMinute, kJiangjinLon, kJiangjinLat);
  update.mutable_published_warning()->add_references("W-1");
  feed_.observe(update, test::kT0 + 30 * test::kMinute);
  EXPECT_EQ(only_incident().severity(), v1::SEVERITY_YELLOW);
  EXPECT_EQ(only_incident().history(only_incident().history_size() - 1).note(),
            "发布单位调整预警级别");

  // The Cancel refers to the update; it resolves the same incident.
  auto cancel = test::warning("W-3", W::MSG_TYPE_CANCEL, v1::SEVERITY_YELLOW,
                              test::kT0 + 60 * test::kMinute, kJiangjinLon, kJiangjinLat);
  cancel.mutable_published_warning()->add_references("W-2");
  feed_.observe(cancel, test::kT0 + 60 * test::kMinute);
  EXPECT_EQ(only_incident().status(), v1::INCIDENT_STATUS_RESOLVED);
  EXPECT_EQ(only_incident().evidence_count(), 3U);

  // A Cancel of an unknown warning changes nothing.
  auto stray = test::warning("W-9", W::MSG_TYPE_CANCEL, v1::SEVERITY_YELLOW,
                             test::kT0 + 61 * test::kMinute, kJiangjinLon, kJiangjinLat);
  stray.mutable_published_warning()->add_references("W-404");
  EXPECT_TRUE(feed_.observe(stray, test::kT0 + 61 * test::kMinute).incidents.empty());
  EXPECT_EQ(picture_.incidents().size(), 1U);
}

TEST_F(PictureTest, WarningsResolveAtTheirExpiryAndSurviveSnapshots) {
  using W = v1::PublishedWarning;
  auto alert = test::warning("W-1", W::MSG_TYPE_ALERT, v1::SEVERITY_BLUE, test::kT0, kJiangjinLon,
                             kJiangjinLat);
  *alert.mutable_published_warning()->mutable_expires() =
      to_timestamp(test::kT0 + 60 * test::kMinute);
  feed_.observe(alert, test::kT0);
  EXPECT_EQ(picture_.next_deadline_us(), test::kT0 + 60 * test::kMinute);

  // A restored picture still knows the warning by its identifier.
  Picture restored(test::shipped_layers(), rules_);
  restored.restore(picture_.state());
  EXPECT_EQ(restored.state().SerializeAsString(), picture_.state().SerializeAsString());
  ASSERT_EQ(restored.state().warnings_size(), 1);
  EXPECT_EQ(restored.state().warnings(0).identifier(), "W-1");

  feed_.tick(test::kT0 + 59 * test::kMinute);
  EXPECT_EQ(only_incident().status(), v1::INCIDENT_STATUS_NEW);
  feed_.tick(test::kT0 + 60 * test::kMinute);
  EXPECT_EQ(only_incident().status(), v1::INCIDENT_STATUS_RESOLVED);
  EXPECT_EQ(only_incident().expires().seconds() * kMicrosPerSecond, test::kT0 + 60 * test::kMinute);
  EXPECT_FALSE(picture_.next_deadline_us().has_value());
  EXPECT_EQ(picture_.state().warnings_size(), 0);
}

}  // namespace
}  // namespace quanyu::engine

#include "server/ingest/gb28181/service.hpp"

#include "gtest_include.hpp"
#include "samples.hpp"
#include "server/ingest/gb28181/digest.hpp"
#include "server/ingest/gb28181/manscdp.hpp"

namespace quanyu::ingest::gb28181 {
namespace {

using testing::sample;

constexpr std::int64_t kNow = 1718715960LL * 1'000'000;  // 2024-06-18T13:06:00Z
constexpr std::int64_t kSecond = 1'000'000;
const std::string kCameraPeer = "udp:192.168.2.64:5060";
const std::string kNonce = "6eb1340d99c404a0e4d3b68d15d1d46f";  // the walkthrough's nonce

ServiceConfig livegbs_config() {
  ServiceConfig config;
  config.platform_id = "34020000002000000001";
  config.realm = "3402000000";
  config.shared_password = "12345678";  // LiveGBS's default access password
  return config;
}

Message load(const std::string& name) {
  auto m = parse_message(sample(name));
  if (!m) throw std::runtime_error(name + ": " + m.error().message);
  return std::move(m).value();
}

// The LiveGBS registration walkthrough (chinasem.cn/article/666847) replayed against the Service:
// unauthenticated REGISTER -> 401 with a challenge; the camera's REGISTER with the published
// Authorization -> 200 with Expires and Date.
TEST(Service, LiveGbsRegistration) {
  Service service(livegbs_config());
  Outcome first =
      service.handle(load("register_livegbs_1_unauthenticated.sip"), kCameraPeer, kNow, kNonce);
  ASSERT_TRUE(first.reply);
  EXPECT_EQ(first.reply->status_code, 401);
  EXPECT_EQ(*first.reply->header("WWW-Authenticate"),
            "Digest realm=\"3402000000\",nonce=\"6eb1340d99c404a0e4d3b68d15d1d46f\","
            "qop=\"auth\",algorithm=MD5");
  EXPECT_EQ(*first.reply->header("Call-ID"), "575393982");
  EXPECT_TRUE(header_param(*first.reply->header("To"), "tag"));
  EXPECT_TRUE(first.observations.empty());
  EXPECT_EQ(service.registration_count(), 0u);
  EXPECT_NE(first.log.find("401"), std::string::npos);

  Outcome second = service.handle(load("register_livegbs_3_authorization.sip"), kCameraPeer,
                                  kNow + 2 * kSecond, "unused");
  ASSERT_TRUE(second.reply);
  EXPECT_EQ(second.reply->status_code, 200) << second.log;
  EXPECT_EQ(*second.reply->header("Expires"), "3600");
  EXPECT_EQ(*second.reply->header("Date"), "2024-06-18T21:06:02.000");  // Beijing time
  EXPECT_EQ(*second.reply->header("CSeq"), "2 REGISTER");
  EXPECT_EQ(*second.reply->header("Contact"),
            "<sip:34020000001320000264@192.168.2.64:5060>;expires=3600");
  const Registration* reg = service.registration("34020000001320000264");
  ASSERT_NE(reg, nullptr);
  EXPECT_EQ(reg->contact, "sip:34020000001320000264@192.168.2.64:5060");
  EXPECT_EQ(reg->peer, kCameraPeer);
  EXPECT_EQ(reg->expires_us, kNow + 3602 * kSecond);

  // Lapses when its time is up.
  EXPECT_TRUE(service.expire(kNow + 3601 * kSecond).empty());
  EXPECT_EQ(service.expire(kNow + 3602 * kSecond),
            std::vector<std::string>{"34020000001320000264"});
  EXPECT_EQ(service.registration_count(), 0u);
}

TEST(Service, WrongPasswordIsChallengedAgain) {
  ServiceConfig config = livegbs_config();
  config.device_passwords["34020000001320000264"] = "another";
  Service service(config);
  service.handle(load("register_livegbs_1_unauthenticated.sip"), kCameraPeer, kNow, kNonce);
  Outcome out = service.handle(load("register_livegbs_3_authorization.sip"), kCameraPeer, kNow,
                               "fresh-nonce");
  ASSERT_TRUE(out.reply);
  EXPECT_EQ(out.reply->status_code, 401);
  EXPECT_NE(out.reply->header("WWW-Authenticate")->find("fresh-nonce"), std::string::npos);
  EXPECT_EQ(out.reply->header("WWW-Authenticate")->find("stale"), std::string::npos);
  EXPECT_EQ(service.registration_count(), 0u);
}

TEST(Service, UnknownOrOldNonceIsStale) {
  Service service(livegbs_config());
  // The right password against a nonce this Service never issued (say, before a restart).
  Outcome out =
      service.handle(load("register_livegbs_3_authorization.sip"), kCameraPeer, kNow, "n2");
  ASSERT_TRUE(out.reply);
  EXPECT_EQ(out.reply->status_code, 401);
  EXPECT_NE(out.reply->header("WWW-Authenticate")->find("stale=TRUE"), std::string::npos);

  // Issued, then too old.
  service.handle(load("register_livegbs_1_unauthenticated.sip"), kCameraPeer, kNow, kNonce);
  Outcome late = service.handle(load("register_livegbs_3_authorization.sip"), kCameraPeer,
                                kNow + 601 * kSecond, "n3");
  ASSERT_TRUE(late.reply);
  EXPECT_EQ(late.reply->status_code, 401);
  EXPECT_NE(late.reply->header("WWW-Authenticate")->find("stale=TRUE"), std::string::npos);
}

// A REGISTER answered the RFC 2069 way (no qop), as many cameras do; built here with the same
// ids as the walkthrough.
Message register_without_qop(const std::string& nonce, const std::string& expires) {
  Message m = load("register_livegbs_3_authorization.sip");
  DigestCredentials c;
  c.username = "34020000001320000264";
  c.realm = "3402000000";
  c.nonce = nonce;
  c.uri = "sip:34020000002000000001@3402000000";
  c.algorithm = "MD5";
  c.response = digest_response(digest_ha1(c.username, c.realm, "12345678"), c, "REGISTER");
  m.set("Authorization", authorization(c));
  m.set("Expires", expires);
  return m;
}

TEST(Service, RegisterWithoutQopAndUnregister) {
  Service service(livegbs_config());
  service.handle(load("register_livegbs_1_unauthenticated.sip"), kCameraPeer, kNow, "abc");
  Outcome on = service.handle(register_without_qop("abc", "7200"), kCameraPeer, kNow, "x");
  ASSERT_TRUE(on.reply);
  EXPECT_EQ(on.reply->status_code, 200) << on.log;
  EXPECT_EQ(*on.reply->header("Expires"), "7200");
  ASSERT_NE(service.registration("34020000001320000264"), nullptr);

  Outcome off = service.handle(register_without_qop("abc", "0"), kCameraPeer, kNow, "x");
  ASSERT_TRUE(off.reply);
  EXPECT_EQ(off.reply->status_code, 200);
  EXPECT_EQ(*off.reply->header("Expires"), "0");
  EXPECT_EQ(service.registration("34020000001320000264"), nullptr);
}

TEST(Service, ExpiresBounds) {
  ServiceConfig config = livegbs_config();
  config.max_expires_s = 1800;
  Service service(config);
  service.handle(load("register_livegbs_1_unauthenticated.sip"), kCameraPeer, kNow, "abc");
  Outcome brief = service.handle(register_without_qop("abc", "30"), kCameraPeer, kNow, "x");
  ASSERT_TRUE(brief.reply);
  EXPECT_EQ(brief.reply->status_code, 423);
  EXPECT_EQ(*brief.reply->header("Min-Expires"), "60");
  Outcome longer = service.handle(register_without_qop("abc", "86400"), kCameraPeer, kNow, "x");
  ASSERT_TRUE(longer.reply);
  EXPECT_EQ(*longer.reply->header("Expires"), "1800");
  Outcome bad = service.handle(register_without_qop("abc", "soon"), kCameraPeer, kNow, "x");
  ASSERT_TRUE(bad.reply);
  EXPECT_EQ(bad.reply->status_code, 400);
  EXPECT_NE(bad.reply->header("Warning")->find("Expires is not a number"), std::string::npos);
}

TEST(Service, NoPasswordMeansNoAuthentication) {
  ServiceConfig config = livegbs_config();
  config.shared_password.clear();
  Service service(config);
  Outcome out =
      service.handle(load("register_livegbs_1_unauthenticated.sip"), kCameraPeer, kNow, kNonce);
  ASSERT_TRUE(out.reply);
  EXPECT_EQ(out.reply->status_code, 200);
  EXPECT_EQ(service.registration_count(), 1u);
}

TEST(Service, RepliesCarryReceivedAndRport) {
  Service service(livegbs_config());
  // The keepalive's Via asks for rport (RFC 3581) and the device sits behind NAT.
  Outcome out = service.handle(load("keepalive_dahua_ipc.sip"), "udp:10.20.30.40:40123", kNow, "n");
  ASSERT_TRUE(out.reply);
  EXPECT_EQ(out.reply->status_code, 200);
  EXPECT_EQ(*out.reply->header("Via"),
            "SIP/2.0/UDP 192.168.1.107:5060;rport=40123;branch=z9hG4bK990289307;"
            "received=10.20.30.40");
}

// Sample: the Dahua IPC keepalive (public capture notes).
TEST(Service, KeepaliveRefreshesTheRegistration) {
  ServiceConfig config = livegbs_config();
  config.shared_password.clear();
  Service service(config);
  Message reg = load("register_livegbs_1_unauthenticated.sip");
  reg.set("From", "<sip:34020000001320000001@3402000000>;tag=1");
  service.handle(reg, "udp:192.168.1.107:5060", kNow, "n");
  ASSERT_NE(service.registration("34020000001320000001"), nullptr);
  Outcome out = service.handle(load("keepalive_dahua_ipc.sip"), "udp:192.168.1.107:5060",
                               kNow + 60 * kSecond, "n");
  ASSERT_TRUE(out.reply);
  EXPECT_EQ(out.reply->status_code, 200);
  EXPECT_TRUE(out.observations.empty());
  EXPECT_EQ(service.registration("34020000001320000001")->last_seen_us, kNow + 60 * kSecond);
  EXPECT_NE(out.log.find("Keepalive OK"), std::string::npos) << out.log;
}

TEST(Service, UnregisteredDevicesCanBeRefused) {
  ServiceConfig config = livegbs_config();
  config.refuse_unregistered = true;
  Service service(config);
  Outcome keepalive = service.handle(load("keepalive_dahua_ipc.sip"), kCameraPeer, kNow, "n");
  ASSERT_TRUE(keepalive.reply);
  EXPECT_EQ(keepalive.reply->status_code, 403);
  Outcome alarm = service.handle(load("alarm_tripwire_coordinates.sip"), kCameraPeer, kNow, "n");
  ASSERT_TRUE(alarm.reply);
  EXPECT_EQ(alarm.reply->status_code, 403);
  EXPECT_TRUE(alarm.observations.empty());
}

// Written after GB/T 28181-2016 A.2.5.3 (see manscdp_test): an alarm MESSAGE with coordinates.
TEST(Service, AlarmYieldsObservationDeferredRepliesAndAck) {
  Service service(livegbs_config());
  const Message request = load("alarm_tripwire_coordinates.sip");
  Outcome out = service.handle(request, "udp:192.168.1.107:5060", kNow, "n");
  EXPECT_FALSE(out.reply);  // ingest first
  ASSERT_EQ(out.observations.size(), 1u);
  const auto& o = out.observations[0];
  EXPECT_EQ(o.source(), "gb28181:50011600001310000001");
  EXPECT_EQ(o.camera_alarm().type(), v1::CameraAlarm::TYPE_LINE_CROSSING);
  ASSERT_TRUE(out.reply_if_stored && out.reply_if_failed);
  EXPECT_EQ(out.reply_if_stored->status_code, 200);
  EXPECT_EQ(out.reply_if_failed->status_code, 500);
  EXPECT_EQ(*out.reply_if_stored->header("CSeq"), "21 MESSAGE");
  EXPECT_NE(out.log.find("TYPE_LINE_CROSSING with position"), std::string::npos) << out.log;

  ASSERT_TRUE(out.ack);
  EXPECT_EQ(out.ack->device_id, "50011600001320000001");  // From user: the device
  EXPECT_EQ(out.ack->alarm_device_id, "50011600001310000001");
  EXPECT_EQ(out.ack->sn, "17");
  EXPECT_EQ(out.ack->target_uri, "sip:50011600001320000001@192.168.1.107:5060");  // no Contact
  EXPECT_EQ(out.ack->peer, "udp:192.168.1.107:5060");

  RequestIds ids;
  ids.call_id = "c1@10.0.0.5";
  ids.from_tag = "t1";
  ids.branch = "b1";
  ids.cseq = 3;
  ids.sent_by = "10.0.0.5:5060";
  Message ack = make_alarm_ack(*out.ack, service.config(), ids);
  const std::string wire = serialize(ack);
  EXPECT_EQ(wire.substr(0, wire.find("\r\n")),
            "MESSAGE sip:50011600001320000001@192.168.1.107:5060 SIP/2.0");
  auto parsed = parse_message(wire);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(*parsed->header("Via"), "SIP/2.0/UDP 10.0.0.5:5060;rport;branch=z9hG4bKb1");
  EXPECT_EQ(*parsed->header("From"), "<sip:34020000002000000001@3402000000>;tag=t1");
  EXPECT_EQ(*parsed->header("To"), "<sip:50011600001320000001@3402000000>");
  EXPECT_EQ(*parsed->header("CSeq"), "3 MESSAGE");
  EXPECT_EQ(*parsed->header("Content-Type"), "Application/MANSCDP+xml");
  auto body = parse_manscdp(parsed->body);
  ASSERT_TRUE(body) << body.error().message;
  EXPECT_EQ(body->root, "Response");
  EXPECT_EQ(body->sn, "17");
  EXPECT_EQ(body->device_id, "50011600001310000001");

  // The same MESSAGE again (the device did not get our 200): the same observation id.
  Outcome again = service.handle(request, "udp:192.168.1.107:5060", kNow + kSecond, "n");
  ASSERT_EQ(again.observations.size(), 1u);
  EXPECT_EQ(again.observations[0].id(), o.id());
}

// A device id we would echo into a request line or a To header must keep them well formed: a
// From user with a space (found by the fuzzer: the acknowledgement built from it did not parse)
// is answered 400 naming what is wrong, for a MESSAGE and a REGISTER alike, and nothing is taken.
TEST(Service, AFromUserThatIsNoDeviceIdIsRefused) {
  Service service(livegbs_config());
  Message request = load("alarm_tripwire_coordinates.sip");
  request.set("From", "<sip:50 11600001320000001@5001160000>;tag=50882177");
  Outcome out = service.handle(request, "udp:192.168.1.107:5060", kNow, "n");
  ASSERT_TRUE(out.reply);
  EXPECT_EQ(out.reply->status_code, 400);
  EXPECT_NE(out.reply->header("Warning")->find("not a device id"), std::string::npos);
  EXPECT_TRUE(out.observations.empty());
  EXPECT_FALSE(out.ack);

  Message reg = load("register_livegbs_1_unauthenticated.sip");
  reg.set("From", "<sip:34020000001320000001 x@3402000000>;tag=1");
  Outcome refused = service.handle(reg, kCameraPeer, kNow, kNonce);
  ASSERT_TRUE(refused.reply);
  EXPECT_EQ(refused.reply->status_code, 400);
}

Message message_with_body(const std::string& body) {
  Message m = load("keepalive_dahua_ipc.sip");
  m.body = body;
  return m;
}

// The Dahua NVR alarm body (GBK, declared GB2312) in the Dahua MESSAGE envelope; then the two
// derived bad bodies, which must be answered 400 with a Warning that names the field.
TEST(Service, AlarmBodiesGoodAndBad) {
  Service service(livegbs_config());
  Outcome good = service.handle(message_with_body(sample("alarm_dahua_nvr_gbk_body.xml")),
                                kCameraPeer, kNow, "n");
  ASSERT_EQ(good.observations.size(), 1u) << good.log;
  EXPECT_EQ(good.observations[0].camera_alarm().camera_id(), "34020000001310000001");

  // A Content-Type charset that contradicts the bytes (GBK sent as "UTF-8") is overruled.
  Message mislabelled = message_with_body(sample("alarm_dahua_nvr_gbk_body.xml"));
  mislabelled.set("Content-Type", "Application/MANSCDP+xml;charset=UTF-8");
  Outcome relabelled = service.handle(mislabelled, kCameraPeer, kNow, "n");
  ASSERT_EQ(relabelled.observations.size(), 1u) << relabelled.log;
  EXPECT_EQ(relabelled.observations[0].camera_alarm().description(),
            good.observations[0].camera_alarm().description());

  Outcome missing = service.handle(message_with_body(sample("alarm_missing_deviceid_body.xml")),
                                   kCameraPeer, kNow, "n");
  ASSERT_TRUE(missing.reply);
  EXPECT_EQ(missing.reply->status_code, 400);
  EXPECT_EQ(*missing.reply->header("Warning"), "399 34020000002000000001 \"DeviceID is missing\"");
  EXPECT_TRUE(missing.observations.empty());

  Outcome nine = service.handle(message_with_body(sample("alarm_priority_9_body.xml")), kCameraPeer,
                                kNow, "n");
  ASSERT_TRUE(nine.reply);
  EXPECT_EQ(nine.reply->status_code, 400);
  EXPECT_NE(nine.reply->header("Warning")->find("AlarmPriority 9"), std::string::npos);

  Outcome empty = service.handle(message_with_body(""), kCameraPeer, kNow, "n");
  ASSERT_TRUE(empty.reply);
  EXPECT_EQ(empty.reply->status_code, 400);

  Message sdp = load("keepalive_dahua_ipc.sip");
  sdp.set("Content-Type", "application/sdp");
  Outcome unsupported = service.handle(sdp, kCameraPeer, kNow, "n");
  ASSERT_TRUE(unsupported.reply);
  EXPECT_EQ(unsupported.reply->status_code, 415);
}

TEST(Service, OtherMethods) {
  Service service(livegbs_config());
  Message options = load("keepalive_dahua_ipc.sip");
  options.method = "OPTIONS";
  options.set("CSeq", "21 OPTIONS");
  Outcome ok = service.handle(options, kCameraPeer, kNow, "n");
  ASSERT_TRUE(ok.reply);
  EXPECT_EQ(ok.reply->status_code, 200);
  EXPECT_TRUE(ok.reply->header("Allow"));

  Message invite = options;
  invite.method = "INVITE";
  Outcome no = service.handle(invite, kCameraPeer, kNow, "n");
  ASSERT_TRUE(no.reply);
  EXPECT_EQ(no.reply->status_code, 405);
  EXPECT_EQ(*no.reply->header("Allow"), "REGISTER, MESSAGE, NOTIFY, OPTIONS, ACK");

  Message ack = options;
  ack.method = "ACK";
  EXPECT_FALSE(service.handle(ack, kCameraPeer, kNow, "n").reply);

  // A device's 200 to our alarm acknowledgement needs no answer.
  Outcome response = service.handle(load("register_livegbs_2_401.sip"), kCameraPeer, kNow, "n");
  EXPECT_FALSE(response.reply);
  EXPECT_NE(response.log.find("response 401"), std::string::npos);
}

TEST(Service, TablesAreBounded) {
  ServiceConfig config = livegbs_config();
  config.shared_password.clear();
  config.max_registrations = 2;
  Service service(config);
  for (int i = 0; i < 3; ++i) {
    Message reg = load("register_livegbs_1_unauthenticated.sip");
    reg.set("From", "<sip:3402000000132000000" + std::to_string(i) + "@3402000000>;tag=1");
    Outcome out = service.handle(reg, kCameraPeer, kNow, "n");
    EXPECT_EQ(out.reply->status_code, i < 2 ? 200 : 503);
  }

  ServiceConfig small = livegbs_config();
  small.max_nonces = 3;
  Service challenged(small);
  for (int i = 0; i < 10; ++i) {
    challenged.handle(load("register_livegbs_1_unauthenticated.sip"), kCameraPeer,
                      kNow + i * kSecond, "nonce" + std::to_string(i));
  }
  // Only the newest nonces survive: the walkthrough's credentials against an evicted nonce are
  // stale, not accepted.
  Outcome out = challenged.handle(load("register_livegbs_3_authorization.sip"), kCameraPeer,
                                  kNow + 11 * kSecond, "n");
  EXPECT_EQ(out.reply->status_code, 401);
}

TEST(Service, GbDate) {
  EXPECT_EQ(gb_date(0, 8 * 60), "1970-01-01T08:00:00.000");
  EXPECT_EQ(gb_date(1718715960LL * 1'000'000 + 123'456, 8 * 60), "2024-06-18T21:06:00.123");
  EXPECT_EQ(gb_date(-1'000, 0), "1969-12-31T23:59:59.999");
}

}  // namespace
}  // namespace quanyu::ingest::gb28181

// The GB/T 28181 SIP server on the real binary, driven as a camera would: REGISTER is challenged
// and accepted with digest authentication, an Alarm MESSAGE (GBK body declared GB2312, no
// coordinates, no offset in AlarmTime) is answered 200 once stored and then acknowledged with the
// platform's 报警通知应答, the alarm is in the picture at the camera's registered position, and a
// malformed alarm gets 400 naming the field. The same over TCP, with two messages in one write.
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>

#include <chrono>
#include <ctime>

#include "feed_config.hpp"
#include "gtest_include.hpp"
#include "process.hpp"
#include "server/ingest/gb28181/digest.hpp"
#include "server/ingest/gb28181/sip_message.hpp"
#include "test_support.hpp"

namespace quanyu::test {
namespace {

using namespace std::chrono_literals;
namespace gb = ingest::gb28181;

const std::string kDuty = "Authorization: Bearer quanyu-demo-duty\r\n";
const std::string kCamera = "50010100001320000001";  // 万州区雪亮工程视频监控点01 (demo layer)
const std::string kPlatform = "50000000002000000001";
const std::string kRealm = "5000000000";

/// A UDP or TCP socket on 127.0.0.1 standing in for the camera.
class Device {
 public:
  Device(int type, int port) : type_(type) {
    fd_ = ::socket(AF_INET, type, 0);
    sockaddr_in local{};
    local.sin_family = AF_INET;
    local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local);
    socklen_t n = sizeof local;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&local), &n);
    local_port_ = ntohs(local.sin_port);
    sockaddr_in server{};
    server.sin_family = AF_INET;
    server.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    server.sin_port = htons(static_cast<std::uint16_t>(port));
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&server), sizeof server) == 0;
  }
  ~Device() { ::close(fd_); }
  bool connected() const { return connected_; }
  int local_port() const { return local_port_; }
  std::string transport() const { return type_ == SOCK_DGRAM ? "UDP" : "TCP"; }

  void send(const std::string& bytes) { ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL); }

  /// The next SIP message from the server within `wait` (nullopt when none).
  std::optional<gb::Message> receive(std::chrono::milliseconds wait) {
    const auto deadline = std::chrono::steady_clock::now() + wait;
    while (std::chrono::steady_clock::now() < deadline) {
      if (type_ == SOCK_STREAM) {
        auto next = framer_.next();
        if (next && next.value()) return std::move(*next.value());
      }
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      char buffer[65536];
      const auto n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) return std::nullopt;
      if (type_ == SOCK_DGRAM) {
        auto m = gb::parse_message(std::string_view(buffer, static_cast<std::size_t>(n)));
        if (m) return std::move(m).value();
      } else {
        framer_.feed(std::string_view(buffer, static_cast<std::size_t>(n)));
      }
    }
    return std::nullopt;
  }

 private:
  int type_;
  int fd_ = -1;
  int local_port_ = 0;
  bool connected_ = false;
  gb::StreamFramer framer_;
};

std::string request(const Device& d, const std::string& method, int cseq,
                    const std::string& extra_headers, const std::string& body,
                    const std::string& call_id) {
  std::string m = method + " sip:" + kPlatform + "@" + kRealm + " SIP/2.0\r\n";
  m += "Via: SIP/2.0/" + d.transport() + " 127.0.0.1:" + std::to_string(d.local_port()) +
       ";rport;branch=z9hG4bK" + call_id + std::to_string(cseq) + "\r\n";
  m += "From: <sip:" + kCamera + "@" + kRealm + ">;tag=" + call_id + "\r\n";
  m += "To: <sip:" + (method == "REGISTER" ? kCamera : kPlatform) + "@" + kRealm + ">\r\n";
  m += "Call-ID: " + call_id + "@127.0.0.1\r\nCSeq: " + std::to_string(cseq) + " " + method +
       "\r\nMax-Forwards: 70\r\nUser-Agent: IP Camera\r\n";
  m += "Contact: <sip:" + kCamera + "@127.0.0.1:" + std::to_string(d.local_port()) + ">\r\n";
  m += extra_headers;
  if (!body.empty()) m += "Content-Type: Application/MANSCDP+xml\r\n";
  m += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  return m;
}

/// REGISTER, 401, REGISTER with digest credentials, 200.
void register_device(Device& d) {
  d.send(request(d, "REGISTER", 1, "Expires: 3600\r\n", "", "reg"));
  auto challenge = d.receive(5s);
  ASSERT_TRUE(challenge);
  ASSERT_EQ(challenge->status_code, 401);
  ASSERT_NE(challenge->header("WWW-Authenticate"), nullptr);
  const std::string header = *challenge->header("WWW-Authenticate");
  ASSERT_THAT(header, testing::HasSubstr("realm=\"" + kRealm + "\""));
  const auto nonce_at = header.find("nonce=\"") + 7;
  gb::DigestCredentials c;
  c.username = kCamera;
  c.realm = kRealm;
  c.nonce = header.substr(nonce_at, header.find('"', nonce_at) - nonce_at);
  c.uri = "sip:" + kPlatform + "@" + kRealm;
  c.algorithm = "MD5";
  c.response = gb::digest_response(gb::digest_ha1(kCamera, kRealm, "12345678"), c, "REGISTER");
  d.send(request(d, "REGISTER", 2,
                 "Expires: 3600\r\nAuthorization: " + gb::authorization(c) + "\r\n", "", "reg"));
  auto ok = d.receive(5s);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status_code, 200) << ok->reason;
}

/// An alarm body in GBK, declared GB2312, in Beijing local time without offset.
std::string alarm_body(int sn, const std::string& priority = "1") {
  const std::time_t now = std::time(nullptr) + 8 * 3600;
  char when[32];
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", std::gmtime(&now));
  return "<?xml version=\"1.0\" encoding=\"GB2312\"?>\r\n<Notify>\r\n<CmdType>Alarm</CmdType>\r\n"
         "<SN>" +
         std::to_string(sn) + "</SN>\r\n<DeviceID>" + kCamera +
         "</DeviceID>\r\n"
         "<AlarmPriority>" +
         priority +
         "</AlarmPriority>\r\n<AlarmMethod>5</AlarmMethod>\r\n"
         "<AlarmTime>" +
         when +
         "</AlarmTime>\r\n"
         "<AlarmDescription>\xC7\xF8\xD3\xF2\xC8\xEB\xC7\xD6</AlarmDescription>\r\n"  // 区域入侵
         "<Longitude>0</Longitude>\r\n<Latitude>0</Latitude>\r\n"
         "<Info>\r\n<AlarmType>6</AlarmType>\r\n</Info>\r\n</Notify>\r\n";
}

TEST(Gb28181Feed, CameraRegistersAndItsAlarmsReachThePicture) {
  TempDir dir("quanyu-gb28181");
  const int sip_port = free_port();
  const std::string config = write_feed_config(dir, R"(feeds:
  gb28181:
    enabled: true
    udp: 127.0.0.1:)" + std::to_string(sip_port) + R"(
    tcp: 127.0.0.1:)" + std::to_string(sip_port) + R"(
    sip_id: ")" + kPlatform + R"("
    realm: ")" + kRealm + R"("
    password: "12345678"
    require_register: true
)");
  const int port = free_port();
  Process quanyu({QUANYU_BINARY, "serve", "--config", config, "--listen",
                  "127.0.0.1:" + std::to_string(port), "--data-dir", (dir / "state").string()});
  ASSERT_EQ(wait_until_listening(quanyu), port) << quanyu.err();

  Device udp(SOCK_DGRAM, sip_port);
  ASSERT_TRUE(udp.connected());
  // Before registering, an alarm is refused (require_register: true).
  udp.send(request(udp, "MESSAGE", 1, "", alarm_body(1), "early"));
  auto refused = udp.receive(5s);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status_code, 403);

  ASSERT_NO_FATAL_FAILURE(register_device(udp));
  // Built once: a resent MESSAGE carries the same body (the same AlarmTime, even when the clock
  // has passed a second since).
  const std::string alarm = alarm_body(2);
  udp.send(request(udp, "MESSAGE", 3, "", alarm, "alarm"));
  auto answer = udp.receive(5s);
  ASSERT_TRUE(answer) << quanyu.err();
  EXPECT_EQ(answer->status_code, 200) << answer->reason << "\n" << quanyu.err();
  // Then the platform's acknowledgement: a MESSAGE with <Response><CmdType>Alarm, Result OK.
  auto ack = udp.receive(5s);
  ASSERT_TRUE(ack) << quanyu.err();
  EXPECT_EQ(ack->method, "MESSAGE");
  EXPECT_THAT(ack->body, testing::HasSubstr("<Response>"));
  EXPECT_THAT(ack->body, testing::HasSubstr("<Result>OK</Result>"));
  EXPECT_THAT(ack->body, testing::HasSubstr("<SN>2</SN>"));
  udp.send(gb::serialize(gb::make_response(*ack, 200, "OK")));

  const auto incidents = http_request(port, "GET", "/api/v1/incidents?kind=security", kDuty);
  EXPECT_THAT(incidents.body, testing::HasSubstr(kCamera)) << quanyu.err();
  EXPECT_THAT(incidents.body, testing::HasSubstr("万州区"));  // placed by the device registry

  // The same MESSAGE resent (no 200 heard): 200 again, and a duplicate, not a new alarm.
  udp.send(request(udp, "MESSAGE", 3, "", alarm, "alarm"));
  auto again = udp.receive(5s);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status_code, 200);
  (void)udp.receive(2s);  // its acknowledgement

  // A priority outside 1-4 is answered 400 with a Warning naming the field.
  udp.send(request(udp, "MESSAGE", 4, "", alarm_body(3, "9"), "bad"));
  auto bad = udp.receive(5s);
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status_code, 400);
  ASSERT_NE(bad->header("Warning"), nullptr);
  EXPECT_THAT(*bad->header("Warning"), testing::HasSubstr("AlarmPriority"));

  // TCP: two keepalive-free messages in one write, each answered on the connection.
  Device tcp(SOCK_STREAM, sip_port);
  ASSERT_TRUE(tcp.connected());
  tcp.send(request(tcp, "OPTIONS", 1, "", "", "tcp1") +
           request(tcp, "MESSAGE", 2, "", alarm_body(4, "2"), "tcp2"));
  auto options = tcp.receive(5s);
  ASSERT_TRUE(options);
  EXPECT_EQ(options->status_code, 200);
  auto tcp_alarm = tcp.receive(5s);
  ASSERT_TRUE(tcp_alarm) << quanyu.err();
  EXPECT_EQ(tcp_alarm->status_code, 200) << tcp_alarm->reason;

  EXPECT_EQ(metric(port, R"(quanyu_feed_messages_total{feed="gb28181",result="accepted"} )"), "3");
  EXPECT_EQ(metric(port, R"(quanyu_feed_messages_total{feed="gb28181",result="malformed"} )"), "1");
  EXPECT_EQ(metric(port, R"(quanyu_feed_messages_total{feed="gb28181",result="refused"} )"), "1");
  const auto detail = http_request(port, "GET", "/api/v1/incidents/INC-000001", kDuty);
  EXPECT_THAT(detail.body, testing::HasSubstr("\"evidenceCount\":2")) << detail.body;

  quanyu.signal(SIGTERM);
  EXPECT_EQ(quanyu.wait(15s), 0) << quanyu.err();
}

}  // namespace
}  // namespace quanyu::test

// The SL 651 station listener on the real binary: a station connects over TCP, sends a timed
// report (32H) whose water level is above its gauge's warning level, and gets the standard's
// confirmation only once the reading is in the picture; a frame with a bad CRC is counted and
// never answered, and the connection stays up for the next report.
#include <poll.h>
#include <signal.h>

#include <chrono>
#include <ctime>
#include <thread>

#include "feed_config.hpp"
#include "gtest_include.hpp"
#include "process.hpp"
#include "server/ingest/sl651/bcd.hpp"
#include "server/ingest/sl651/frame.hpp"
#include "test_support.hpp"

namespace quanyu::test {
namespace {

using namespace std::chrono_literals;
namespace sl651 = ingest::sl651;

const std::string kDuty = "Authorization: Bearer quanyu-demo-duty\r\n";

std::string bcd(int value, int digits) {
  std::string out;
  for (int i = digits - 2; i >= 0; i -= 2) {
    int pair = value;
    for (int k = 0; k < i; ++k) pair /= 10;
    pair %= 100;
    out += static_cast<char>(((pair / 10) << 4) | (pair % 10));
  }
  return out;
}

/// A 32H timed report of station `address` (10 digits): Z (39H, 4 bytes, 3 decimals) and VT
/// (38H, 2 bytes, 2 decimals) observed at the current minute, Beijing time.
std::string timed_report(const std::string& address, std::uint16_t serial, double level_m) {
  const std::time_t now = std::time(nullptr) + 8 * 3600;  // Beijing wall clock
  std::tm t{};
  ::gmtime_r(&now, &t);
  const std::string date = bcd(t.tm_year % 100, 2) + bcd(t.tm_mon + 1, 2) + bcd(t.tm_mday, 2) +
                           bcd(t.tm_hour, 2) + bcd(t.tm_min, 2);
  sl651::Header h;
  h.centre_address = 0x01;
  for (int i = 0; i < 5; ++i) {
    h.station_address[static_cast<std::size_t>(i)] =
        static_cast<std::uint8_t>(((address[static_cast<std::size_t>(2 * i)] - '0') << 4) |
                                  (address[static_cast<std::size_t>(2 * i + 1)] - '0'));
  }
  h.password = 0x1234;
  h.function_code = 0x32;
  std::string body;
  body += static_cast<char>(serial >> 8);
  body += static_cast<char>(serial & 0xFF);
  body += date + bcd(t.tm_sec, 2);  // send time YYMMDDhhmmss
  body += "\xF1\xF1" + std::string(h.station_address.begin(), h.station_address.end()) + "H";
  body += "\xF0\xF0" + date;  // observation time YYMMDDhhmm
  body += "\x39\x23" + bcd(static_cast<int>(level_m * 1000 + 0.5), 8);  // Z
  body += "\x38\x12" + bcd(1268, 4);                                    // VT 12.68 V
  return sl651::encode_frame(h, body).value();
}

int connect_to(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

/// Bytes the listener sends within `wait`.
std::string receive(int fd, std::chrono::milliseconds wait) {
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    char buffer[512];
    const auto n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    out.append(buffer, static_cast<std::size_t>(n));
    if (out.size() >= 17 + 8) break;  // a confirmation: 8 body bytes
  }
  return out;
}

TEST(Sl651Feed, StationReportsAreConfirmedOnceStored) {
  TempDir dir("quanyu-sl651");
  const int station_port = free_port();
  const std::string config = write_feed_config(dir, R"(feeds:
  sl651:
    enabled: true
    tcp: 127.0.0.1:)" + std::to_string(station_port) + "\n");
  const int port = free_port();
  Process quanyu({QUANYU_BINARY, "serve", "--config", config, "--listen",
                  "127.0.0.1:" + std::to_string(port), "--data-dir", (dir / "state").string()});
  ASSERT_EQ(wait_until_listening(quanyu), port) << quanyu.err();
  EXPECT_THAT(quanyu.out(), testing::HasSubstr("Quanyu feed sl651/tcp: 127.0.0.1:" +
                                               std::to_string(station_port)));

  const int fd = connect_to(station_port);
  ASSERT_GE(fd, 0);
  // 1. Z = 208.500 m at 长江江津区段1号水位站 (warning 207.9 m): confirmed, and in the picture.
  const std::string report = timed_report("0060105001", 1, 208.5);
  ASSERT_EQ(::send(fd, report.data(), report.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(report.size()));
  const std::string ack = receive(fd, 5s);
  ASSERT_EQ(ack.size(), 25u) << quanyu.err();
  auto frame = sl651::decode_frame(ack);
  ASSERT_TRUE(frame) << frame.error().message;
  EXPECT_EQ(frame->header.direction, sl651::Direction::kDown);
  EXPECT_EQ(frame->header.function_code, 0x32);
  EXPECT_EQ(sl651::format_station(frame->header.station_address), "0060105001");
  EXPECT_EQ(frame->header.end_marker, sl651::kEsc);                 // confirmed, stay online
  EXPECT_EQ(frame->body.substr(0, 2), std::string("\x00\x01", 2));  // serial echoed
  const auto incidents = http_request(port, "GET", "/api/v1/incidents?kind=flood", kDuty);
  EXPECT_THAT(incidents.body, testing::HasSubstr("WG-0060105001"));
  EXPECT_THAT(incidents.body, testing::HasSubstr("INCIDENT_KIND_FLOOD"));

  // 2. A frame with a bad CRC: no confirmation, counted as malformed, the connection stays up.
  std::string broken = timed_report("0060105001", 2, 208.6);
  broken[broken.size() - 1] = static_cast<char>(broken.back() ^ 0x5A);
  ASSERT_GT(::send(fd, broken.data(), broken.size(), MSG_NOSIGNAL), 0);
  EXPECT_EQ(receive(fd, 700ms), "");
  EXPECT_EQ(metric(port, R"(quanyu_feed_messages_total{feed="sl651",result="malformed"} )"), "1");
  const std::string next = timed_report("0060105001", 3, 208.7);
  ASSERT_GT(::send(fd, next.data(), next.size(), MSG_NOSIGNAL), 0);
  const std::string ack3 = receive(fd, 5s);
  ASSERT_EQ(ack3.size(), 25u) << quanyu.err();
  EXPECT_EQ(ack3.substr(14, 2), std::string("\x00\x03", 2));

  // 3. A station no sensor knows: confirmed (resending cannot help), counted as refused.
  const std::string stranger = timed_report("0099999999", 4, 1.0);
  ASSERT_GT(::send(fd, stranger.data(), stranger.size(), MSG_NOSIGNAL), 0);
  EXPECT_EQ(receive(fd, 5s).size(), 25u);
  EXPECT_EQ(metric(port, R"(quanyu_feed_messages_total{feed="sl651",result="refused"} )"), "1");
  EXPECT_EQ(metric(port, R"(quanyu_feed_messages_total{feed="sl651",result="accepted"} )"), "2");
  EXPECT_EQ(metric(port, R"(quanyu_feed_connections{feed="sl651"} )"), "1");
  ::close(fd);

  quanyu.signal(SIGTERM);
  EXPECT_EQ(quanyu.wait(15s), 0) << quanyu.err();
}

}  // namespace
}  // namespace quanyu::test

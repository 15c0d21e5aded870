#include "server/ingest/sl651/frame.hpp"

#include "gtest_include.hpp"
#include "ingest/sl651/sample.hpp"

namespace quanyu::ingest::sl651 {
namespace {

using test::sample;
using test::unhex;

TEST(Crc, ModbusCheckValue) {
  // The CRC-16/MODBUS catalogue check value (reveng: poly 8005 reflected, init FFFF).
  EXPECT_EQ(crc16_modbus("123456789"), 0x4B37);
  EXPECT_EQ(crc16_modbus(""), 0xFFFF);
}

TEST(Crc, PublishedFramesCarryTheirCrcHighByteFirst) {
  // Every published and captured sample ends with the CRC of all bytes before it, high byte first
  // (SL 651-2014 table 20).
  for (const char* name :
       {"published_keepalive_2f.bin", "published_test_30.bin", "published_test_30_ack.bin",
        "published_timed_32.bin", "device_test_30_extension_elements.bin",
        "device_timed_32_pn05.bin", "device_hourly_34.bin", "device_uniform_31.bin"}) {
    const std::string frame = sample(name);
    const auto crc = crc16_modbus(std::string_view(frame).substr(0, frame.size() - 2));
    EXPECT_EQ(static_cast<std::uint8_t>(frame[frame.size() - 2]), crc >> 8) << name;
    EXPECT_EQ(static_cast<std::uint8_t>(frame[frame.size() - 1]), crc & 0xFF) << name;
  }
}

TEST(Frame, DecodesThePublishedKeepalive) {
  // toymoban.com/news/detail-686475.html ("SL651-2014全协议解析(HEX编码格式)"), 链路维持报 2F:
  // centre 01, station 0012345678, password 1234, length 0008, serial 0003, ETX, CRC 6BCA.
  auto frame = decode_frame(sample("published_keepalive_2f.bin"));
  ASSERT_TRUE(frame) << frame.error().message;
  const Header& h = frame->header;
  EXPECT_EQ(h.direction, Direction::kUp);
  EXPECT_EQ(h.centre_address, 0x01);
  EXPECT_EQ(format_station(h.station_address), "0012345678");
  EXPECT_EQ(h.password, 0x1234);
  EXPECT_EQ(h.function_code, 0x2F);
  EXPECT_FALSE(h.packet);
  EXPECT_EQ(h.end_marker, kEtx);
  EXPECT_EQ(frame->body, unhex("0003 591011155111"));
}

TEST(Frame, DecodesADownstreamConfirmationWithSwappedAddresses) {
  // Same article, the centre's reply to the 30H test report: station address first, then the
  // centre address 01, flag 8 (down), ESC.
  auto frame = decode_frame(sample("published_test_30_ack.bin"));
  ASSERT_TRUE(frame) << frame.error().message;
  EXPECT_EQ(frame->header.direction, Direction::kDown);
  EXPECT_EQ(format_station(frame->header.station_address), "0012345678");
  EXPECT_EQ(frame->header.centre_address, 0x01);
  EXPECT_EQ(frame->header.end_marker, kEsc);
  EXPECT_EQ(frame->body, unhex("0003 591011154947"));
}

TEST(Frame, EncodeRoundTrips) {
  const std::string original = sample("published_timed_32.bin");
  auto frame = decode_frame(original);
  ASSERT_TRUE(frame);
  auto again = encode_frame(frame->header, frame->body);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(*again, original);
}

TEST(Frame, SynFrameCarriesPacketCountAndNumber) {
  // Constructed per table 22 (SL 651-2014 publishes no M3 example): packet 1 of 3; the length
  // counts the 3 packet bytes.
  const std::string bytes = sample("constructed_multipacket_31_p1.bin");
  auto frame = decode_frame(bytes);
  ASSERT_TRUE(frame) << frame.error().message;
  ASSERT_TRUE(frame->header.packet);
  EXPECT_EQ(*frame->header.packet, (PacketInfo{3, 1}));
  EXPECT_EQ(frame->header.end_marker, kEtb);
  EXPECT_EQ(frame->body.size() + 3 + kFrameOverhead, bytes.size());
  // The 12-bit fields: "02B001" is 43 packets, number 1 (blog.csdn.net/doom66151/article/details/
  // 147009230, a 36H picture sent as M3).
  std::string header_only = unhex("7E7E100012340086123436000716 02B001 AABBCCDD 17");
  const auto crc = crc16_modbus(header_only);
  header_only += static_cast<char>(crc >> 8);
  header_only += static_cast<char>(crc & 0xFF);
  auto picture = decode_frame(header_only);
  ASSERT_TRUE(picture) << picture.error().message;
  EXPECT_EQ(*picture->header.packet, (PacketInfo{43, 1}));
}

TEST(Frame, ErrorsNameTheByteAtFault) {
  const std::string good = sample("published_test_30.bin");

  std::string bad_crc = good;
  bad_crc[20] = static_cast<char>(bad_crc[20] ^ 0x01);
  auto e = decode_frame(bad_crc);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, "sl651_bad_crc");
  EXPECT_NE(e.error().message.find("20FA"), std::string::npos) << e.error().message;

  auto short_frame = decode_frame(good.substr(0, 40));
  ASSERT_FALSE(short_frame);
  EXPECT_EQ(short_frame.error().code, "sl651_bad_length");

  std::string not_7e = good;
  not_7e[1] = 0x7F;
  EXPECT_EQ(decode_frame(not_7e).error().code, "sl651_bad_frame");

  std::string bad_flag = good;
  bad_flag[11] = 0x40;  // flag 4
  EXPECT_EQ(decode_frame(bad_flag).error().code, "sl651_bad_frame");

  // A wrong start or end marker under a recomputed CRC.
  const auto reseal = [](std::string f) {
    const auto crc = crc16_modbus(std::string_view(f).substr(0, f.size() - 2));
    f[f.size() - 2] = static_cast<char>(crc >> 8);
    f[f.size() - 1] = static_cast<char>(crc & 0xFF);
    return f;
  };
  std::string bad_start = good;
  bad_start[13] = 0x01;
  auto s = decode_frame(reseal(bad_start));
  EXPECT_EQ(s.error().code, "sl651_bad_marker");
  EXPECT_NE(s.error().message.find("offset 13"), std::string::npos) << s.error().message;
  std::string bad_end = good;
  bad_end[bad_end.size() - 3] = 0x00;
  EXPECT_EQ(decode_frame(reseal(bad_end)).error().code, "sl651_bad_marker");

  // Packet number 4 of 3.
  std::string bad_packet = sample("constructed_multipacket_31_p1.bin");
  bad_packet[15] = 0x30;
  bad_packet[16] = 0x04;
  EXPECT_EQ(decode_frame(reseal(bad_packet)).error().code, "sl651_bad_packet");
}

TEST(Frame, EncodeRefusesImpossibleFrames) {
  Header h;
  EXPECT_FALSE(encode_frame(h, ""));
  EXPECT_FALSE(encode_frame(h, std::string(4096, 'x')));
  h.packet = PacketInfo{2, 3};
  EXPECT_FALSE(encode_frame(h, "x"));
}

}  // namespace
}  // namespace quanyu::ingest::sl651

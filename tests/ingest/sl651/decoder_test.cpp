#include "server/ingest/sl651/decoder.hpp"

#include "gtest_include.hpp"
#include "ingest/sl651/sample.hpp"

namespace quanyu::ingest::sl651 {
namespace {

using test::sample;
using test::unhex;

// "kind/code" of each event, for comparing sequences.
std::vector<std::string> summary(const std::vector<Event>& events) {
  std::vector<std::string> out;
  for (const Event& e : events) {
    switch (e.kind) {
      case Event::Kind::kReport:
        out.push_back("report/" + std::to_string(e.report.header.function_code));
        break;
      case Event::Kind::kKeepAlive:
        out.push_back("keepalive");
        break;
      case Event::Kind::kUnsupported:
        out.push_back("unsupported");
        break;
      case Event::Kind::kError:
        out.push_back("error/" + e.error.code);
        break;
    }
  }
  return out;
}

std::vector<Event> feed_all(Decoder& d, const std::string& bytes, std::size_t chunk) {
  std::vector<Event> out;
  for (std::size_t i = 0; i < bytes.size(); i += chunk) {
    for (auto& e : d.feed(std::string_view(bytes).substr(i, chunk))) out.push_back(std::move(e));
  }
  return out;
}

std::string reframed(const std::string& frame_bytes, std::uint8_t end_marker) {
  auto frame = decode_frame(frame_bytes).value();
  frame.header.end_marker = end_marker;
  return encode_frame(frame.header, frame.body).value();
}

TEST(Decoder, OneFrameOneEventWithItsReply) {
  Decoder d;
  auto events = d.feed(sample("published_test_30.bin"));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, Event::Kind::kReport);
  EXPECT_EQ(events[0].report.serial, 3);
  ASSERT_TRUE(events[0].reply);
  EXPECT_EQ(events[0].reply->end_marker, kEsc);
  EXPECT_EQ(d.stats().frames, 1u);
}

TEST(Decoder, KeepaliveNeedsNoReply) {
  Decoder d;
  // comger/sl651 testdata.csv: 2FH of station 1090330853.
  auto events = d.feed(sample("device_keepalive_2f.bin"));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, Event::Kind::kKeepAlive);
  EXPECT_FALSE(events[0].reply);
}

TEST(Decoder, GluedSplitAndGarbageGiveTheSameEvents) {
  // The comger/sl651 device log in arrival order (2F, 32, 2F, 34, 31, with the 7E08-serial
  // keepalive of toymoban.com in between), as one stream.
  const std::string stream = sample("device_keepalive_2f.bin") + sample("device_timed_32.bin") +
                             sample("published_keepalive_2f_serial_7e08.bin") +
                             sample("device_hourly_34.bin") + sample("device_uniform_31.bin");
  const std::vector<std::string> expected = {"keepalive", "report/50", "keepalive", "report/52",
                                             "report/49"};
  for (const std::size_t chunk : {stream.size(), std::size_t{1}, std::size_t{7}, std::size_t{64}}) {
    Decoder d;
    EXPECT_EQ(summary(feed_all(d, stream, chunk)), expected) << "chunk " << chunk;
    EXPECT_EQ(d.stats().skipped_bytes, 0u);
  }
  // Garbage between and around frames (a DTU's AT replies, CR LF, stray 7E bytes).
  const std::string noisy = "AT+CSQ\r\n+CSQ: 21,0\r\n\x7E" + sample("device_keepalive_2f.bin") +
                            "\r\n\x7E\x01\x7E" + sample("device_timed_32.bin") + "\x7E";
  Decoder d;
  EXPECT_EQ(summary(feed_all(d, noisy, 5)), (std::vector<std::string>{"keepalive", "report/50"}));
  EXPECT_EQ(d.stats().skipped_bytes, 26u);
}

TEST(Decoder, BadCrcIsAnErrorAndTheNextFrameStillDecodes) {
  std::string bad = sample("published_test_30.bin");
  bad[30] = static_cast<char>(bad[30] ^ 0x10);
  Decoder d;
  auto events = d.feed(bad + sample("published_timed_32.bin"));
  EXPECT_EQ(summary(events), (std::vector<std::string>{"error/sl651_bad_crc", "report/50"}));
  EXPECT_FALSE(events[0].reply);  // M2: nothing is sent for an invalid message
  EXPECT_EQ(d.stats().errors, 1u);
}

TEST(Decoder, ATruncatedFrameDoesNotSwallowTheNextOne) {
  // A frame cut short (its length field promises 43 bytes) followed by a good one: the decoder
  // waits for the promised length, finds the CRC wrong and resynchronises inside it.
  const std::string cut = sample("published_test_30.bin").substr(0, 30);
  Decoder d;
  auto events =
      d.feed(cut + sample("published_timed_32.bin") + sample("published_keepalive_2f.bin"));
  EXPECT_EQ(summary(events),
            (std::vector<std::string>{"error/sl651_bad_crc", "report/50", "keepalive"}));
}

TEST(Decoder, BodyErrorsCarryTheHeader) {
  Header h;
  h.centre_address = 1;
  h.station_address = {0x00, 0x12, 0x34, 0x56, 0x78};
  h.function_code = 0x32;
  // Bad BCD in Z, then an element running past the end of the body.
  const std::string bad_bcd = encode_frame(h, unhex("0001 250718090000 F1F1 0012345678 48 F0F0 "
                                                    "2507180900 3923 00A00127"))
                                  .value();
  const std::string past_end =
      encode_frame(h, unhex("0002 250718090000 F1F1 0012345678 48 F0F0 2507180900 3923 0000"))
          .value();
  Decoder d;
  auto events = d.feed(bad_bcd + past_end + sample("published_timed_32.bin"));
  EXPECT_EQ(summary(events), (std::vector<std::string>{"error/sl651_bad_bcd",
                                                       "error/sl651_bad_element", "report/50"}));
  ASSERT_TRUE(events[0].header);
  EXPECT_EQ(format_station(events[0].header->station_address), "0012345678");
  EXPECT_FALSE(events[0].reply);
}

TEST(Decoder, HeaderErrorsResynchronise) {
  // 7E7E with a flag of 4, and 7E7E with length 0, before a good frame.
  const std::string junk =
      unhex("7E7E 01 0012345678 1234 32 4008 02") + unhex("7E7E 01 0012345678 1234 32 0000 02");
  Decoder d;
  auto events = d.feed(junk + sample("published_keepalive_2f.bin"));
  EXPECT_EQ(summary(events), (std::vector<std::string>{"error/sl651_bad_frame",
                                                       "error/sl651_bad_length", "keepalive"}));
}

TEST(Decoder, DownstreamFramesAreErrors) {
  Decoder d;
  auto events = d.feed(sample("published_test_30_ack.bin"));
  EXPECT_EQ(summary(events), (std::vector<std::string>{"error/sl651_bad_direction"}));
}

TEST(Decoder, UnsupportedFunctionsAreConfirmed) {
  Header h;
  h.centre_address = 1;
  h.function_code = 0x36;  // picture report
  const std::string picture = encode_frame(h, unhex("0007 250718090000 F1F1 0012345678 48 F0F0 "
                                                    "2507180900 F3F3 FFD8FFD9"))
                                  .value();
  Decoder d;
  auto events = d.feed(picture);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, Event::Kind::kUnsupported);
  ASSERT_TRUE(events[0].reply);
  EXPECT_EQ(events[0].reply->serial, 7);
}

TEST(Decoder, MultiPacketMessageIsJoinedAndConfirmedOnce) {
  // Constructed per table 22: device_uniform_31 (comger/sl651) as 3 SYN packets, ETB ETB ETX.
  Decoder d;
  EXPECT_TRUE(d.feed(sample("constructed_multipacket_31_p1.bin")).empty());  // no per-packet ack
  EXPECT_TRUE(d.feed(sample("constructed_multipacket_31_p2.bin")).empty());
  auto events = d.feed(sample("constructed_multipacket_31_p3.bin"));
  ASSERT_EQ(events.size(), 1u);
  const Event& e = events[0];
  ASSERT_EQ(e.kind, Event::Kind::kReport);
  EXPECT_EQ(e.report.packets, 3);
  EXPECT_EQ(e.report.serial, 0x96);
  ASSERT_EQ(e.report.elements.size(), 1u);
  EXPECT_DOUBLE_EQ(*e.report.elements[0].series[11], 0.17);
  ASSERT_TRUE(e.reply);
  EXPECT_EQ(e.reply->end_marker, kEsc);
  EXPECT_EQ(*e.reply->packet, (PacketInfo{3, 3}));
}

TEST(Decoder, MissingPacketIsNakedAndResent) {
  const std::string p1 = sample("constructed_multipacket_31_p1.bin");
  const std::string p2 = sample("constructed_multipacket_31_p2.bin");
  const std::string p3 = sample("constructed_multipacket_31_p3.bin");
  Decoder d;
  EXPECT_TRUE(d.feed(p1).empty());
  auto events = d.feed(p3);  // packet 2 lost
  ASSERT_EQ(summary(events), (std::vector<std::string>{"error/sl651_packet_missing"}));
  ASSERT_TRUE(events[0].reply);
  EXPECT_EQ(events[0].reply->end_marker, kNak);
  EXPECT_EQ(*events[0].reply->packet, (PacketInfo{3, 2}));
  EXPECT_EQ(events[0].reply->serial, 0x96);
  // The resend ends with ETX (§6.3.1.2 c).
  events = d.feed(reframed(p2, kEtx));
  ASSERT_EQ(summary(events), (std::vector<std::string>{"report/49"}));
  EXPECT_EQ(*events[0].reply->packet, (PacketInfo{3, 3}));
}

TEST(Decoder, PacketMissingAfterTwoResendRequestsIsDropped) {
  const std::string p1 = sample("constructed_multipacket_31_p1.bin");
  const std::string p3 = sample("constructed_multipacket_31_p3.bin");
  Decoder d;
  d.feed(p1);
  EXPECT_EQ(summary(d.feed(p3)), (std::vector<std::string>{"error/sl651_packet_missing"}));
  EXPECT_EQ(summary(d.feed(p3)), (std::vector<std::string>{"error/sl651_packet_missing"}));
  auto events = d.feed(p3);
  EXPECT_EQ(summary(events), (std::vector<std::string>{"error/sl651_multipacket_incomplete"}));
  EXPECT_FALSE(events[0].reply);
  EXPECT_TRUE(d.feed(p3).empty());  // the rest of the dropped message is ignored
  EXPECT_TRUE(d.finish().empty());
}

TEST(Decoder, InterruptedAndOversizedAssembliesAreDropped) {
  const std::string p1 = sample("constructed_multipacket_31_p1.bin");
  const std::string p2 = sample("constructed_multipacket_31_p2.bin");
  const std::string p3 = sample("constructed_multipacket_31_p3.bin");
  {
    // Packet 1 of another function code starts while ours waits for packet 3.
    auto other = decode_frame(p1).value();
    other.header.function_code = 0x35;
    Decoder d;
    d.feed(p1 + p2);
    auto events = d.feed(encode_frame(other.header, other.body).value());
    EXPECT_EQ(summary(events), (std::vector<std::string>{"error/sl651_multipacket_interrupted"}));
    // Single frames in between do not interrupt: only the new message is pending now.
    EXPECT_EQ(summary(d.feed(sample("published_keepalive_2f.bin"))),
              (std::vector<std::string>{"keepalive"}));
    EXPECT_EQ(summary(d.finish()), (std::vector<std::string>{"error/sl651_multipacket_abandoned"}));
  }
  {
    DecoderOptions options;
    options.assembler.max_packets = 2;
    Decoder d(options);
    EXPECT_EQ(summary(d.feed(p1)), (std::vector<std::string>{"error/sl651_multipacket_too_large"}));
    EXPECT_TRUE(d.feed(p2 + p3).empty());
  }
  {
    DecoderOptions options;
    options.assembler.max_message_bytes = 40;
    Decoder d(options);
    EXPECT_TRUE(d.feed(p1).empty());
    EXPECT_EQ(summary(d.feed(p2)), (std::vector<std::string>{"error/sl651_multipacket_too_large"}));
    EXPECT_TRUE(d.feed(p3).empty());
    // A new message starts afresh.
    EXPECT_TRUE(d.feed(p1).empty());
  }
}

TEST(Decoder, BufferStaysBounded) {
  Decoder d;
  const std::string garbage(100'000, 'A');
  EXPECT_TRUE(d.feed(garbage).empty());
  EXPECT_EQ(d.stats().skipped_bytes, garbage.size());
  // A header promising 4095 bytes that never come holds at most one frame.
  std::string promise = unhex("7E7E 01 0012345678 1234 32 0FFF 02");
  promise += std::string(3000, '\0');
  EXPECT_TRUE(d.feed(promise).empty());
  EXPECT_EQ(summary(d.finish()), (std::vector<std::string>{"error/sl651_truncated_frame"}));
  // And the decoder works afterwards.
  EXPECT_EQ(summary(d.feed(sample("published_keepalive_2f.bin"))),
            (std::vector<std::string>{"keepalive"}));
}

}  // namespace
}  // namespace quanyu::ingest::sl651

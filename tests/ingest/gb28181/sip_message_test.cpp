#include "server/ingest/gb28181/sip_message.hpp"

#include "gtest_include.hpp"
#include "samples.hpp"

namespace quanyu::ingest::gb28181 {
namespace {

using testing::sample;

// Sample: the unauthenticated REGISTER of LiveGBS's registration walkthrough ("GB28181注册区分需要
// 认证和无需认证", republished at chinasem.cn/article/666847), a camera 34020000001320000264
// registering with platform 34020000002000000001 in domain 3402000000.
TEST(SipMessage, ParsesLiveGbsRegister) {
  auto m = parse_message(sample("register_livegbs_1_unauthenticated.sip"));
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_TRUE(m->is_request());
  EXPECT_EQ(m->method, "REGISTER");
  EXPECT_EQ(m->request_uri, "sip:34020000002000000001@3402000000");
  ASSERT_EQ(m->all("Via").size(), 1u);
  EXPECT_EQ(header_param(*m->header("Via"), "branch"), "z9hG4bK1235305492");
  EXPECT_EQ(header_param(*m->header("Via"), "rport"), "5060");
  EXPECT_EQ(uri_user(*m->header("From")), "34020000001320000264");
  EXPECT_EQ(header_param(*m->header("From"), "tag"), "180588994");
  EXPECT_FALSE(header_param(*m->header("To"), "tag"));
  EXPECT_EQ(*m->header("call-id"), "575393982");
  EXPECT_EQ(cseq_number(*m), 1u);
  EXPECT_EQ(header_uri(*m->header("Contact")), "sip:34020000001320000264@192.168.2.64:5060");
  EXPECT_EQ(*m->header("Expires"), "3600");
  EXPECT_EQ(*m->header("User-Agent"), "IP Camera");
  EXPECT_TRUE(m->body.empty());
}

// Sample: the platform's 401 in the same walkthrough (a response, read by simulators and tests).
TEST(SipMessage, ParsesLiveGbs401Response) {
  auto m = parse_message(sample("register_livegbs_2_401.sip"));
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_FALSE(m->is_request());
  EXPECT_EQ(m->status_code, 401);
  EXPECT_EQ(m->reason, "Unauthorized");
  EXPECT_EQ(header_param(*m->header("To"), "tag"), "776284809");
  EXPECT_EQ(*m->header("WWW-Authenticate"),
            "Digest realm=\"3402000000\",qop=\"auth\",nonce=\"6eb1340d99c404a0e4d3b68d15d1d46f\"");
}

// Sample: a Dahua IPC ("DH SIP UAS V1.0") keepalive MESSAGE from public GB28181 capture notes. The
// device pads Content-Length ("Content-Length:   178") and ends body lines with LF only.
TEST(SipMessage, ParsesDahuaKeepaliveWithPaddedContentLength) {
  auto m = parse_message(sample("keepalive_dahua_ipc.sip"));
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->method, "MESSAGE");
  EXPECT_EQ(*m->header("Content-Length"), "178");
  EXPECT_EQ(m->body.size(), 178u);
  EXPECT_EQ(m->body.substr(0, 5), "<?xml");
  EXPECT_EQ(m->body.back(), '\n');
  EXPECT_EQ(*m->header("Content-Type"), "Application/MANSCDP+xml");
  EXPECT_EQ(cseq_number(*m), 20u);
}

// Sample: a 3Com phone's REGISTER with compact headers (liquidweaver/sip_cpp,
// tests/registrar_sip_messages.h), no Content-Length: fine on UDP.
TEST(SipMessage, ExpandsCompactHeaders) {
  auto m = parse_message(sample("register_compact_3com.sip"));
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->headers[0].name, "Via");
  EXPECT_EQ(*m->header("Via"), "SIP/2.0/UDP 172.20.3.20:5060");
  EXPECT_EQ(*m->header("v"), "SIP/2.0/UDP 172.20.3.20:5060");
  EXPECT_EQ(uri_user(*m->header("From")), "3170");
  EXPECT_EQ(*m->header("Call-ID"), "e2d02388-01d6-0352-13c6-00e0bb36ca69");
  EXPECT_EQ(*m->header("i"), "e2d02388-01d6-0352-13c6-00e0bb36ca69");
  EXPECT_EQ(header_uri(*m->header("Contact")), "sip:3170@172.20.3.20:5060");
  EXPECT_EQ(header_param(*m->header("m"), "dt"), "544");
  EXPECT_TRUE(m->body.empty());
}

TEST(SipMessage, ToleratesWhiteSpaceFoldingAndLeadingCrlf) {
  const std::string wire =
      "\r\n\r\nOPTIONS  sip:34020000002000000001@3402000000   SIP/2.0\r\n"
      "Via : SIP/2.0/UDP 10.0.0.7:5060 ;branch=z9hG4bK1\r\n"
      "From:\t<sip:34020000001320000001@3402000000>;tag=a\r\n"
      "To: <sip:34020000002000000001@3402000000>\r\n"
      "Call-ID: 1@10.0.0.7\r\n"
      "CSeq: 7 OPTIONS\r\n"
      "Subject: first part,\r\n"
      "  second part\r\n"
      "\r\n";
  auto m = parse_message(wire);
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->method, "OPTIONS");
  EXPECT_EQ(m->request_uri, "sip:34020000002000000001@3402000000");
  EXPECT_EQ(*m->header("Via"), "SIP/2.0/UDP 10.0.0.7:5060 ;branch=z9hG4bK1");
  EXPECT_EQ(header_param(*m->header("Via"), "branch"), "z9hG4bK1");
  EXPECT_EQ(*m->header("Subject"), "first part, second part");
}

TEST(SipMessage, KeepsSeveralViasInOrder) {
  const std::string wire =
      "MESSAGE sip:p@d SIP/2.0\r\nVia: SIP/2.0/UDP a:1;branch=z9hG4bKa\r\n"
      "v: SIP/2.0/UDP b:2;branch=z9hG4bKb, SIP/2.0/UDP c:3;branch=z9hG4bKc\r\n"
      "From: <sip:x@d>;tag=1\r\nTo: <sip:p@d>\r\nCall-ID: c\r\nCSeq: 1 MESSAGE\r\n"
      "Content-Length: 3\r\n\r\nabcEXTRA";
  auto m = parse_message(wire);
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->body, "abc");  // bytes past Content-Length in a datagram are ignored
  ASSERT_EQ(m->all("Via").size(), 2u);
  Message r = make_response(*m, 200, "OK");
  ASSERT_EQ(r.all("Via").size(), 2u);
  EXPECT_EQ(r.all("Via")[0], "SIP/2.0/UDP a:1;branch=z9hG4bKa");
  EXPECT_EQ(r.all("Via")[1], "SIP/2.0/UDP b:2;branch=z9hG4bKb, SIP/2.0/UDP c:3;branch=z9hG4bKc");
  EXPECT_EQ(header_param(r.all("Via")[1], "branch"), "z9hG4bKb");
}

TEST(SipMessage, MakeResponseCopiesHeadersAndAddsToTag) {
  auto m = parse_message(sample("register_livegbs_1_unauthenticated.sip"));
  ASSERT_TRUE(m);
  Message r = make_response(*m, 401, "Unauthorized");
  EXPECT_FALSE(r.is_request());
  EXPECT_EQ(r.status_code, 401);
  EXPECT_EQ(*r.header("Via"), *m->header("Via"));
  EXPECT_EQ(*r.header("From"), *m->header("From"));
  EXPECT_EQ(*r.header("Call-ID"), "575393982");
  EXPECT_EQ(*r.header("CSeq"), "1 REGISTER");
  const auto tag = header_param(*r.header("To"), "tag");
  ASSERT_TRUE(tag);
  EXPECT_EQ(tag->size(), 10u);
  // Stateless but stable: a retransmission gets the same tag.
  EXPECT_EQ(*make_response(*m, 401, "Unauthorized").header("To"), *r.header("To"));
  EXPECT_FALSE(r.header("Contact"));
  EXPECT_FALSE(r.header("User-Agent"));

  // A To that already has a tag keeps it.
  auto resp = parse_message(sample("register_livegbs_2_401.sip"));
  ASSERT_TRUE(resp);
  Message again = make_response(*resp, 200, "OK");
  EXPECT_EQ(header_param(*again.header("To"), "tag"), "776284809");
}

TEST(SipMessage, SerializeRoundTrips) {
  for (const char* name : {"register_livegbs_1_unauthenticated.sip", "register_livegbs_2_401.sip",
                           "register_livegbs_3_authorization.sip", "keepalive_dahua_ipc.sip",
                           "register_compact_3com.sip", "alarm_tripwire_coordinates.sip"}) {
    auto m = parse_message(sample(name));
    ASSERT_TRUE(m) << name << ": " << m.error().message;
    const std::string wire = serialize(*m);
    auto again = parse_message(wire);
    ASSERT_TRUE(again) << name << ": " << again.error().message;
    EXPECT_EQ(serialize(*again), wire) << name;
    EXPECT_EQ(again->body, m->body) << name;
    EXPECT_EQ(*again->header("Content-Length"), std::to_string(m->body.size())) << name;
  }
  Message r;
  r.status_code = 200;
  r.reason = "OK";
  r.add("Via", "SIP/2.0/UDP h:1;branch=z9hG4bKx");
  r.body = "x";
  EXPECT_EQ(serialize(r),
            "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h:1;branch=z9hG4bKx\r\n"
            "Content-Length: 1\r\n\r\nx");
}

TEST(SipMessage, MalformedInputNamesTheFault) {
  const std::string tail =
      "Via: SIP/2.0/UDP a:1;branch=z9hG4bK1\r\nFrom: <sip:x@d>;tag=1\r\nTo: <sip:p@d>\r\n"
      "Call-ID: c\r\n";
  struct Case {
    std::string wire;
    std::string expected;
  };
  const Case cases[] = {
      {"", "empty datagram"},
      {"\r\n\r\n", "empty datagram"},
      {"MESSAGE sip:p@d SIP/2.0\r\n" + tail + "CSeq: 1 MESSAGE\r\n", "not ended by an empty line"},
      {"MESSAGE sip:p@d SIP/3.0\r\n" + tail + "CSeq: 1 MESSAGE\r\n\r\n", "not SIP/2.0"},
      {"MESSAGE\r\n" + tail + "CSeq: 1 MESSAGE\r\n\r\n", "no URI"},
      {"SIP/2.0 099 Odd\r\n" + tail + "CSeq: 1 MESSAGE\r\n\r\n", "not 100..699"},
      {"SIP/2.0 OK\r\n" + tail + "CSeq: 1 MESSAGE\r\n\r\n", "3-digit"},
      {"MESSAGE sip:p@d SIP/2.0\r\n" + tail + "\r\n", "missing CSeq"},
      {"MESSAGE sip:p@d SIP/2.0\r\n" + tail + "CSeq: 1 REGISTER\r\n\r\n", "differs"},
      {"MESSAGE sip:p@d SIP/2.0\r\n" + tail + "CSeq: one MESSAGE\r\n\r\n", "CSeq"},
      {"MESSAGE sip:p@d SIP/2.0\r\n" + tail + "CSeq: 1 MESSAGE\r\nBroken line\r\n\r\n",
       "has no colon"},
      {"MESSAGE sip:p@d SIP/2.0\r\n" + tail + "CSeq: 1 MESSAGE\r\nContent-Length: 10\r\n\r\nab",
       "exceeds the 2 body bytes"},
      {"MESSAGE sip:p@d SIP/2.0\r\n" + tail + "CSeq: 1 MESSAGE\r\nContent-Length: -1\r\n\r\n",
       "not a number"},
      {"MESSAGE sip:p@d SIP/2.0\r\n" + tail +
           "CSeq: 1 MESSAGE\r\nContent-Length: 1\r\nl: 2\r\n\r\nab",
       "two different Content-Length"},
      {"MESSAGE sip:p@d SIP/2.0\r\n" + tail + "CSeq: 1 MESSAGE\r\nX: a\x01z\r\n\r\n",
       "control character"},
      {"MESSAGE sip:p@d SIP/2.0\r\n  folded\r\n" + tail + "CSeq: 1 MESSAGE\r\n\r\n",
       "continuation line"},
  };
  for (const auto& c : cases) {
    auto m = parse_message(c.wire);
    ASSERT_FALSE(m) << c.wire;
    EXPECT_EQ(m.error().code, "invalid_sip");
    EXPECT_NE(m.error().message.find(c.expected), std::string::npos)
        << c.expected << " not in: " << m.error().message;
  }
}

TEST(SipMessage, BoundsHeadersAndBody) {
  Limits limits;
  limits.max_header_bytes = 256;
  limits.max_headers = 8;
  limits.max_body_bytes = 16;
  std::string many = "MESSAGE sip:p@d SIP/2.0\r\n";
  for (int i = 0; i < 10; ++i) many += "X-" + std::to_string(i) + ": v\r\n";
  many += "\r\n";
  auto m = parse_message(many, limits);
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message.find("more than 8 headers"), std::string::npos);

  auto big =
      parse_message("MESSAGE sip:p@d SIP/2.0\r\nX: " + std::string(400, 'a') + "\r\n\r\n", limits);
  ASSERT_FALSE(big);
  EXPECT_NE(big.error().message.find("within 256 bytes"), std::string::npos);

  limits.max_header_bytes = 1024;
  limits.max_headers = 100;
  auto wire = sample("keepalive_dahua_ipc.sip");
  auto body = parse_message(wire, limits);
  ASSERT_FALSE(body);
  EXPECT_NE(body.error().message.find("exceeds the limit of 16"), std::string::npos);
}

TEST(SipMessage, HeaderHelpers) {
  EXPECT_EQ(header_uri("\"Cam <1>\" <sip:1@d;transport=udp>;tag=x"), "sip:1@d;transport=udp");
  EXPECT_EQ(header_param("\"Cam <1>\" <sip:1@d;transport=udp>;tag=x", "tag"), "x");
  EXPECT_FALSE(header_param("<sip:1@d;tag=inside>", "tag"));
  EXPECT_EQ(header_param("sip:1@d;tag=\"q\"", "TAG"), "q");
  EXPECT_EQ(header_param("SIP/2.0/UDP h:1;rport;branch=b", "rport"), "");
  EXPECT_EQ(uri_user("sips:alice:secret@example.com"), "alice");
  EXPECT_EQ(uri_user("sip:example.com"), "");
  EXPECT_EQ(uri_user("tel:+8610"), "");
  EXPECT_EQ(uri_user("<SIP:34020000001320000001@3402000000>"), "34020000001320000001");
  Message m;
  m.add("Expires", "1");
  m.set("expires", "2");
  m.set("Date", "d");
  EXPECT_EQ(m.headers.size(), 2u);
  EXPECT_EQ(*m.header("EXPIRES"), "2");
  m.remove("date");
  EXPECT_FALSE(m.header("Date"));
}

// TCP: the same published messages glued into one stream, with CRLF keep-alives between them,
// delivered in chunks of every size from one byte up.
TEST(StreamFramer, CutsGluedAndSplitMessages) {
  const std::string a = sample("keepalive_dahua_ipc.sip");
  const std::string b = sample("alarm_tripwire_coordinates.sip");
  const std::string c = sample("register_livegbs_3_authorization.sip");
  const std::string stream = "\r\n\r\n" + a + b + "\r\n\r\n\r\n" + c + "\r\n";
  for (std::size_t chunk : {std::size_t{1}, std::size_t{2}, std::size_t{7}, std::size_t{100},
                            std::size_t{587}, stream.size()}) {
    StreamFramer framer;
    std::vector<Message> out;
    for (std::size_t pos = 0; pos < stream.size(); pos += chunk) {
      framer.feed(std::string_view(stream).substr(pos, chunk));
      for (;;) {
        auto next = framer.next();
        ASSERT_TRUE(next) << next.error().message;
        if (!*next) break;
        out.push_back(std::move(**next));
      }
    }
    ASSERT_EQ(out.size(), 3u) << "chunk " << chunk;
    EXPECT_EQ(out[0].method, "MESSAGE");
    EXPECT_EQ(out[0].body.size(), 178u);
    EXPECT_EQ(*out[1].header("Call-ID"), "432363355@192.168.1.107");
    EXPECT_EQ(out[1].body, parse_message(b)->body);
    EXPECT_EQ(out[2].method, "REGISTER");
    EXPECT_TRUE(framer.idle());
    EXPECT_EQ(framer.buffered(), 0u);  // the trailing CRLF keep-alive was skipped
  }
}

TEST(StreamFramer, RequiresContentLength) {
  StreamFramer framer;
  framer.feed(sample("register_compact_3com.sip"));
  auto next = framer.next();
  ASSERT_FALSE(next);
  EXPECT_NE(next.error().message.find("Content-Length is required"), std::string::npos);
  // The stream stays broken: the transport closes the connection.
  framer.feed(sample("keepalive_dahua_ipc.sip"));
  EXPECT_FALSE(framer.next());
}

TEST(StreamFramer, BoundsHeadersBodyAndBuffer) {
  Limits limits;
  limits.max_header_bytes = 128;
  limits.max_body_bytes = 64;
  {
    StreamFramer framer(limits);
    framer.feed("MESSAGE sip:p@d SIP/2.0\r\nX: " + std::string(200, 'a'));
    auto next = framer.next();
    ASSERT_FALSE(next);
    EXPECT_NE(next.error().message.find("within 128 bytes"), std::string::npos);
  }
  {
    Limits roomy = limits;
    roomy.max_header_bytes = 1024;
    StreamFramer framer(roomy);
    framer.feed(
        "MESSAGE sip:p@d SIP/2.0\r\nVia: SIP/2.0/TCP a:1;branch=z9hG4bK1\r\nFrom: <sip:x@d>;tag=1"
        "\r\nTo: <sip:p@d>\r\nCall-ID: c\r\nCSeq: 1 MESSAGE\r\nContent-Length: 999999\r\n\r\n");
    auto next = framer.next();
    ASSERT_FALSE(next);
    EXPECT_NE(next.error().message.find("exceeds the limit of 64"), std::string::npos);
  }
  {
    StreamFramer framer(limits);
    framer.feed(std::string(1 << 20, 'x'));  // never calling next() is caught too
    EXPECT_FALSE(framer.next());
  }
  {
    StreamFramer framer(limits);
    framer.feed("MESSAGE sip:p@d SIP/2.0\r\n");  // incomplete: wait for more
    auto next = framer.next();
    ASSERT_TRUE(next);
    EXPECT_FALSE(*next);
    EXPECT_FALSE(framer.idle());
  }
}

}  // namespace
}  // namespace quanyu::ingest::gb28181

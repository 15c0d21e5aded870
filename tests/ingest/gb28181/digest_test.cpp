#include "server/ingest/gb28181/digest.hpp"

#include "gtest_include.hpp"
#include "samples.hpp"
#include "server/ingest/gb28181/sip_message.hpp"

namespace quanyu::ingest::gb28181 {
namespace {

using testing::sample;

// RFC 2617 §3.5: Mufasa, "Circle Of Life", GET /dir/index.html, qop=auth (the header as printed
// in the RFC, folded over several lines).
TEST(Digest, Rfc2617Example) {
  const std::string header =
      "Digest username=\"Mufasa\",\r\n"
      "                 realm=\"testrealm@host.com\",\r\n"
      "                 nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\",\r\n"
      "                 uri=\"/dir/index.html\",\r\n"
      "                 qop=auth,\r\n"
      "                 nc=00000001,\r\n"
      "                 cnonce=\"0a4f113b\",\r\n"
      "                 response=\"6629fae49393a05397450978507c4ef1\",\r\n"
      "                 opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"";
  auto c = parse_authorization(header);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->username, "Mufasa");
  EXPECT_EQ(c->realm, "testrealm@host.com");
  EXPECT_EQ(c->nonce, "dcd98b7102dd2f0e8b11d0f600bfb0c093");
  EXPECT_EQ(c->uri, "/dir/index.html");
  EXPECT_EQ(c->qop, "auth");
  EXPECT_EQ(c->nc, "00000001");
  EXPECT_EQ(c->cnonce, "0a4f113b");
  EXPECT_EQ(c->opaque, "5ccc069c403ebaf9f0171e9517f40e41");
  EXPECT_EQ(
      digest_response(digest_ha1("Mufasa", "testrealm@host.com", "Circle Of Life"), *c, "GET"),
      "6629fae49393a05397450978507c4ef1");
  EXPECT_TRUE(verify_digest(*c, "GET", "Circle Of Life"));
  EXPECT_FALSE(verify_digest(*c, "GET", "Circle of Life"));
  EXPECT_FALSE(verify_digest(*c, "POST", "Circle Of Life"));
}

// The LiveGBS walkthrough (chinasem.cn/article/666847; LiveGBS's default access password is
// 12345678): the camera's second REGISTER answers the platform's challenge with qop=auth.
TEST(Digest, LiveGbsRegisterVerifies) {
  auto m = parse_message(sample("register_livegbs_3_authorization.sip"));
  ASSERT_TRUE(m) << m.error().message;
  auto c = parse_authorization(*m->header("Authorization"));
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->username, "34020000001320000264");
  EXPECT_EQ(c->realm, "3402000000");
  EXPECT_EQ(c->nonce, "6eb1340d99c404a0e4d3b68d15d1d46f");
  EXPECT_EQ(c->uri, "sip:34020000002000000001@3402000000");
  EXPECT_EQ(c->algorithm, "MD5");
  EXPECT_EQ(c->qop, "auth");
  EXPECT_TRUE(verify_digest(*c, "REGISTER", "12345678"));
  EXPECT_FALSE(verify_digest(*c, "REGISTER", "123456789"));
  // Hex case does not matter.
  auto upper = *c;
  for (char& ch : upper.response)
    ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  EXPECT_TRUE(verify_digest(upper, "REGISTER", "12345678"));
}

// Without qop (RFC 2069 form, which many GB28181 cameras use). AudioCodes' SIP User's Manual
// ("SIP Authentication Example") gives HA1 a8f17d4b41ab8dab6c95d3c14e34a9e1 (its stated password
// does not reproduce that HA1; the manual's HA2 and final response are consistent with it),
// REGISTER sip:10.2.2.222, nonce 11432d6bce58ddf02e3b5e1c77c010d2, response b9c45d02....
TEST(Digest, WithoutQopFromPublishedHa1) {
  DigestCredentials c;
  c.username = "122";
  c.realm = "audiocodes.com";
  c.nonce = "11432d6bce58ddf02e3b5e1c77c010d2";
  c.uri = "sip:10.2.2.222";
  EXPECT_EQ(md5_hex("REGISTER:sip:10.2.2.222"), "a9a031cfddcb10d91c8e7b4926086f7e");
  EXPECT_EQ(digest_response("a8f17d4b41ab8dab6c95d3c14e34a9e1", c, "REGISTER"),
            "b9c45d0234a5abf5ddf5c704029b38cf");
}

TEST(Digest, ChallengeForGbRealm) {
  DigestChallenge ch;
  ch.realm = "3402000000";
  ch.nonce = "6eb1340d99c404a0e4d3b68d15d1d46f";
  EXPECT_EQ(www_authenticate(ch),
            "Digest realm=\"3402000000\",nonce=\"6eb1340d99c404a0e4d3b68d15d1d46f\","
            "qop=\"auth\",algorithm=MD5");
  ch.qop_auth = false;
  ch.stale = true;
  ch.opaque = "o\"1";
  EXPECT_EQ(www_authenticate(ch),
            "Digest realm=\"3402000000\",nonce=\"6eb1340d99c404a0e4d3b68d15d1d46f\","
            "opaque=\"o\\\"1\",stale=TRUE,algorithm=MD5");
}

TEST(Digest, AuthorizationRoundTrips) {
  DigestCredentials c;
  c.username = "34020000001320000001";
  c.realm = "3402000000";
  c.nonce = "n\"x";
  c.uri = "sip:34020000002000000001@3402000000";
  c.qop = "auth";
  c.nc = "00000002";
  c.cnonce = "abc";
  c.response = digest_response(digest_ha1(c.username, c.realm, "pw"), c, "REGISTER");
  auto parsed = parse_authorization(authorization(c));
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->nonce, "n\"x");
  EXPECT_TRUE(verify_digest(*parsed, "REGISTER", "pw"));
}

TEST(Digest, MalformedAuthorizationNamesTheParameter) {
  const std::pair<const char*, const char*> cases[] = {
      {"Basic dXNlcjpwdw==", "not Digest"},
      {"Digest", "no parameters"},
      {"Digest realm=\"r\", nonce=\"n\", uri=\"u\", response=\"6629fae49393a05397450978507c4ef1\"",
       "username is missing"},
      {"Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"xyz\"",
       "response is not 32 hex"},
      {"Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"u\", "
       "response=\"6629fae49393a05397450978507c4ef1\", algorithm=SHA-256",
       "algorithm SHA-256"},
      {"Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"u\", "
       "response=\"6629fae49393a05397450978507c4ef1\", qop=auth, cnonce=\"c\"",
       "nc is missing"},
      {"Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"u\", "
       "response=\"6629fae49393a05397450978507c4ef1\", qop=auth-int, nc=00000001, cnonce=\"c\"",
       "qop auth-int"},
      {"Digest username=\"u", "unterminated quote"},
      {"Digest username", "has no value"},
  };
  for (const auto& [header, expected] : cases) {
    auto c = parse_authorization(header);
    ASSERT_FALSE(c) << header;
    EXPECT_EQ(c.error().code, "invalid_authorization");
    EXPECT_NE(c.error().message.find(expected), std::string::npos)
        << expected << " not in: " << c.error().message;
  }
}

}  // namespace
}  // namespace quanyu::ingest::gb28181

#include "server/ingest/camera_push/multipart.hpp"

#include "gtest_include.hpp"
#include "ingest/camera_push/samples.hpp"

namespace quanyu::ingest::camera_push {
namespace {

using test::sample;

TEST(ContentType, QuotedAndTokenParameters) {
  auto t = parse_content_type(R"(Multipart/Mixed; Boundary="MIME_boundary"; charset="UTF-8")");
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->media_type, "multipart/mixed");
  EXPECT_TRUE(t->is_multipart());
  EXPECT_EQ(t->boundary, "MIME_boundary");
  EXPECT_EQ(t->charset, "UTF-8");

  // The ISAPI guide's listening-mode header has no blank after the ';'.
  t = parse_content_type("multipart/form-data;boundary=frontier");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->boundary, "frontier");

  t = parse_content_type(R"(multipart/form-data; boundary="a \"quoted\" b")");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->boundary, "a \"quoted\" b");

  t = parse_content_type("application/xml;");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->media_type, "application/xml");
  EXPECT_FALSE(t->is_multipart());

  t = parse_content_type("");
  ASSERT_TRUE(t);
  EXPECT_TRUE(t->media_type.empty());
}

TEST(ContentType, MalformedNamesTheProblem) {
  auto t = parse_content_type(R"(multipart/mixed; boundary="never closed)");
  ASSERT_FALSE(t);
  EXPECT_NE(t.error().message.find("boundary"), std::string::npos) << t.error().message;
  t = parse_content_type("xml");
  ASSERT_FALSE(t);
  EXPECT_NE(t.error().message.find("type/subtype"), std::string::npos);
}

// Dahua HTTP API (DAHUA_HTTP_API V2.x, eventManager.cgi?action=attach): the documented example
// stream. Its Content-Length counts the line end after the event line (39, 38) but not after
// "Heartbeat" (9); both must come out as the event text.
TEST(Multipart, DahuaExampleWithInconsistentContentLengths) {
  const std::string stream =
      sample("dahua_eventmanager_stream.bin");  // the parts are views into it
  auto m = split_multipart(stream, "myboundary");
  ASSERT_TRUE(m) << m.error().message;
  ASSERT_EQ(m->parts.size(), 3u);
  EXPECT_FALSE(m->closed);
  EXPECT_EQ(m->parts[0].type.media_type, "text/plain");
  EXPECT_EQ(m->parts[0].content_length, 39u);
  EXPECT_EQ(m->parts[0].body, "Code=VideoMotion;action=Start;index=0\r\n");
  EXPECT_EQ(m->parts[1].body, "Code=VideoBlind;action=Start;index=0\r\n");
  EXPECT_EQ(m->parts[2].body, "Heartbeat");
  EXPECT_EQ(m->parts[2].index, 3u);
}

// Constructed on the ISAPI guide's alert-stream layout: the JPEG part holds "--" and a whole
// fake delimiter line, which only its Content-Length can get past.
TEST(Multipart, ContentLengthCarriesBinaryPastAFakeDelimiter) {
  const std::string body = sample("isapi_fielddetection_multipart_mixed.bin");
  auto m = split_multipart(body, "MIME_boundary");
  ASSERT_TRUE(m) << m.error().message;
  ASSERT_EQ(m->parts.size(), 2u);
  EXPECT_TRUE(m->closed);
  EXPECT_EQ(m->parts[0].type.media_type, "application/xml");
  EXPECT_EQ(m->parts[0].type.charset, "UTF-8");
  EXPECT_EQ(m->parts[0].body, sample("isapi_fielddetection_ver20.xml"));
  const Part& jpeg = m->parts[1];
  EXPECT_EQ(jpeg.name, "intrusionImage");
  EXPECT_EQ(jpeg.filename, "intrusionImage.jpg");
  EXPECT_EQ(jpeg.type.media_type, "image/jpeg");
  ASSERT_EQ(jpeg.body.size(), 152u);
  EXPECT_EQ(static_cast<unsigned char>(jpeg.body.front()), 0xFF);
  EXPECT_EQ(static_cast<unsigned char>(jpeg.body.back()), 0xD9);
  EXPECT_NE(jpeg.body.find("\r\n--MIME_boundary\r\n"), std::string_view::npos);
  EXPECT_EQ(body.substr(jpeg.offset, jpeg.body.size()), jpeg.body);
}

// Captured Hikvision thermal-camera fireDetection push: an empty line between the first
// delimiter and its headers, and JPEG parts whose Content-Length (4, 5) is smaller than what
// they carry, so the delimiter decides.
TEST(Multipart, CapturedThermalPushQuirks) {
  const std::string stream =
      sample("isapi_fire_thermal_multipart.bin");  // the parts are views into it
  auto m = split_multipart(stream, "boundary");
  ASSERT_TRUE(m) << m.error().message;
  ASSERT_EQ(m->parts.size(), 3u);
  EXPECT_TRUE(m->closed);
  EXPECT_EQ(m->parts[0].name, "fireDetection");
  EXPECT_EQ(m->parts[0].content_length, 5297u);
  EXPECT_EQ(m->parts[0].body.size(), 5297u);
  EXPECT_EQ(m->parts[0].body.substr(0, 24), "<EventNotificationAlert>");
  EXPECT_EQ(m->parts[1].filename, "fireDetection.jpg");
  EXPECT_EQ(m->parts[1].body.size(), 15u);
  EXPECT_EQ(m->parts[2].body.size(), 11u);
}

TEST(Multipart, LineFeedsOnlyPreambleAndNoClosingDelimiter) {
  const std::string body = "preamble\n--b\nContent-Type: text/plain\n\nfirst\n--b\n\nsecond line\n";
  auto m = split_multipart(body, "b");
  ASSERT_TRUE(m) << m.error().message;
  ASSERT_EQ(m->parts.size(), 2u);
  EXPECT_FALSE(m->closed);
  EXPECT_EQ(m->parts[0].body, "first");
  EXPECT_TRUE(m->parts[1].type.media_type.empty());
  EXPECT_EQ(m->parts[1].body, "second line");
}

TEST(Multipart, BoundaryTextInsideALineIsNotADelimiter) {
  const std::string body = "--b\r\n\r\nsee --b here and\r\n--bb is another boundary\r\n--b--\r\n";
  auto m = split_multipart(body, "b");
  ASSERT_TRUE(m) << m.error().message;
  ASSERT_EQ(m->parts.size(), 1u);
  EXPECT_EQ(m->parts[0].body, "see --b here and\r\n--bb is another boundary");
}

TEST(Multipart, EmptyPartBody) {
  auto m = split_multipart("--b\r\nContent-Type: text/plain\r\n\r\n--b--", "b");
  ASSERT_TRUE(m) << m.error().message;
  ASSERT_EQ(m->parts.size(), 1u);
  EXPECT_TRUE(m->parts[0].body.empty());
}

TEST(Multipart, MissingDelimiterIsAnError) {
  const std::string stream =
      sample("isapi_fielddetection_ver20.xml");  // the parts are views into it
  auto m = split_multipart(stream, "MIME_boundary");
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, "invalid_multipart");
  EXPECT_NE(m.error().message.find("--MIME_boundary"), std::string::npos) << m.error().message;
  EXPECT_FALSE(split_multipart("--b\r\n\r\nx", ""));
}

TEST(Multipart, TruncatedPartsAreErrors) {
  const std::string body = sample("isapi_fielddetection_multipart_mixed.bin");
  // Cut inside the JPEG: its Content-Length runs past the end and no delimiter follows.
  const auto jpeg_at = body.find("\xFF\xD8\xFF\xE0");
  ASSERT_NE(jpeg_at, std::string::npos);
  const std::string cut = body.substr(0, jpeg_at + 40);
  auto m = split_multipart(cut, "MIME_boundary");
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message.find("multipart part 2: Content-Length 152"), std::string::npos)
      << m.error().message;
  EXPECT_NE(m.error().message.find("truncated"), std::string::npos);

  // Cut inside the second part's headers.
  const auto headers_at = body.find("Content-Disposition");
  const std::string cut_headers = body.substr(0, headers_at + 30);
  m = split_multipart(cut_headers, "MIME_boundary");
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message.find("multipart part 2: header block"), std::string::npos)
      << m.error().message;
}

TEST(Multipart, ClosingDelimiterMayBeMissingWhenThePartIsComplete) {
  std::string body = sample("isapi_fielddetection_multipart_mixed.bin");
  body = body.substr(0, body.find("\r\n--MIME_boundary--"));
  auto m = split_multipart(body, "MIME_boundary");
  ASSERT_TRUE(m) << m.error().message;
  ASSERT_EQ(m->parts.size(), 2u);
  EXPECT_FALSE(m->closed);
  EXPECT_EQ(m->parts[1].body.size(), 152u);
}

TEST(Multipart, MalformedHeaders) {
  auto m = split_multipart("--b\r\nthis is not a header\r\n\r\nbody\r\n--b--", "b");
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message.find("part 1: header line"), std::string::npos) << m.error().message;
  m = split_multipart("--b\r\nContent-Length: twelve\r\n\r\nbody\r\n--b--", "b");
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message.find("Content-Length \"twelve\""), std::string::npos);
}

TEST(Multipart, PartCountIsBounded) {
  std::string body;
  for (std::size_t i = 0; i <= kMaxParts; ++i) body += "--b\r\n\r\nx\r\n";
  body += "--b--";
  auto m = split_multipart(body, "b");
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message.find("more than"), std::string::npos);
}

}  // namespace
}  // namespace quanyu::ingest::camera_push

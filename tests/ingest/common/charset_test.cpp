#include "server/ingest/common/charset.hpp"

#include "gtest_include.hpp"

namespace quanyu::ingest {
namespace {

// "火警" (fire alarm) in GBK / GB18030 and in UTF-8.
const std::string kGbk = "\xBB\xF0\xBE\xAF";
const std::string kUtf8 = "\xE7\x81\xAB\xE8\xAD\xA6";

TEST(Charset, RecognisesUtf8) {
  EXPECT_TRUE(is_utf8("plain ascii"));
  EXPECT_TRUE(is_utf8(kUtf8));
  EXPECT_FALSE(is_utf8(kGbk));
  EXPECT_FALSE(is_utf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(is_utf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(is_utf8("\xF4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(is_utf8("\xE7\x81"));          // truncated
}

TEST(Charset, GbFamilyNames) {
  EXPECT_TRUE(is_gb_charset("GB2312"));
  EXPECT_TRUE(is_gb_charset("gbk"));
  EXPECT_TRUE(is_gb_charset("GB18030"));
  EXPECT_FALSE(is_gb_charset("UTF-8"));
}

TEST(Charset, DeclaredGb2312SentAsGbkDecodes) {
  auto text = decode_text(kGbk, "GB2312");
  ASSERT_TRUE(text) << text.error().message;
  EXPECT_EQ(*text, kUtf8);
}

TEST(Charset, DeclaredGb2312SentAsUtf8IsKept) {
  auto text = decode_text(kUtf8, "GB2312");
  ASSERT_TRUE(text);
  EXPECT_EQ(*text, kUtf8);
}

TEST(Charset, Gb18030FourByteSequence) {
  // U+20000 (𠀀, the first CJK Extension B character) is four bytes in GB18030, outside GBK.
  auto text = decode_text("\x95\x32\x82\x36", "GB18030");
  ASSERT_TRUE(text) << text.error().message;
  EXPECT_EQ(*text, "\xF0\xA0\x80\x80");
}

TEST(Charset, InvalidBytesNameTheirOffset) {
  auto text = decode_text("ok\xFF\xFF", "GB2312");
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error().code, "invalid_text");
  EXPECT_NE(text.error().message.find("byte 2"), std::string::npos) << text.error().message;
}

TEST(Charset, UnknownCharsetIsNamed) {
  auto text = decode_text("\xFF", "x-no-such-charset");
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error().code, "unsupported_charset");
  EXPECT_NE(text.error().message.find("x-no-such-charset"), std::string::npos);
}

TEST(Charset, Latin1AsDeclared) {
  auto text = decode_text("caf\xE9", "ISO-8859-1");
  ASSERT_TRUE(text);
  EXPECT_EQ(*text, "caf\xC3\xA9");
}

}  // namespace
}  // namespace quanyu::ingest

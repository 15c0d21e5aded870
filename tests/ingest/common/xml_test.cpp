#include "server/ingest/common/xml.hpp"

#include "gtest_include.hpp"

namespace quanyu::ingest::xml {
namespace {

TEST(Xml, LooksUpByLocalNameInAnyNamespace) {
  const std::string body =
      R"(<?xml version="1.0"?><cap:alert xmlns:cap="urn:oasis:names:tc:emergency:cap:1.2">)"
      R"(<cap:identifier> A-1 </cap:identifier><cap:info><cap:event>x</cap:event></cap:info>)"
      R"(<cap:info><cap:event>y</cap:event></cap:info></cap:alert>)";
  auto doc = Document::parse(body);
  ASSERT_TRUE(doc) << doc.error().message;
  Node root = doc->root();
  EXPECT_EQ(root.name(), "alert");
  EXPECT_EQ(root.ns(), "urn:oasis:names:tc:emergency:cap:1.2");
  EXPECT_EQ(root.child_text("identifier"), "A-1");
  ASSERT_EQ(root.children("info").size(), 2u);
  EXPECT_EQ(root.children("info")[1].child_text("event"), "y");
  EXPECT_FALSE(root.child("missing"));
  EXPECT_FALSE(root.child_text("missing").has_value());
  EXPECT_EQ(root.find("event").text(), "x");
}

TEST(Xml, DeclaredGb2312BodyInGbk) {
  // <Notify><Description>火警</Description></Notify>, declared GB2312, sent as GBK.
  const std::string body =
      "<?xml version=\"1.0\" encoding=\"GB2312\"?>\n<Notify><Description>\xBB\xF0\xBE\xAF"
      "</Description></Notify>";
  auto doc = Document::parse(body);
  ASSERT_TRUE(doc) << doc.error().message;
  EXPECT_EQ(doc->declared_encoding(), "GB2312");
  EXPECT_EQ(doc->root().child_text("Description"), "\xE7\x81\xAB\xE8\xAD\xA6");
}

TEST(Xml, DeclaredGb2312BodyInUtf8) {
  const std::string body =
      "<?xml version=\"1.0\" encoding=\"GB2312\"?>\n<Notify><Description>\xE7\x81\xAB\xE8\xAD\xA6"
      "</Description></Notify>";
  auto doc = Document::parse(body);
  ASSERT_TRUE(doc) << doc.error().message;
  EXPECT_EQ(doc->root().child_text("Description"), "\xE7\x81\xAB\xE8\xAD\xA6");
}

TEST(Xml, Attributes) {
  auto doc = Document::parse(R"(<a x="1" y='two'/>)");
  ASSERT_TRUE(doc);
  EXPECT_EQ(doc->root().attribute("y"), "two");
  EXPECT_FALSE(doc->root().attribute("z"));
}

TEST(Xml, MalformedNamesTheLine) {
  auto doc = Document::parse("<a>\n<b>\n</a>");
  ASSERT_FALSE(doc);
  EXPECT_EQ(doc.error().code, "invalid_xml");
  EXPECT_NE(doc.error().message.find("line 3"), std::string::npos) << doc.error().message;
}

TEST(Xml, EmptyIsAnError) {
  EXPECT_FALSE(Document::parse(""));
  EXPECT_FALSE(Document::parse("   "));
}

TEST(Xml, ExternalEntitiesAreNotLoaded) {
  const std::string body =
      R"(<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e SYSTEM "file:///etc/passwd">]><a>&e;</a>)";
  auto doc = Document::parse(body);
  if (doc) {
    EXPECT_EQ(doc->root().text().find("root:"), std::string::npos);
  }
}

TEST(Xml, DeclaredEncoding) {
  EXPECT_EQ(declared_encoding(R"(<?xml version="1.0" encoding='gbk'?><a/>)"), "gbk");
  EXPECT_EQ(declared_encoding("<a/>"), "");
  EXPECT_EQ(declared_encoding("\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"UTF-8\"?>"), "UTF-8");
}

}  // namespace
}  // namespace quanyu::ingest::xml

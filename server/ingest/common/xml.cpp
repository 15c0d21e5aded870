#include "server/ingest/common/xml.hpp"

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include <cctype>
#include <cstring>

#include "server/ingest/common/charset.hpp"
#include "server/ingest/common/text.hpp"

namespace quanyu::ingest::xml {
namespace {

std::string_view view(const xmlChar* s) {
  return s ? std::string_view(reinterpret_cast<const char*>(s)) : std::string_view{};
}

std::string trim(std::string_view s) { return std::string(ingest::trim(s, " \t\r\n\f\v")); }

// libxml2 reports errors through a per-thread handler that prints to stderr by default; feeds
// log their own one-line errors, so the handler is silenced and the context's last error read.
void ignore_error(void*, xmlError*) {}

}  // namespace

std::string_view Node::name() const { return node_ ? view(node_->name) : std::string_view{}; }

std::string_view Node::ns() const {
  return node_ && node_->ns ? view(node_->ns->href) : std::string_view{};
}

Node Node::child(std::string_view local) const {
  if (!node_) return {};
  for (xmlNode* c = node_->children; c; c = c->next) {
    if (c->type == XML_ELEMENT_NODE && view(c->name) == local) return Node(c);
  }
  return {};
}

std::vector<Node> Node::children(std::string_view local) const {
  std::vector<Node> out;
  if (!node_) return out;
  for (xmlNode* c = node_->children; c; c = c->next) {
    if (c->type == XML_ELEMENT_NODE && view(c->name) == local) out.emplace_back(c);
  }
  return out;
}

std::vector<Node> Node::elements() const {
  std::vector<Node> out;
  if (!node_) return out;
  for (xmlNode* c = node_->children; c; c = c->next) {
    if (c->type == XML_ELEMENT_NODE) out.emplace_back(c);
  }
  return out;
}

Node Node::find(std::string_view local) const {
  if (!node_) return {};
  for (xmlNode* c = node_->children; c; c = c->next) {
    if (c->type != XML_ELEMENT_NODE) continue;
    if (view(c->name) == local) return Node(c);
    if (Node deeper = Node(c).find(local)) return deeper;
  }
  return {};
}

std::string Node::text() const {
  if (!node_) return {};
  xmlChar* content = xmlNodeGetContent(node_);
  std::string out = trim(view(content));
  xmlFree(content);
  return out;
}

std::optional<std::string> Node::child_text(std::string_view local) const {
  Node c = child(local);
  if (!c) return std::nullopt;
  return c.text();
}

std::optional<std::string> Node::attribute(std::string_view local) const {
  if (!node_) return std::nullopt;
  for (xmlAttr* a = node_->properties; a; a = a->next) {
    if (view(a->name) != local) continue;
    xmlChar* value = xmlNodeListGetString(node_->doc, a->children, 1);
    std::string out(view(value));
    xmlFree(value);
    return out;
  }
  return std::nullopt;
}

int Node::line() const { return node_ ? static_cast<int>(xmlGetLineNo(node_)) : 0; }

std::string declared_encoding(std::string_view bytes) {
  // Skip a UTF-8 byte order mark and leading white space.
  if (bytes.substr(0, 3) == "\xEF\xBB\xBF") bytes.remove_prefix(3);
  while (!bytes.empty() && std::isspace(static_cast<unsigned char>(bytes.front()))) {
    bytes.remove_prefix(1);
  }
  if (bytes.substr(0, 5) != "<?xml") return {};
  const auto end = bytes.find("?>");
  const std::string_view decl = bytes.substr(0, end);
  const auto key = decl.find("encoding");
  if (key == std::string_view::npos) return {};
  auto p = decl.find_first_of("\"'", key);
  if (p == std::string_view::npos) return {};
  const char quote = decl[p];
  const auto close = decl.find(quote, p + 1);
  if (close == std::string_view::npos) return {};
  return std::string(decl.substr(p + 1, close - p - 1));
}

Result<Document> Document::parse(std::string_view bytes, std::string_view charset) {
  Document document;
  document.declared_encoding_ = xml::declared_encoding(bytes);
  const std::string_view named = charset.empty() ? document.declared_encoding_ : charset;

  // Text of the GB family, undeclared text and mislabelled UTF-8 are turned into UTF-8 here and
  // handed to libxml2 as UTF-8 whatever the declaration says; libxml2 decodes everything else.
  std::string decoded;
  std::string force;  // the encoding libxml2 is told to use, overriding the declaration
  if (named.empty() || is_gb_charset(named) || is_utf8(bytes)) {
    auto text = decode_text(bytes, named);
    if (!text) return text.error();
    decoded = std::move(text).value();
    bytes = decoded;
    force = "UTF-8";
  } else if (!charset.empty()) {
    force = std::string(charset);
  }

  if (bytes.size() > static_cast<std::size_t>(INT32_MAX)) {
    return Error{"invalid_xml", "document too large"};
  }
  xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
  if (!ctxt) return Error{"invalid_xml", "out of memory"};
  std::unique_ptr<xmlParserCtxt, void (*)(xmlParserCtxtPtr)> guard(ctxt, xmlFreeParserCtxt);
  xmlSetStructuredErrorFunc(nullptr, ignore_error);
  const int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;
  xmlDoc* doc = xmlCtxtReadMemory(ctxt, bytes.data(), static_cast<int>(bytes.size()), nullptr,
                                  force.empty() ? nullptr : force.c_str(), options);
  if (!doc || !ctxt->wellFormed) {
    if (doc) xmlFreeDoc(doc);
    const xmlError* err = xmlCtxtGetLastError(ctxt);
    std::string reason = err && err->message ? trim(err->message) : "not well-formed";
    const int line = err ? err->line : 0;
    return Error{"invalid_xml", "XML line " + std::to_string(line) + ": " + reason};
  }
  document.doc_.reset(doc);
  if (!document.root()) return Error{"invalid_xml", "XML document has no root element"};
  return document;
}

Node Document::root() const { return Node(doc_ ? xmlDocGetRootElement(doc_.get()) : nullptr); }

}  // namespace quanyu::ingest::xml

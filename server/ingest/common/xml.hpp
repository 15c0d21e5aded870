#pragma once
/// A small read-only view over libxml2 for feed messages. Devices disagree about namespaces
/// (Hikvision sends ver20, isapi.org or none; CAP comes with a default or a prefixed namespace),
/// so lookups go by local name and ignore the namespace unless asked. Parsing never touches the
/// network, never expands external entities and never loads a DTD.

#include <libxml/tree.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gis/geo/result.hpp"

namespace quanyu::ingest::xml {

/// A non-owning handle to an element of a Document; false when a lookup found nothing.
class Node {
 public:
  Node() = default;
  explicit Node(xmlNode* node) : node_(node) {}

  explicit operator bool() const { return node_ != nullptr; }
  /// The local name, without prefix.
  std::string_view name() const;
  /// The namespace URI, or empty.
  std::string_view ns() const;

  /// The first child element with this local name (any namespace).
  Node child(std::string_view local) const;
  /// All child elements with this local name, in document order.
  std::vector<Node> children(std::string_view local) const;
  /// All child elements.
  std::vector<Node> elements() const;
  /// The first descendant (depth first) with this local name.
  Node find(std::string_view local) const;

  /// The element's text content, with leading and trailing white space removed.
  std::string text() const;
  /// The text of child `local`, or nullopt when there is no such child.
  std::optional<std::string> child_text(std::string_view local) const;
  /// An attribute by local name, or nullopt.
  std::optional<std::string> attribute(std::string_view local) const;
  /// Line in the source, for error messages.
  int line() const;

 private:
  xmlNode* node_ = nullptr;
};

class Document {
 public:
  /// Parses `bytes`. The charset comes from `charset` if given (e.g. the HTTP or SIP
  /// Content-Type), else from the XML declaration; GB-family or mislabelled text goes through
  /// decode_text() first. An error names the line and libxml2's reason.
  static Result<Document> parse(std::string_view bytes, std::string_view charset = {});

  Node root() const;
  /// The encoding the document declared in its XML declaration, or empty.
  const std::string& declared_encoding() const { return declared_encoding_; }

 private:
  struct Free {
    void operator()(xmlDoc* doc) const { xmlFreeDoc(doc); }
  };
  std::unique_ptr<xmlDoc, Free> doc_;
  std::string declared_encoding_;
};

/// The encoding named in an XML declaration at the start of `bytes` (`<?xml ... encoding="X"?>`),
/// or empty.
std::string declared_encoding(std::string_view bytes);

}  // namespace quanyu::ingest::xml

#include "server/ingest/gb28181/digest.hpp"
#include "server/ingest/common/text.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <array>
#include <cctype>
#include <utility>

namespace quanyu::ingest::gb28181 {
namespace {

constexpr std::string_view kHex = "0123456789abcdef";

bool is_lws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool is_hex(std::string_view s) {
  for (const char c : s) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

Error invalid(std::string message) {
  return Error{"invalid_authorization", "Authorization: " + std::move(message)};
}

// A quoted-string with backslash escapes (RFC 3261 §25.1); the quotes must not be forgotten.
std::string quote(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string md5_hex(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_md5(), nullptr);
  std::string out;
  out.reserve(2 * length);
  for (unsigned int i = 0; i < length; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xF];
  }
  return out;
}

std::string www_authenticate(const DigestChallenge& challenge) {
  std::string out = "Digest realm=" + quote(challenge.realm) + ",nonce=" + quote(challenge.nonce);
  if (!challenge.opaque.empty()) out += ",opaque=" + quote(challenge.opaque);
  if (challenge.qop_auth) out += ",qop=\"auth\"";
  if (challenge.stale) out += ",stale=TRUE";
  out += ",algorithm=MD5";
  return out;
}

Result<DigestCredentials> parse_authorization(std::string_view value) {
  value = trim(value);
  std::size_t pos = 0;
  while (pos < value.size() && !is_lws(value[pos])) ++pos;
  const std::string_view scheme = value.substr(0, pos);
  if (!iequals(scheme, "Digest")) {
    return invalid("scheme \"" + std::string(scheme.substr(0, 16)) + "\" is not Digest");
  }
  DigestCredentials c;
  bool seen_any = false;
  while (pos < value.size()) {
    while (pos < value.size() && (is_lws(value[pos]) || value[pos] == ',')) ++pos;
    if (pos >= value.size()) break;
    const std::size_t name_start = pos;
    while (pos < value.size() && value[pos] != '=' && value[pos] != ',' && !is_lws(value[pos])) {
      ++pos;
    }
    const std::string_view name = value.substr(name_start, pos - name_start);
    while (pos < value.size() && is_lws(value[pos])) ++pos;
    if (pos >= value.size() || value[pos] != '=') {
      return invalid("parameter \"" + std::string(name.substr(0, 32)) + "\" has no value");
    }
    ++pos;
    while (pos < value.size() && is_lws(value[pos])) ++pos;
    std::string v;
    if (pos < value.size() && value[pos] == '"') {
      ++pos;
      bool closed = false;
      while (pos < value.size()) {
        const char ch = value[pos++];
        if (ch == '\\' && pos < value.size()) {
          v += value[pos++];
        } else if (ch == '"') {
          closed = true;
          break;
        } else {
          v += ch;
        }
      }
      if (!closed)
        return invalid("parameter " + std::string(name.substr(0, 32)) +
                       " has an unterminated quote");
    } else {
      const std::size_t start = pos;
      while (pos < value.size() && value[pos] != ',' && !is_lws(value[pos])) ++pos;
      v = std::string(value.substr(start, pos - start));
    }
    seen_any = true;
    // Unknown parameters (auth-param extensions) are ignored, as RFC 2617 §3.2.2 asks.
    if (iequals(name, "username")) {
      c.username = std::move(v);
    } else if (iequals(name, "realm")) {
      c.realm = std::move(v);
    } else if (iequals(name, "nonce")) {
      c.nonce = std::move(v);
    } else if (iequals(name, "uri")) {
      c.uri = std::move(v);
    } else if (iequals(name, "response")) {
      c.response = std::move(v);
    } else if (iequals(name, "algorithm")) {
      c.algorithm = std::move(v);
    } else if (iequals(name, "qop")) {
      c.qop = std::move(v);
    } else if (iequals(name, "nc")) {
      c.nc = std::move(v);
    } else if (iequals(name, "cnonce")) {
      c.cnonce = std::move(v);
    } else if (iequals(name, "opaque")) {
      c.opaque = std::move(v);
    }
  }
  if (!seen_any) return invalid("no parameters");
  for (const auto& [field, name] : {std::pair{&c.username, "username"},
                                    {&c.realm, "realm"},
                                    {&c.nonce, "nonce"},
                                    {&c.uri, "uri"},
                                    {&c.response, "response"}}) {
    if (field->empty()) return invalid(std::string(name) + " is missing");
  }
  if (!c.algorithm.empty() && !iequals(c.algorithm, "MD5")) {
    return invalid("algorithm " + c.algorithm.substr(0, 32) + " is not MD5");
  }
  if (c.response.size() != 32 || !is_hex(c.response)) {
    return invalid("response is not 32 hex digits");
  }
  if (!c.qop.empty()) {
    if (!iequals(c.qop, "auth")) return invalid("qop " + c.qop.substr(0, 32) + " is not auth");
    if (c.nc.empty()) return invalid("nc is missing with qop=auth");
    if (c.cnonce.empty()) return invalid("cnonce is missing with qop=auth");
    if (c.nc.size() != 8 || !is_hex(c.nc)) return invalid("nc is not 8 hex digits");
  }
  return c;
}

std::string authorization(const DigestCredentials& c) {
  std::string out = "Digest username=" + quote(c.username) + ", realm=" + quote(c.realm) +
                    ", nonce=" + quote(c.nonce) + ", uri=" + quote(c.uri) +
                    ", response=" + quote(c.response);
  if (!c.algorithm.empty()) out += ", algorithm=" + c.algorithm;
  if (!c.cnonce.empty()) out += ", cnonce=" + quote(c.cnonce);
  if (!c.opaque.empty()) out += ", opaque=" + quote(c.opaque);
  if (!c.qop.empty()) out += ", qop=" + c.qop;
  if (!c.nc.empty()) out += ", nc=" + c.nc;
  return out;
}

std::string digest_ha1(std::string_view username, std::string_view realm,
                       std::string_view password) {
  std::string a1;
  a1.reserve(username.size() + realm.size() + password.size() + 2);
  a1.append(username).append(":").append(realm).append(":").append(password);
  return md5_hex(a1);
}

std::string digest_response(std::string_view ha1, const DigestCredentials& c,
                            std::string_view method) {
  std::string a2;
  a2.append(method).append(":").append(c.uri);
  const std::string ha2 = md5_hex(a2);
  std::string kd;
  kd.append(ha1).append(":").append(c.nonce).append(":");
  if (!c.qop.empty()) {
    // RFC 2617 §3.2.2.1: the qop value as the client sent it ("auth").
    kd.append(c.nc).append(":").append(c.cnonce).append(":").append(c.qop).append(":");
  }
  kd.append(ha2);
  return md5_hex(kd);
}

bool verify_digest(const DigestCredentials& c, std::string_view method, std::string_view password) {
  const std::string expected =
      digest_response(digest_ha1(c.username, c.realm, password), c, method);
  if (c.response.size() != expected.size()) return false;
  std::string given = c.response;
  for (char& ch : given) ch = ascii_lower(ch);
  return CRYPTO_memcmp(given.data(), expected.data(), expected.size()) == 0;
}

}  // namespace quanyu::ingest::gb28181

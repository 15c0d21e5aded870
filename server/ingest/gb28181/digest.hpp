#pragma once
/// HTTP Digest authentication as SIP uses it (RFC 2617 with RFC 3261 §22), MD5 only, with and
/// without qop=auth: the scheme GB/T 28181-2016 §9.1.2 prescribes for a device's REGISTER. The
/// platform challenges with a realm (its 10-digit SIP domain, e.g. "3402000000") and a nonce the
/// caller generated; the device answers with an Authorization header whose response the platform
/// recomputes from the device's password. Pure functions: the caller owns nonces and passwords.

#include <string>
#include <string_view>

#include "gis/geo/result.hpp"

namespace quanyu::ingest::gb28181 {

/// What the platform puts in WWW-Authenticate.
struct DigestChallenge {
  std::string realm;
  std::string nonce;
  bool qop_auth =
      true;            ///< offer qop="auth" (most devices use it when offered; all can do without)
  bool stale = false;  ///< the device's nonce expired: it may retry with the same password
  std::string opaque;  ///< echoed back by the device when not empty
};

/// The header value, e.g. `Digest realm="3402000000",nonce="...",qop="auth",algorithm=MD5`.
std::string www_authenticate(const DigestChallenge& challenge);

/// The parameters of an `Authorization: Digest ...` header value.
struct DigestCredentials {
  std::string username;
  std::string realm;
  std::string nonce;
  std::string uri;
  std::string response;   ///< 32 hex digits
  std::string algorithm;  ///< empty or "MD5"
  std::string qop;        ///< empty or "auth"
  std::string nc;         ///< 8 hex digits when qop is present
  std::string cnonce;
  std::string opaque;
};

/// Parses the value of an Authorization (or Proxy-Authorization) header. Parameter names are
/// case-insensitive, values quoted or not, separated by commas with optional white space.
/// Errors (code "invalid_authorization") name the parameter: a scheme other than Digest, a missing
/// username/realm/nonce/uri/response, an algorithm other than MD5, a qop other than auth, a qop
/// without nc or cnonce, a response that is not 32 hex digits.
Result<DigestCredentials> parse_authorization(std::string_view value);

/// The header value a device would send for `credentials` (used by tests and simulators).
std::string authorization(const DigestCredentials& credentials);

/// Lowercase hex MD5 of `data`.
std::string md5_hex(std::string_view data);
/// HA1 = MD5(username:realm:password).
std::string digest_ha1(std::string_view username, std::string_view realm,
                       std::string_view password);
/// The expected response for a request method (e.g. "REGISTER"), given HA1 (RFC 2617 §3.2.2.1):
/// MD5(HA1:nonce:nc:cnonce:qop:HA2) with qop, MD5(HA1:nonce:HA2) without, HA2 = MD5(method:uri).
std::string digest_response(std::string_view ha1, const DigestCredentials& credentials,
                            std::string_view method);
/// True when the credentials' response matches `password` for `method`. The comparison takes
/// the same time whatever the digits, and hex case is ignored.
bool verify_digest(const DigestCredentials& credentials, std::string_view method,
                   std::string_view password);

}  // namespace quanyu::ingest::gb28181

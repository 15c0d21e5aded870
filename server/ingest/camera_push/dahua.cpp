// Dahua event lines, as the HTTP API's eventManager writes them and as Dahua cameras push them:
//   Code=CrossLineDetection;action=Start;index=0;data={ ...JSON, possibly over many lines... }
//   Heartbeat
// in a text body or in the text/plain parts of a multipart/x-mixed-replace body.
#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "server/ingest/camera_push/camera_push.hpp"
#include "server/ingest/camera_push/multipart.hpp"
#include "server/ingest/camera_push/push_support.hpp"
#include "server/ingest/common/charset.hpp"
#include "server/ingest/common/time.hpp"

namespace quanyu::ingest::camera_push {
namespace {

using detail::iequals;
using detail::lower;
using detail::quoted;
using detail::trim;
using google::protobuf::Struct;

/// Latest time accepted for data.UTC: 9999-12-31T23:59:59Z.
constexpr double kMaxUtcSeconds = 253402300799.0;

Error bad(const std::string& where, const std::string& message,
          const std::string& code = "invalid_dahua_event") {
  return Error{code, where + ": " + message};
}

struct Event {
  std::string where;  ///< "body line 3" or "multipart part 2 line 1"
  std::string code;
  std::string action;
  std::optional<std::string> index;
  std::optional<Struct> data;
};

/// The end (one past the closing brace) of the JSON object starting at `open`, or npos when it
/// does not close. Nesting is bounded by kMaxJsonDepth; `too_deep` reports going past it.
std::size_t json_object_end(std::string_view text, std::size_t open, bool& too_deep) {
  int depth = 0;
  bool in_string = false;
  too_deep = false;
  for (std::size_t i = open; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > detail::kMaxJsonDepth) {
        too_deep = true;
        return std::string_view::npos;
      }
    } else if (c == '}' || c == ']') {
      if (--depth == 0) return i + 1;
      if (depth < 0) return std::string_view::npos;
    }
  }
  return std::string_view::npos;
}

class DahuaReader {
 public:
  DahuaReader(std::string_view device, std::int64_t received_at_us, const PushOptions& options)
      : received_at_us_(received_at_us), options_(options) {
    result_.device_id = std::string(device);
  }

  /// Reads the event lines of one text (a body or a part).
  std::optional<Error> read_text(std::string_view bytes, std::string_view charset,
                                 const std::string& where) {
    auto decoded = decode_text(bytes, charset);
    if (!decoded) return bad(where, decoded.error().message, decoded.error().code);
    const std::string& text = *decoded;
    std::size_t p = 0;
    int line_no = 0;
    while (p < text.size()) {
      ++line_no;
      std::size_t nl = text.find('\n', p);
      if (nl == std::string::npos) nl = text.size();
      const std::string_view line = trim(std::string_view(text).substr(p, nl - p));
      const std::string line_where = where + " line " + std::to_string(line_no);
      if (line.empty()) {
        p = nl + 1;
        continue;
      }
      if (iequals(line, "Heartbeat")) {
        ++result_.keepalives;
        p = nl + 1;
        continue;
      }
      if (line.size() < 5 || !iequals(line.substr(0, 5), "Code=")) {
        return bad(line_where, quoted(line) + " is neither an event line (Code=...) nor Heartbeat");
      }
      if (++events_ > kMaxEventsPerBody) {
        return bad(where, "more than " + std::to_string(kMaxEventsPerBody) + " events");
      }
      Event event;
      event.where = line_where;
      auto next = read_event(text, p, event);
      if (!next) return next.error();
      // A data JSON may run over several lines; count them so later messages name the right one.
      for (std::size_t i = p; i + 1 < *next && i < text.size(); ++i) {
        if (text[i] == '\n') ++line_no;
      }
      p = *next;
      if (auto e = add(event)) return e;
    }
    return std::nullopt;
  }

  void add_attachment(const Part& part, std::string media_type) {
    result_.attachments.push_back(
        Attachment{part.name, part.filename, std::move(media_type), part.body.size()});
  }
  void add_other() { ++result_.other_parts; }
  PushResult take() { return std::move(result_); }

 private:
  /// Reads "key=value;key=value;...;data={json}" starting at `p`; returns where the next line
  /// starts.
  Result<std::size_t> read_event(const std::string& text, std::size_t p, Event& event) {
    const std::string_view all(text);
    while (true) {
      // One key=value pair; `p` is at the key.
      while (p < all.size() && (all[p] == ' ' || all[p] == '\t')) ++p;
      const std::size_t eq = all.find_first_of("=;\n", p);
      if (eq == std::string_view::npos || all[eq] != '=') {
        const std::size_t stop = eq == std::string_view::npos ? all.size() : eq;
        return bad(event.where, "expected key=value, got " + quoted(all.substr(p, stop - p)));
      }
      const std::string key(trim(all.substr(p, eq - p)));
      p = eq + 1;
      if (iequals(key, "data")) {
        while (p < all.size() && (all[p] == ' ' || all[p] == '\t')) ++p;
        if (p < all.size() && all[p] == '{') {
          bool too_deep = false;
          const std::size_t end = json_object_end(all, p, too_deep);
          if (too_deep) {
            return bad(event.where, "data: JSON nests deeper than " +
                                        std::to_string(detail::kMaxJsonDepth) + " levels");
          }
          if (end == std::string_view::npos) return bad(event.where, "data: JSON does not close");
          auto data = detail::parse_json_object(all.substr(p, end - p), "data");
          if (!data) return bad(event.where, data.error().message, data.error().code);
          event.data = std::move(data).value();
          p = end;
          const std::size_t nl = all.find('\n', p);
          const std::size_t stop = nl == std::string_view::npos ? all.size() : nl;
          if (!trim(all.substr(p, stop - p)).empty()) {
            return bad(event.where,
                       "text after the data JSON: " + quoted(trim(all.substr(p, stop - p))));
          }
          return stop == all.size() ? stop : stop + 1;
        }
        // Non-JSON data is not something any documented event sends; it carries nothing we use.
        const std::size_t nl = all.find('\n', p);
        return nl == std::string_view::npos ? all.size() : nl + 1;
      }
      const std::size_t end = all.find_first_of(";\n", p);
      const std::size_t stop = end == std::string_view::npos ? all.size() : end;
      const std::string value(trim(all.substr(p, stop - p)));
      if (iequals(key, "Code")) {
        event.code = value;
      } else if (iequals(key, "action")) {
        event.action = value;
      } else if (iequals(key, "index")) {
        event.index = value;
      }
      if (stop == all.size() || all[stop] == '\n') {
        return stop == all.size() ? stop : stop + 1;
      }
      p = stop + 1;  // past ';'
      // A trailing ';' before the line end ends the event.
      std::size_t q = p;
      while (q < all.size() && (all[q] == ' ' || all[q] == '\t' || all[q] == '\r')) ++q;
      if (q >= all.size()) return all.size();
      if (all[q] == '\n') return q + 1;
    }
  }

  /// The event time: data.UTC (+UTCMS), else data.LocaleTime (Beijing), else the receipt time.
  Result<std::optional<std::int64_t>> event_time(const Event& e) const {
    if (e.data) {
      if (const auto utc = detail::member_text(*e.data, "UTC")) {
        const auto seconds = detail::parse_number(trim(*utc));
        if (!seconds || *seconds <= 0.0 || *seconds > kMaxUtcSeconds) {
          return bad(e.where, "data.UTC: " + quoted(*utc) + " is not a time in seconds");
        }
        auto us = static_cast<std::int64_t>(std::llround(*seconds * 1e6));
        if (const auto ms_text = detail::member_text(*e.data, "UTCMS")) {
          const auto ms = detail::parse_digits(trim(*ms_text));
          if (!ms || *ms > 999) {
            return bad(e.where, "data.UTCMS: " + quoted(*ms_text) + " is not 0..999");
          }
          // UTCMS adds milliseconds to a whole-second UTC; a fractional UTC already has them.
          if (std::floor(*seconds) == *seconds) us += *ms * 1000;
        }
        return std::optional<std::int64_t>(us);
      }
      if (const auto local = detail::member_text(*e.data, "LocaleTime")) {
        auto t = parse_datetime_us(*local, kBeijingOffsetMinutes);
        if (!t) return bad(e.where, "data.LocaleTime: " + t.error().message, t.error().code);
        return std::optional<std::int64_t>(*t);
      }
    }
    if (received_at_us_ > 0) return std::optional<std::int64_t>(received_at_us_);
    return std::optional<std::int64_t>{};
  }

  std::optional<Error> add(const Event& e) {
    if (e.code.empty()) return bad(e.where, "Code: missing");
    if (e.code.size() > 64) return bad(e.where, "Code: " + quoted(e.code) + " is too long");
    const std::string action = lower(e.action);
    if (action != "start" && action != "stop" && action != "pulse") {
      return bad(e.where, "action: " + quoted(e.action) + " is not Start, Stop or Pulse");
    }
    std::string index;
    if (e.index) {
      index = *e.index;
      const auto n = detail::parse_digits(index);
      if (!n || *n > 9999) return bad(e.where, "index: " + quoted(index) + " is not a channel");
    }
    auto time = event_time(e);
    if (!time) return time.error();

    if (action == "stop") {
      ++result_.ended;
      return std::nullopt;
    }
    const detail::Mapping mapping = detail::map_dahua_event(e.code);
    if (mapping.kind == detail::Kind::kUnsupported) {
      detail::note_unsupported(result_, e.code);
      return std::nullopt;
    }
    if (mapping.kind == detail::Kind::kMotion && !options_.report_motion) {
      ++result_.motion;
      return std::nullopt;
    }
    if (!*time) {
      return bad(e.where,
                 "no event time: data has no UTC or LocaleTime and no receipt time "
                 "was given",
                 "missing_time");
    }
    detail::EventFacts facts;
    facts.source_kind = "dahua";
    facts.device_id = result_.device_id;
    facts.channel = index;
    facts.event_type = e.code;
    facts.observed_us = **time;
    std::string counters;
    if (e.data) {
      for (const std::string_view key : {"EventID", "EventSeq", "GroupID"}) {
        counters += detail::member_text(*e.data, key).value_or("");
        counters += '/';
      }
    }
    facts.counters = counters;
    facts.description = describe(e);
    facts.confidence = confidence(e);
    facts.flame = mapping.flame;
    result_.observations.push_back(detail::make_observation(facts, mapping));
    return std::nullopt;
  }

  static std::string describe(const Event& e) {
    std::string out = e.code + " " + e.action;
    if (e.index) out += "; channel index " + *e.index;
    if (e.data) {
      if (const auto name = detail::member_text(*e.data, "Name"); name && !name->empty()) {
        out += "; rule " + *name;
      }
      if (const google::protobuf::Value* object = detail::member(*e.data, "Object");
          object != nullptr && object->has_struct_value()) {
        if (const auto type = detail::member_text(object->struct_value(), "ObjectType");
            type && !type->empty()) {
          out += "; object " + *type;
        }
      }
      if (const auto direction = detail::member_text(*e.data, "Direction");
          direction && !direction->empty()) {
        out += "; " + *direction;
      }
    }
    return out;
  }

  /// Object.Confidence (0..100) when the device gives a positive one, else 0 (unknown).
  static double confidence(const Event& e) {
    if (!e.data) return 0.0;
    const google::protobuf::Value* object = detail::member(*e.data, "Object");
    if (object == nullptr || !object->has_struct_value()) return 0.0;
    const auto text = detail::member_text(object->struct_value(), "Confidence");
    if (!text) return 0.0;
    const auto v = detail::parse_number(*text);
    if (!v || *v <= 0.0) return 0.0;
    return *v > 1.0 ? std::min(*v, 100.0) / 100.0 : *v;
  }

  std::int64_t received_at_us_;
  PushOptions options_;
  PushResult result_;
  std::size_t events_ = 0;
};

bool is_text_part(std::string_view media_type) {
  return media_type.empty() || media_type.rfind("text/", 0) == 0 ||
         media_type == "application/octet-stream" ||
         media_type == "application/x-www-form-urlencoded";
}

}  // namespace

Result<PushResult> parse_dahua(std::string_view body, std::string_view content_type,
                               std::string_view device_hint, std::int64_t received_at_us,
                               const PushOptions& options) {
  if (device_hint.empty()) {
    return Error{"invalid_device_id",
                 "device hint: required for Dahua pushes (event lines do not name the device)"};
  }
  if (auto e = detail::check_device_id(device_hint, "device hint")) return *e;
  if (trim(body).empty()) return Error{"invalid_dahua_event", "body: empty"};
  auto type = parse_content_type(content_type);
  if (!type) return type.error();
  DahuaReader reader(device_hint, received_at_us, options);

  if (type->is_multipart()) {
    if (type->boundary.empty()) {
      return Error{"invalid_multipart",
                   "Content-Type " + quoted(content_type) + " has no boundary parameter"};
    }
    auto multipart = split_multipart(body, type->boundary);
    if (!multipart) return multipart.error();
    for (const Part& part : multipart->parts) {
      const std::string& media = part.type.media_type;
      if (media.rfind("image/", 0) == 0) {
        reader.add_attachment(part, media);
      } else if (is_text_part(media)) {
        if (auto e = reader.read_text(part.body, part.type.charset,
                                      "multipart part " + std::to_string(part.index))) {
          return *e;
        }
      } else {
        reader.add_other();
      }
    }
    return reader.take();
  }
  if (type->media_type.rfind("image/", 0) == 0) {
    Part whole;
    whole.body = body;
    reader.add_attachment(whole, type->media_type);
    return reader.take();
  }
  if (!is_text_part(type->media_type)) {
    return Error{"unsupported_content_type",
                 "Content-Type " + quoted(content_type) + " is not text or multipart"};
  }
  if (auto e = reader.read_text(body, type->charset, "body")) return *e;
  return reader.take();
}

}  // namespace quanyu::ingest::camera_push

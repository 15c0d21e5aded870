#include "engine/journal/sqlite.hpp"

#include <climits>
#include <utility>

#include "engine/journal/journal.hpp"

namespace quanyu::engine::sqlite {
namespace {

int to_int_size(const Database& db, std::size_t size) {
  if (size > static_cast<std::size_t>(INT_MAX)) db.fail_plain("value too large for SQLite");
  return static_cast<int>(size);
}

}  // namespace

Database::Database(std::filesystem::path path, Mode mode, std::chrono::milliseconds busy_timeout)
    : path_(std::move(path)) {
  // The journal serialises access to each connection itself, so SQLite's per-connection mutex
  // would only cost time (SQLITE_OPEN_NOMUTEX).
  const int flags = (mode == Mode::kReadWrite ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                                              : SQLITE_OPEN_READONLY) |
                    SQLITE_OPEN_NOMUTEX;
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path_.c_str(), &db, flags, nullptr);
  // sqlite3_open_v2 hands out a handle even on failure (it carries the message), so own it first.
  db_.reset(db);
  if (rc != SQLITE_OK) {
    if (db_ == nullptr) fail_plain("cannot open: out of memory");
    fail("cannot open");
  }
  sqlite3_extended_result_codes(db_.get(), 1);
  sqlite3_busy_timeout(db_.get(), static_cast<int>(busy_timeout.count()));
}

void Database::exec(std::string_view sql) {
  const std::string text(sql);
  if (sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) fail(text);
}

Statement Database::prepare(std::string_view sql, bool persistent) {
  sqlite3_stmt* statement = nullptr;
  const int rc =
      sqlite3_prepare_v3(db_.get(), sql.data(), to_int_size(*this, sql.size()),
                         persistent ? SQLITE_PREPARE_PERSISTENT : 0u, &statement, nullptr);
  Statement owned(*this, statement);
  if (rc != SQLITE_OK) fail("prepare \"" + std::string(sql) + "\"");
  return owned;
}

bool Database::autocommit() const { return sqlite3_get_autocommit(db_.get()) != 0; }

void Database::fail(std::string_view what) const {
  const char* message = db_ != nullptr ? sqlite3_errmsg(db_.get()) : "unknown error";
  throw JournalError("journal " + path_.string() + ": " + std::string(what) + ": " + message);
}

void Database::fail_plain(std::string_view what) const {
  throw JournalError("journal " + path_.string() + ": " + std::string(what));
}

void Statement::bind(int index, std::int64_t value) {
  if (sqlite3_bind_int64(statement_.get(), index, value) != SQLITE_OK) db_->fail("bind");
}

void Statement::bind_blob(int index, std::string_view bytes) {
  // SQLITE_STATIC: the caller keeps the bytes alive until reset(), which saves a copy per row.
  if (sqlite3_bind_blob(statement_.get(), index, bytes.data(), to_int_size(*db_, bytes.size()),
                        SQLITE_STATIC) != SQLITE_OK) {
    db_->fail("bind");
  }
}

void Statement::bind_text(int index, std::string_view text) {
  if (sqlite3_bind_text(statement_.get(), index, text.data(), to_int_size(*db_, text.size()),
                        SQLITE_TRANSIENT) != SQLITE_OK) {
    db_->fail("bind");
  }
}

bool Statement::step(std::string_view what) {
  const int rc = sqlite3_step(statement_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  db_->fail(what);
}

void Statement::run(std::string_view what) {
  // Reset even when the step fails, so the statement is ready for the next batch.
  struct ResetOnExit {
    Statement* statement;
    ~ResetOnExit() { statement->reset(); }
  } reset_on_exit{this};
  while (step(what)) {
  }
}

void Statement::reset() {
  // The return value repeats the last step's error, already reported by step().
  sqlite3_reset(statement_.get());
  sqlite3_clear_bindings(statement_.get());
}

std::int64_t Statement::column_int64(int column) const {
  return sqlite3_column_int64(statement_.get(), column);
}

std::string_view Statement::column_blob(int column) const {
  // sqlite3_column_blob before sqlite3_column_bytes: the documented order for a valid size.
  const void* data = sqlite3_column_blob(statement_.get(), column);
  const int size = sqlite3_column_bytes(statement_.get(), column);
  if (data == nullptr || size <= 0) return {};
  return {static_cast<const char*>(data), static_cast<std::size_t>(size)};
}

bool Statement::column_is_null(int column) const {
  return sqlite3_column_type(statement_.get(), column) == SQLITE_NULL;
}

}  // namespace quanyu::engine::sqlite

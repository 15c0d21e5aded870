#pragma once
/// RAII owners of SQLite's C handles, used by the journal: a connection that closes itself and a
/// prepared statement that finalizes itself, so no function frees a handle by hand. Every failure
/// throws a JournalError of one line naming the database file, what was being done and SQLite's
/// own message ("journal /data/journal.db: commit: disk I/O error"). The journal's writer thread
/// catches those at the top of each batch and turns them into callback errors.
///
/// A Database and its Statements belong to one thread at a time; SQLite's own mutexes are off.

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace quanyu::engine::sqlite {

class Statement;

class Database {
 public:
  enum class Mode { kReadWrite, kReadOnly };

  /// Opens the file (read-write creates it when missing). `busy_timeout` is how long a statement
  /// waits for a lock another connection holds before it fails with SQLITE_BUSY.
  Database(std::filesystem::path path, Mode mode, std::chrono::milliseconds busy_timeout);

  // Statements keep a pointer to their database (for error messages), so it never moves.
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  /// Runs SQL that returns no rows (one or more statements separated by ';').
  void exec(std::string_view sql);
  /// A statement compiled once and run many times (`persistent`: kept for the connection's life).
  Statement prepare(std::string_view sql, bool persistent = false);
  /// True outside an explicit transaction.
  bool autocommit() const;

  const std::filesystem::path& path() const { return path_; }
  sqlite3* handle() const { return db_.get(); }

  /// Throws "journal <path>: <what>: <SQLite's latest message on this connection>".
  [[noreturn]] void fail(std::string_view what) const;
  /// Throws "journal <path>: <what>" (a problem SQLite did not report).
  [[noreturn]] void fail_plain(std::string_view what) const;

 private:
  struct Closer {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };
  std::filesystem::path path_;
  std::unique_ptr<sqlite3, Closer> db_;
};

class Statement {
 public:
  Statement(const Database& db, sqlite3_stmt* statement) : db_(&db), statement_(statement) {}

  void bind(int index, std::int64_t value);
  /// Binds without copying: `bytes` must stay alive until the next reset().
  void bind_blob(int index, std::string_view bytes);
  void bind_text(int index, std::string_view text);

  /// Advances to the next row: true while a row is ready, false once done. `what` names the
  /// operation in the error.
  bool step(std::string_view what);
  /// Steps a statement that returns no rows, then resets it.
  void run(std::string_view what);
  /// Makes the statement ready to run again and drops its bindings.
  void reset();

  std::int64_t column_int64(int column) const;
  /// The blob (or text) of a column of the current row, valid until the next step() or reset().
  std::string_view column_blob(int column) const;
  bool column_is_null(int column) const;

 private:
  struct Finalizer {
    void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
  };
  const Database* db_;
  std::unique_ptr<sqlite3_stmt, Finalizer> statement_;
};

}  // namespace quanyu::engine::sqlite

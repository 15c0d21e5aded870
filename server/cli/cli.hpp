#pragma once
/// The `quanyu` command line: `serve`, `layers check`, `token hash`; `--help` on every command.

namespace quanyu::server {

/// Runs the command line and returns the process exit code (0 ok, 1 runtime failure, 2 usage).
int run_cli(int argc, char** argv);

}  // namespace quanyu::server

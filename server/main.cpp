#include "server/cli/cli.hpp"

int main(int argc, char** argv) { return quanyu::server::run_cli(argc, argv); }

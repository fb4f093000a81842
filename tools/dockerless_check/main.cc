// dockerless_check: see migration_check.h and README.md, "Migrating from the dockershim".
#include <iostream>

#include "tools/dockerless_check/migration_check.h"

int main(int argc, char** argv) {
  return krl::tools::dockerless_check::MigrationCheckMain(argc, argv, std::cout, std::cerr);
}

// The Catch2 runner shared by every test target, compiled once.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include "api/core/v1/quantity.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>

namespace krl {
namespace api {
namespace core {
namespace v1 {
namespace {

struct ValueCase {
  std::string text;
  int64_t value;
  int64_t milli_value;
  std::string canonical;
};

TEST_CASE("quantities parse to the values Kubernetes gives them, rounded away from zero") {
  const ValueCase cases[] = {
      {"0", 0, 0, "0"},
      {"-0", 0, 0, "0"},
      {"1", 1, 1000, "1"},
      {"+1", 1, 1000, "1"},
      {"-1", -1, -1000, "-1"},
      {"100m", 1, 100, "100m"},
      {"1500m", 2, 1500, "1500m"},
      {"0.5", 1, 500, "500m"},
      {".5", 1, 500, "500m"},
      {"5.", 5, 5000, "5"},
      {"-0.5", -1, -500, "-500m"},
      {"1n", 1, 1, "1n"},
      {"1u", 1, 1, "1u"},
      {"0.0000000001", 1, 1, "1n"},  // below nano precision: rounds up to 1n
      {"1000", 1000, 1000000, "1k"},
      {"1k", 1000, 1000000, "1k"},
      {"1M", 1000000, 1000000000, "1M"},
      {"1G", 1000000000, 1000000000000, "1G"},
      {"2T", 2000000000000, 2000000000000000, "2T"},
      {"1P", 1000000000000000, 1000000000000000000, "1P"},
      {"1Ki", 1024, 1024000, "1Ki"},
      {"1Mi", 1048576, 1048576000, "1Mi"},
      {"1024Mi", 1073741824, 1073741824000, "1Gi"},
      {"1.5Gi", 1610612736, 1610612736000, "1536Mi"},
      {"0.5Ki", 512, 512000, "512"},  // binary below 1024 is written in decimal
      {"0.3Ki", 308, 307200, "307200m"},
      {"1e3", 1000, 1000000, "1e3"},
      {"1E3", 1000, 1000000, "1e3"},
      {"1.5e3", 1500, 1500000, "1500"},
      {"1e-3", 1, 1, "1e-3"},
      {"12e+2", 1200, 1200000, "1200"},
      {"128974848", 128974848, 128974848000, "128974848"},
      {"129e6", 129000000, 129000000000, "129e6"},
      {"123Mi", 128974848, 128974848000, "123Mi"},
      {"1E", 1000000000000000000, 0, "1E"},  // milli value checked separately: it overflows
      {"7Ei", 8070450532247928832, 0, "7Ei"},
      {"9223372036854775807", INT64_MAX, 0, "9223372036854775807"},
      {"-9223372036854775808", INT64_MIN, 0, "-9223372036854775808"},
      {"0.000000000000000000000000000000000000000000001Ki", 1, 1, "1n"},
      {"00000000000000000000000000000000000000000000001k", 1000, 1000000, "1k"},
  };
  for (const ValueCase& c : cases) {
    INFO("quantity " << c.text);
    absl::StatusOr<Quantity> q = ParseQuantity(c.text);
    REQUIRE(q.ok());
    REQUIRE(q->Value().ok());
    CHECK(*q->Value() == c.value);
    if (c.milli_value != 0 || c.value == 0) {
      REQUIRE(q->MilliValue().ok());
      CHECK(*q->MilliValue() == c.milli_value);
    }
    CHECK(q->ToString() == c.canonical);
    absl::StatusOr<Quantity> again = ParseQuantity(q->ToString());
    REQUIRE(again.ok());
    CHECK(*again == *q);
  }
}

struct BadCase {
  std::string text;
  std::string message;
};

TEST_CASE("malformed quantities are refused with a message naming the text and the problem") {
  const BadCase cases[] = {
      {"", "invalid quantity \"\": it is empty"},
      {"1.2.3", "invalid quantity \"1.2.3\": malformed number: unexpected \".\""},
      {"10x", "invalid quantity \"10x\": unknown suffix \"x\""},
      {"Mi", "invalid quantity \"Mi\": missing number"},
      {".", "invalid quantity \".\": missing number"},
      {"-", "invalid quantity \"-\": missing number"},
      {"+-1", "invalid quantity \"+-1\": missing number"},
      {"1 Gi", "invalid quantity \"1 Gi\": unknown suffix \" Gi\""},
      {" 1", "invalid quantity \" 1\": missing number"},
      {"1gi", "invalid quantity \"1gi\": unknown suffix \"gi\""},
      {"1KI", "invalid quantity \"1KI\": unknown suffix \"KI\""},
      {"12Gx", "invalid quantity \"12Gx\": unknown suffix \"Gx\""},
      {"1e", "invalid quantity \"1e\": unknown suffix \"e\""},
      {"1e+", "invalid quantity \"1e+\": malformed exponent \"e+\""},
      {"1e3.5", "invalid quantity \"1e3.5\": malformed exponent \"e3.5\""},
      {"1e9999999999",
       "invalid quantity \"1e9999999999\": exponent \"e9999999999\" is out of range"},
      {"99999999999999999999Ei", "invalid quantity \"99999999999999999999Ei\": out of range"},
      {"9223372036854775808", "invalid quantity \"9223372036854775808\": out of range"},
      {"9223372036854775807.5", "invalid quantity \"9223372036854775807.5\": out of range"},
      {"8Ei", "invalid quantity \"8Ei\": out of range"},
      {"1e19", "invalid quantity \"1e19\": out of range"},
      {"10E", "invalid quantity \"10E\": out of range"},
      {std::string("1\0k", 3), "invalid quantity \"1\\x00k\": unknown suffix"},
  };
  for (const BadCase& c : cases) {
    INFO("quantity " << c.text);
    absl::StatusOr<Quantity> q = ParseQuantity(c.text);
    REQUIRE_FALSE(q.ok());
    CHECK(q.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK_THAT(std::string(q.status().message()), Catch::StartsWith(c.message));
  }
}

TEST_CASE("very small exponents round up to one nano instead of failing") {
  absl::StatusOr<Quantity> q = ParseQuantity("5e-99999999");
  REQUIRE(q.ok());
  CHECK(q->ToString() == "1e-9");
  CHECK(*q->MilliValue() == 1);
}

TEST_CASE("milli values that do not fit an int64 are an OutOfRange error, not a wrap") {
  absl::StatusOr<Quantity> q = ParseQuantity("1E");
  REQUIRE(q.ok());
  absl::StatusOr<int64_t> milli = q->MilliValue();
  REQUIRE_FALSE(milli.ok());
  CHECK(milli.status().code() == absl::StatusCode::kOutOfRange);
  CHECK(ParseQuantity("9223372036854775")->MilliValue().ok());
  CHECK_FALSE(ParseQuantity("9223372036854776")->MilliValue().ok());
}

TEST_CASE("quantities compare by value, not by spelling") {
  CHECK(*ParseQuantity("1Gi") == *ParseQuantity("1024Mi"));
  CHECK(*ParseQuantity("1k") == *ParseQuantity("1000"));
  CHECK(*ParseQuantity("0.5") == *ParseQuantity("500m"));
  CHECK(*ParseQuantity("1Ki") != *ParseQuantity("1k"));
  CHECK(*ParseQuantity("1k") < *ParseQuantity("1Ki"));
  CHECK(ParseQuantity("100m")->Compare(*ParseQuantity("0.1")) == 0);
  CHECK(ParseQuantity("-1")->Compare(*ParseQuantity("0")) == -1);
  CHECK(ParseQuantity("2")->Compare(*ParseQuantity("1999m")) == 1);
  CHECK(Quantity().IsZero());
  CHECK(ParseQuantity("-3m")->Sign() == -1);
}

TEST_CASE("quantities built from integers are exact and keep their format") {
  CHECK(Quantity::FromValue(1073741824, Quantity::Format::kBinarySI).ToString() == "1Gi");
  CHECK(Quantity::FromValue(1500).ToString() == "1500");
  CHECK(Quantity::FromValue(2000).ToString() == "2k");
  CHECK(Quantity::FromMilliValue(250).ToString() == "250m");
  CHECK(*Quantity::FromMilliValue(250).MilliValue() == 250);
  CHECK(*Quantity::FromValue(INT64_MAX).Value() == INT64_MAX);
  CHECK(*Quantity::FromValue(INT64_MIN).Value() == INT64_MIN);
  CHECK(ParseQuantity("1Mi")->format() == Quantity::Format::kBinarySI);
  CHECK(ParseQuantity("1e6")->format() == Quantity::Format::kDecimalExponent);
  CHECK(ParseQuantity("1M")->format() == Quantity::Format::kDecimalSI);
}

}  // namespace
}  // namespace v1
}  // namespace core
}  // namespace api
}  // namespace krl

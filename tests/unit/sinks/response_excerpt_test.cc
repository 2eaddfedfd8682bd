#include "server/sinks/response_excerpt.h"

#include <string>

#include "gtest/gtest.h"

namespace sitrep {
namespace {

const std::vector<std::string> kSecrets = {"tok-0123456789abcdef",
                                           "key-fedcba9876543210"};

TEST(ResponseExcerptTest, RedactsEverySecretTheEndpointEchoes) {
  EXPECT_EQ(ResponseExcerpt("authorization: Bearer tok-0123456789abcdef\r\n"
                            "x-api-key: key-fedcba9876543210\r\n",
                            kSecrets),
            "authorization: Bearer [redacted]  x-api-key: [redacted]  ");
}

TEST(ResponseExcerptTest, RedactsAnyBearerCredential) {
  EXPECT_EQ(ResponseExcerpt("upstream said BEARER abc.def-ghi; no", {}),
            "upstream said BEARER [redacted]; no");
}

TEST(ResponseExcerptTest, RedactsASecretCutOffAtTheEndOfTheBody) {
  EXPECT_EQ(ResponseExcerpt("echo: key-fedcba98", kSecrets),
            "echo: [redacted]");
  // Shorter prefixes are ordinary text.
  EXPECT_EQ(ResponseExcerpt("echo: key-", kSecrets), "echo: key-");
}

TEST(ResponseExcerptTest, IsShortAndOneLine) {
  const std::string excerpt =
      ResponseExcerpt(std::string(1000, 'x') + "\n", {}, 16);
  EXPECT_EQ(excerpt, std::string(16, 'x') + "…");
  EXPECT_EQ(ResponseExcerpt("a\nb\x1b[2Jc", {}), "a b [2Jc");
  // Cut at a character boundary, not inside "ë".
  EXPECT_EQ(ResponseExcerpt("Mitrovicë", {}, 9), "Mitrovic…");
}

}  // namespace
}  // namespace sitrep

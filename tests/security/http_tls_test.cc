// M-3 and I-2 (docs/security.md): the HTTPS listener applies
// --tls_client_ca like the gRPC listener (no certificate signed by the CA,
// no connection; a certificate's names authenticate as the policy's
// principal), and offers AEAD suites only.
#include <curl/curl.h>

#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/auth/token_hash.h"
#include "tests/support/access_policy_builder.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_certificates.h"
#include "tests/support/test_server.h"

namespace sitrep::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kDeskToken[] = "sitrep_desk-token-0123456789abcdef";

struct Answer {
  CURLcode code = CURLE_OK;
  long status = 0;
  std::string body;
};

struct Client {
  // Empty: no client certificate.
  std::string cert_file;
  std::string key_file;
  std::string token;
  // TLS 1.2 with these suites only (OpenSSL names); empty: defaults.
  std::string tls12_ciphers;
};

Answer Get(int port, const std::string& path, const std::string& ca,
           const Client& client) {
  Answer answer;
  CURL* curl = curl_easy_init();
  const std::string url = absl::StrCat("https://127.0.0.1:", port, path);
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CAINFO, ca.c_str());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
  if (!client.cert_file.empty()) {
    curl_easy_setopt(curl, CURLOPT_SSLCERT, client.cert_file.c_str());
    curl_easy_setopt(curl, CURLOPT_SSLKEY, client.key_file.c_str());
  }
  if (!client.tls12_ciphers.empty()) {
    curl_easy_setopt(curl, CURLOPT_SSLVERSION,
                     CURL_SSLVERSION_TLSv1_2 | CURL_SSLVERSION_MAX_TLSv1_2);
    curl_easy_setopt(curl, CURLOPT_SSL_CIPHER_LIST,
                     client.tls12_ciphers.c_str());
  }
  curl_slist* headers = nullptr;
  const std::string bearer = "Authorization: Bearer " + client.token;
  if (!client.token.empty()) headers = curl_slist_append(headers, bearer.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(
      curl, CURLOPT_WRITEFUNCTION,
      +[](char* data, size_t size, size_t count, void* out) -> size_t {
        static_cast<std::string*>(out)->append(data, size * count);
        return size * count;
      });
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer.body);
  answer.code = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &answer.status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return answer;
}

class HttpsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<TestCertificates> pki = MakeTestCertificates(dir_.path());
    ASSERT_TRUE(pki.ok()) << pki.status();
    pki_ = *pki;
    const std::string policy = dir_.path() + "/policy.json";
    AccessPolicyBuilder()
        .Principal("kfor-gw").ClientCert("kfor-gateway.example").Read({"KFOR"})
        .Principal("kp-desk").Token(kDeskToken).Read({"*"})
        .WriteTo(policy);
    server_ = std::make_unique<TestServer>([&](ServerConfig& c) {
      c.tls.cert_file = pki_.server.cert_file;
      c.tls.key_file = pki_.server.key_file;
      c.tls.client_ca_file = pki_.ca.cert_file;
      c.auth_file = policy;
    });
  }

  int port() { return server_->server().http_port(); }

  TempDir dir_;
  TestCertificates pki_;
  std::unique_ptr<TestServer> server_;
};

TEST_F(HttpsTest, AClientWithoutACertificateIsRefusedEvenWithAToken) {
  Answer answer = Get(port(), "/v1/situation", pki_.ca.cert_file,
                      Client{"", "", kDeskToken, ""});
  EXPECT_NE(answer.code, CURLE_OK) << "status " << answer.status;
  EXPECT_NE(answer.status, 200);
}

TEST_F(HttpsTest, ACertificateOfAnotherCaIsRefused) {
  Answer answer =
      Get(port(), "/v1/situation", pki_.ca.cert_file,
          Client{pki_.other_client.cert_file, pki_.other_client.key_file,
                 kDeskToken, ""});
  EXPECT_NE(answer.code, CURLE_OK) << "status " << answer.status;
}

TEST_F(HttpsTest, TheCertificatePrincipalReadsWithItsRights) {
  const CertificateFiles& gateway = pki_.clients.at("kfor-gateway");
  Answer own = Get(port(), "/v1/situation?filter.missions=MISSION_KFOR",
                   pki_.ca.cert_file,
                   Client{gateway.cert_file, gateway.key_file, "", ""});
  ASSERT_EQ(own.code, CURLE_OK);
  EXPECT_EQ(own.status, 200) << own.body;
  // Its rights: KFOR only.
  Answer other = Get(port(), "/v1/situation?filter.missions=MISSION_EULEX",
                     pki_.ca.cert_file,
                     Client{gateway.cert_file, gateway.key_file, "", ""});
  ASSERT_EQ(other.code, CURLE_OK);
  EXPECT_EQ(other.status, 403) << other.body;
  // A token on the same certificate acts for its own principal.
  Answer desk = Get(port(), "/v1/situation?filter.missions=MISSION_EULEX",
                    pki_.ca.cert_file,
                    Client{gateway.cert_file, gateway.key_file, kDeskToken, ""});
  ASSERT_EQ(desk.code, CURLE_OK);
  EXPECT_EQ(desk.status, 200) << desk.body;
}

TEST_F(HttpsTest, OffersNoCbcSuites) {
  const CertificateFiles& gateway = pki_.clients.at("kfor-gateway");
  for (const char* cbc :
       {"ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA",
        "ECDHE-ECDSA-AES256-SHA384:ECDHE-RSA-AES256-SHA384",
        "ECDHE-ECDSA-AES128-SHA256:ECDHE-RSA-AES128-SHA256",
        "AES128-SHA:AES256-SHA256"}) {
    Answer answer = Get(port(), "/v1/situation", pki_.ca.cert_file,
                        Client{gateway.cert_file, gateway.key_file, "", cbc});
    EXPECT_NE(answer.code, CURLE_OK) << cbc << " was accepted";
  }
  Answer aead = Get(port(), "/v1/situation?filter.missions=MISSION_KFOR",
                    pki_.ca.cert_file,
                    Client{gateway.cert_file, gateway.key_file, "",
                           "ECDHE-ECDSA-AES128-GCM-SHA256:"
                           "ECDHE-RSA-AES128-GCM-SHA256"});
  EXPECT_EQ(aead.code, CURLE_OK) << curl_easy_strerror(aead.code);
}

}  // namespace
}  // namespace sitrep::testing

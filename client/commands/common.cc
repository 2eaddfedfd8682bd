#include <cstdio>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "client/commands/commands.h"
#include "client/filter_flags.h"
#include "client/table_layout.h"
#include "client/status_text.h"
#include "client/tls_files.h"

namespace sitrep::cli {

void AddGlobalFlags(CLI::App* root, GlobalFlags* global) {
  root->add_option("-s,--server", global->server,
                   "Server address host:port (default 127.0.0.1:50051)")
      ->envname("SITREP_SERVER")
      ->group("Connection");
  root->add_option("--timeout", global->timeout,
                   "Deadline of each unary call: 500ms, 10s, 1m (default 10s)")
      ->group("Connection");
  // The spellings with '_' are the documented ones (as sitrepd's); the '-'
  // ones match the CLI's other flags.
  root->add_flag("--tls", global->tls,
                 "Use TLS, verifying the server with the system's CA roots")
      ->group("Security");
  root->add_option("--tls_ca,--tls-ca", global->tls_ca,
                   "PEM file of the CA(s) the server's certificate must chain to "
                   "(turns TLS on)")
      ->envname("SITREP_TLS_CA")
      ->type_name("FILE")
      ->group("Security");
  root->add_option("--tls_cert,--tls-cert", global->tls_cert,
                   "PEM client certificate, for servers that require one (mTLS); "
                   "needs --tls_key (turns TLS on)")
      ->type_name("FILE")
      ->group("Security");
  root->add_option("--tls_key,--tls-key", global->tls_key,
                   "PEM private key of --tls_cert (unencrypted)")
      ->type_name("FILE")
      ->group("Security");
  root->add_option("--tls_server_name,--tls-server-name", global->tls_server_name,
                   "Name to verify in the server's certificate instead of the "
                   "--server host (turns TLS on)")
      ->type_name("NAME")
      ->group("Security");
  // A callback rather than a bound string: `--token ""` must be an error,
  // not "no token". Never captured as a default, so --help cannot show it.
  root->add_option_function<std::string>(
          "--token",
          [global](const std::string& token) {
            global->token = token;
            global->token_given = true;
          },
          "Bearer token sent with every call. Prefer SITREP_TOKEN: other users "
          "can see command lines in ps")
      ->envname("SITREP_TOKEN")
      ->type_name("TOKEN")
      ->group("Security");
  root->add_flag("--utc", global->utc, "Times in UTC: 2026-12-06 03:34:32Z (the default)")
      ->group("Output");
  root->add_flag("--local", global->local,
                 "Times in local time (TZ) with the offset: 2026-12-06 04:34:32+01:00")
      ->group("Output");
}

absl::StatusOr<RenderOptions> MakeRenderOptions(const GlobalFlags& global, bool no_color) {
  absl::StatusOr<TimeDisplay> time =
      ResolveTimeDisplay(global.utc, global.local, std::getenv("SITREP_TZ"));
  if (!time.ok()) return time.status();
  RenderOptions options;
  options.time = *time;
  options.color = !no_color && ColorByDefault();
  options.width = OutputColumns();
  return options;
}

namespace {

// "--tls_ca", or "--tls_ca (from SITREP_TLS_CA)" when the value came from the
// environment (CLI11 only reads it when the flag is absent, and ignores it
// when empty).
std::string FlagName(const char* flag, const char* env, const std::string& value) {
  const char* from_env = std::getenv(env);
  if (from_env != nullptr && *from_env != '\0' && value == from_env) {
    return absl::StrCat(flag, " (from ", env, ")");
  }
  return flag;
}

}  // namespace

absl::StatusOr<ChannelOptions> MakeChannelOptions(const GlobalFlags& global) {
  ChannelOptions options;
  if (global.server.empty()) {
    return absl::InvalidArgumentError("--server: empty address (expected host:port)");
  }
  options.address = global.server;
  absl::StatusOr<absl::Duration> timeout = ParseDurationFlag(global.timeout, "--timeout");
  if (!timeout.ok()) return timeout.status();
  if (*timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--timeout: must be positive");
  }
  options.unary_timeout = *timeout;

  options.tls = global.tls || !global.tls_ca.empty() || !global.tls_cert.empty() ||
                !global.tls_key.empty() || !global.tls_server_name.empty();
  if (!global.tls_ca.empty()) {
    absl::StatusOr<std::string> roots = ReadPemCertificates(
        global.tls_ca, FlagName("--tls_ca", "SITREP_TLS_CA", global.tls_ca));
    if (!roots.ok()) return roots.status();
    options.tls_root_certs = *std::move(roots);
  }
  if (global.tls_cert.empty() != global.tls_key.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        global.tls_cert.empty() ? "--tls_key needs --tls_cert" : "--tls_cert needs --tls_key",
        " (a client certificate and its private key go together)"));
  }
  if (!global.tls_cert.empty()) {
    absl::StatusOr<std::string> chain = ReadPemCertificates(global.tls_cert, "--tls_cert");
    if (!chain.ok()) return chain.status();
    absl::StatusOr<std::string> key = ReadPemPrivateKey(global.tls_key, "--tls_key");
    if (!key.ok()) return key.status();
    absl::Status match = CheckKeyMatchesCertificate(*chain, *key, "--tls_cert", "--tls_key");
    if (!match.ok()) return match;
    options.tls_cert_chain = *std::move(chain);
    options.tls_private_key = *std::move(key);
  }
  options.tls_server_name = global.tls_server_name;

  if (global.token_given) {
    // The messages below never show the token, not even in part.
    const std::string flag = FlagName("--token", "SITREP_TOKEN", global.token);
    const std::string token(absl::StripAsciiWhitespace(global.token));
    if (token.empty()) return absl::InvalidArgumentError(absl::StrCat(flag, ": empty token"));
    for (const char c : token) {
      // What an HTTP/2 header value may carry; a token is never anything else.
      if (c < 0x21 || c > 0x7e) {
        return absl::InvalidArgumentError(absl::StrCat(
            flag, ": the token may only hold printable ASCII characters without spaces"));
      }
    }
    options.token = token;
  }
  return options;
}

absl::StatusOr<std::unique_ptr<FeedClient>> MakeFeedClient(const GlobalFlags& global) {
  absl::StatusOr<ChannelOptions> options = MakeChannelOptions(global);
  if (!options.ok()) return options.status();
  if (!options->token.empty()) RedactInMessages(options->token);
  if (!options->tls) {
    SetConnectionHint("if the server uses TLS, give --tls_ca FILE or --tls");
  } else if (options->tls_cert_chain.empty()) {
    SetConnectionHint(
        "check --tls_ca and --tls_server_name; if the server requires a client certificate, "
        "give --tls_cert and --tls_key");
  } else {
    SetConnectionHint(
        "check --tls_ca and --tls_server_name, and that the server trusts the CA of --tls_cert");
  }
  if (TokenSentInPlaintext(*options)) {
    std::fprintf(stderr,
                 "sitrep: warning: the token goes to %s without TLS: anyone on the "
                 "network path can read it (give --tls_ca FILE or --tls)\n",
                 options->address.c_str());
  }
  std::shared_ptr<grpc::Channel> channel = MakeChannel(*options);
  return std::make_unique<FeedClient>(std::move(channel), *std::move(options));
}

}  // namespace sitrep::cli

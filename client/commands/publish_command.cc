// `sitrep publish`: one update from flags, or from a JSON object (FILE or -).
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/strings/str_split.h"
#include "client/chain_text.h"
#include "client/commands/commands.h"
#include "client/filter_flags.h"
#include "client/output.h"
#include "client/status_text.h"
#include "client/usage_hints.h"
#include "client/update_json.h"
#include "google/protobuf/util/time_util.h"

namespace sitrep::cli {
namespace {

struct PublishFlags {
  std::string input;  // FILE or "-": JSON
  std::string mission, role, severity, category, kind;
  std::string municipality, place, headline, description, incident, event_id;
  std::vector<std::string> labels;
  std::string occurred_at, expires_at, expires_in;
  std::string target_tier, chain_exception;
  // The CAP fields (docs/interop.md).
  std::string status, certainty, urgency, instruction, language, scope, restriction;
  std::vector<std::string> responses;
  double latitude = 0, longitude = 0;
  bool has_point = false;
  int64_t expected_version = -1;
  std::string output = "text";
};

absl::StatusOr<std::string> ReadInput(const std::string& input) {
  std::stringstream buffer;
  if (input == "-") {
    buffer << std::cin.rdbuf();
  } else {
    std::ifstream in(input);
    if (!in) {
      const std::string hint = QuoteHint(input);
      return absl::InvalidArgumentError(
          absl::StrCat("cannot read ", input, hint.empty() ? "" : absl::StrCat(" (", hint, ")")));
    }
    buffer << in.rdbuf();
  }
  return buffer.str();
}

// The request before the flags: the JSON input's, or an empty one when
// the flags must then say everything the server requires.
absl::StatusOr<sitrep::v1::PublishRequest> StartRequest(const PublishFlags& f) {
  sitrep::v1::PublishRequest request;
  if (!f.input.empty()) {
    absl::StatusOr<std::string> text = ReadInput(f.input);
    if (!text.ok()) return text.status();
    absl::StatusOr<sitrep::v1::PublishRequest> parsed = ParsePublishJson(*text);
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(f.input == "-" ? "stdin" : f.input, ": ", parsed.status().message()));
    }
    return *std::move(parsed);
  }
  const std::pair<const char*, const std::string*> required[] = {
      {"--mission", &f.mission},
      {"--severity", &f.severity},
      {"--category", &f.category},
      {"--headline", &f.headline}};
  for (const auto& [flag, value] : required) {
    if (value->empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          flag, " is required (or give a JSON object: sitrep publish -)"));
    }
  }
  return request;
}

// --mission, --role, --target-tier, --chain-exception.
absl::Status ApplyChainFlags(const PublishFlags& f, sitrep::v1::SituationUpdate* u) {
  if (!f.mission.empty()) {
    absl::StatusOr<sitrep::v1::Mission> v = ParseMission(f.mission);
    if (!v.ok()) return v.status();
    u->set_mission(*v);
  }
  if (!f.role.empty()) {
    absl::StatusOr<sitrep::v1::Role> v = ParseRole(f.role);
    if (!v.ok()) return v.status();
    u->set_role(*v);
  } else if (u->role() == sitrep::v1::ROLE_UNSPECIFIED) {
    // A mission acts as its own tier (the chain's rules): KP first, EULEX
    // second, KFOR third. Also for JSON input that leaves the role out.
    u->set_role(TierOfMission(u->mission()));
  }
  if (!f.target_tier.empty()) {
    absl::StatusOr<sitrep::v1::Role> v = ParseTier(f.target_tier, "--target-tier");
    if (!v.ok()) return v.status();
    u->set_target_tier(*v);
  }
  if (!f.chain_exception.empty()) {
    u->mutable_chain_exception()->set_reason(f.chain_exception);
  }
  return absl::OkStatus();
}

// --severity, --category and the CAP fields (docs/interop.md).
absl::Status ApplyAlertFlags(const PublishFlags& f, sitrep::v1::SituationUpdate* u) {
  if (!f.severity.empty()) {
    absl::StatusOr<sitrep::v1::Severity> v = ParseSeverity(f.severity);
    if (!v.ok()) return v.status();
    u->set_severity(*v);
  }
  if (!f.category.empty()) {
    absl::StatusOr<sitrep::v1::Category> v = ParseCategory(f.category);
    if (!v.ok()) return v.status();
    u->set_category(*v);
  }
  if (!f.status.empty()) {
    absl::StatusOr<sitrep::v1::Status> v = ParseStatus(f.status);
    if (!v.ok()) return v.status();
    u->set_status(*v);
  }
  if (!f.certainty.empty()) {
    absl::StatusOr<sitrep::v1::Certainty> v = ParseCertainty(f.certainty);
    if (!v.ok()) return v.status();
    u->set_certainty(*v);
  }
  if (!f.urgency.empty()) {
    absl::StatusOr<sitrep::v1::Urgency> v = ParseUrgency(f.urgency);
    if (!v.ok()) return v.status();
    u->set_urgency(*v);
  }
  for (const std::string& response : f.responses) {
    absl::StatusOr<sitrep::v1::ResponseType> v = ParseResponseType(response);
    if (!v.ok()) return v.status();
    u->add_response_types(*v);
  }
  if (!f.instruction.empty()) u->set_instruction(f.instruction);
  if (!f.language.empty()) u->set_language(f.language);
  if (!f.scope.empty()) {
    absl::StatusOr<sitrep::v1::Scope> v = ParseScope(f.scope);
    if (!v.ok()) return v.status();
    u->mutable_releasability()->set_scope(*v);
  }
  if (!f.restriction.empty()) u->mutable_releasability()->set_restriction(f.restriction);
  return absl::OkStatus();
}

// --kind and --incident, which go together unless the JSON input gave one.
absl::Status ApplyIncidentFlags(const PublishFlags& f, bool from_json,
                                sitrep::v1::SituationUpdate* u) {
  if (!f.kind.empty()) {
    absl::StatusOr<sitrep::v1::Kind> v = ParseKind(f.kind);
    if (!v.ok()) return v.status();
    if (*v == sitrep::v1::KIND_EXPIRED) {
      return absl::InvalidArgumentError("--kind: expired is set by the server only");
    }
    u->set_kind(*v);
  }
  if (!f.incident.empty()) u->set_incident_id(f.incident);
  if (from_json) return absl::OkStatus();
  if (!u->incident_id().empty() && u->kind() == sitrep::v1::KIND_UNSPECIFIED) {
    return absl::InvalidArgumentError(
        "--incident needs --kind (new, update, request-support, acknowledge, "
        "escalate, deescalate, resolve, cancel)");
  }
  if (u->incident_id().empty() && u->kind() != sitrep::v1::KIND_UNSPECIFIED) {
    return absl::InvalidArgumentError("--kind needs --incident");
  }
  return absl::OkStatus();
}

// The texts, the place, the event id and the labels.
absl::Status ApplyContentFlags(const PublishFlags& f, sitrep::v1::SituationUpdate* u) {
  if (!f.headline.empty()) u->set_headline(f.headline);
  if (!f.description.empty()) u->set_description(f.description);
  if (!f.municipality.empty()) u->mutable_location()->set_municipality(f.municipality);
  if (!f.place.empty()) u->mutable_location()->set_place(f.place);
  if (f.has_point) {
    u->mutable_location()->mutable_point()->set_latitude(f.latitude);
    u->mutable_location()->mutable_point()->set_longitude(f.longitude);
  }
  if (!f.event_id.empty()) u->set_event_id(f.event_id);
  for (const std::string& label : f.labels) {
    std::pair<std::string, std::string> kv = absl::StrSplit(label, absl::MaxSplits('=', 1));
    if (kv.first.empty() || label.find('=') == std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("--label: '", label, "' is not KEY=VALUE"));
    }
    (*u->mutable_labels())[kv.first] = kv.second;
  }
  return absl::OkStatus();
}

// --occurred-at, --expires-at, --expires-in.
absl::Status ApplyTimeFlags(const PublishFlags& f, sitrep::v1::SituationUpdate* u) {
  const absl::Time now = absl::Now();
  if (!f.occurred_at.empty()) {
    absl::StatusOr<absl::Time> t = ParseTimeFlag(f.occurred_at, "--occurred-at", now);
    if (!t.ok()) return t.status();
    *u->mutable_occurred_at() = ToProtoTime(*t);
  }
  // No default occurred_at: the server then uses the ingest time, and the
  // same input published twice stays the same content (a duplicate, not
  // ALREADY_EXISTS).
  if (!f.expires_at.empty() && !f.expires_in.empty()) {
    return absl::InvalidArgumentError("give --expires-at or --expires-in, not both");
  }
  if (!f.expires_at.empty()) {
    absl::Time t;
    std::string error;
    if (!absl::ParseTime(absl::RFC3339_full, f.expires_at, &t, &error)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--expires-at: '", f.expires_at, "' is not an RFC 3339 time"));
    }
    *u->mutable_expires_at() = ToProtoTime(t);
  }
  if (!f.expires_in.empty()) {
    absl::StatusOr<absl::Duration> d = ParseDurationFlag(f.expires_in, "--expires-in");
    if (!d.ok()) return d.status();
    *u->mutable_expires_at() = ToProtoTime(now + *d);
  }
  return absl::OkStatus();
}

// Builds the request: the JSON input (if any), then every flag given on top.
absl::StatusOr<sitrep::v1::PublishRequest> BuildRequest(const PublishFlags& f) {
  absl::StatusOr<sitrep::v1::PublishRequest> request = StartRequest(f);
  if (!request.ok()) return request.status();
  sitrep::v1::SituationUpdate* u = request->mutable_update();
  const bool from_json = !f.input.empty();
  if (absl::Status status = ApplyChainFlags(f, u); !status.ok()) return status;
  if (absl::Status status = ApplyAlertFlags(f, u); !status.ok()) return status;
  if (absl::Status status = ApplyIncidentFlags(f, from_json, u); !status.ok()) return status;
  if (absl::Status status = ApplyContentFlags(f, u); !status.ok()) return status;
  if (absl::Status status = ApplyTimeFlags(f, u); !status.ok()) return status;
  if (f.expected_version >= 0) {
    request->set_expected_incident_version(static_cast<uint64_t>(f.expected_version));
  }
  return request;
}

// `sitrep publish` once the flags are parsed.
int RunPublish(PublishFlags& flags, const CLI::App& app, const GlobalFlags& global) {
  flags.has_point = app.count("--lat") > 0 || app.count("--lon") > 0;
  if (flags.has_point && (app.count("--lat") == 0 || app.count("--lon") == 0)) {
    return ReportUsageError("--lat and --lon go together");
  }
  absl::StatusOr<sitrep::v1::PublishRequest> request = BuildRequest(flags);
  if (!request.ok()) return ReportUsageError(request.status());
  absl::StatusOr<std::unique_ptr<FeedClient>> client = MakeFeedClient(global);
  if (!client.ok()) return ReportUsageError(client.status());
  sitrep::v1::PublishResponse response;
  grpc::Status status = (*client)->Publish(*request, &response);
  if (!status.ok()) return ReportRpcError("publish failed", status, global.server);
  if (flags.output == "json") {
    std::printf("%s\n", ToJson(response, /*pretty=*/false).c_str());
  } else if (response.duplicate()) {
    std::printf("#%llu duplicate: event id %s was already published with this "
                "content; nothing new stored\n",
                static_cast<unsigned long long>(response.sequence()),
                response.event_id().c_str());
  } else {
    std::printf("#%llu published (event id %s%s)\n",
                static_cast<unsigned long long>(response.sequence()),
                response.event_id().c_str(),
                response.incident_version() > 0
                    ? absl::StrCat(", incident version ", response.incident_version()).c_str()
                    : "");
  }
  return kExitOk;
}

}  // namespace

// A flat table of the command's flags, in the order --help lists them: it
// reads best in one piece.
Command AddPublishCommand(CLI::App* root, const GlobalFlags* global) {
  auto flags = std::make_shared<PublishFlags>();
  CLI::App* app = root->add_subcommand(
      "publish",
      "Publish one update from flags, or from a JSON object (a PublishRequest "
      "or a bare SituationUpdate in protobuf's JSON mapping) in FILE or on "
      "stdin ('-'); flags override the JSON's fields. Prints the sequence.");
  app->add_option("input", flags->input, "JSON input: FILE or - for stdin");
  app->add_option("--mission", flags->mission, "kfor | eulex | kosovo-police (kp)");
  app->add_option("--role", flags->role,
                  "first | second | third | support | liaison "
                  "(default: the mission's own tier: KP first, EULEX second, KFOR third)");
  app->add_option("--severity", flags->severity,
                  "unknown | minor | moderate | severe | extreme");
  app->add_option("--category", flags->category,
                  "public-order, civil-disturbance, freedom-of-movement, "
                  "border-crossing, patrol, crime, explosive-hazard, "
                  "infrastructure, diplomatic, other");
  app->add_option("--status", flags->status,
                  "actual (default) | exercise | test: an exercise or test never counts as a "
                  "real incident");
  app->add_option("--certainty", flags->certainty,
                  "observed | likely | possible | unlikely | unknown");
  app->add_option("--urgency", flags->urgency,
                  "immediate | expected | future | past | unknown");
  app->add_option("--response", flags->responses,
                  "What the audience should do (repeatable): shelter, evacuate, prepare, "
                  "execute, avoid, monitor, assess, all-clear, none")
      ->delimiter(',');
  app->add_option("--instruction", flags->instruction, "What to do, in words (at most 2 KiB)");
  app->add_option("--language", flags->language,
                  "Language of the texts: a BCP 47 tag (sq, sr-Latn, en)");
  app->add_option("--scope", flags->scope,
                  "Releasability outside sitrep: public | restricted (default)");
  app->add_option("--restriction", flags->restriction,
                  "With --scope restricted: to whom it may be released");
  app->add_option("--headline", flags->headline, "Short title (at most 200 characters)");
  app->add_option("--description", flags->description, "Body (at most 8 KiB)");
  app->add_option("--municipality", flags->municipality,
                  "Municipality, any spelling (Zveçan, Zvečan, Zvecan)");
  app->add_option("--place", flags->place, "Place name (bridge, crossing, village)");
  app->add_option("--lat", flags->latitude, "Latitude (WGS84)");
  app->add_option("--lon", flags->longitude, "Longitude (WGS84)");
  app->add_option("--incident", flags->incident, "Incident id (thread)");
  app->add_option("--kind", flags->kind,
                  "new | update | request-support | acknowledge | escalate | "
                  "deescalate | resolve | cancel");
  app->add_option("--target-tier", flags->target_tier,
                  "request-support: the tier asked (default: the next one up); deescalate: "
                  "the tier the lead goes back to (default: the tier that asked). "
                  "first | second | third, or kp | eulex | kfor");
  app->add_option("--chain-exception", flags->chain_exception,
                  "REASON: let an out-of-turn update through the chain's rules (needs the "
                  "chainException right; audited and shown as an exception everywhere)");
  app->add_option("-l,--label", flags->labels, "Label KEY=VALUE (repeatable)");
  app->add_option("--event-id", flags->event_id,
                  "Idempotency key (default: the server makes one)");
  app->add_option("--occurred-at", flags->occurred_at,
                  "Event time: RFC 3339 or a duration ago (10m); default: when the server receives it");
  app->add_option("--expires-at", flags->expires_at, "Expiry time (RFC 3339)");
  app->add_option("--expires-in", flags->expires_in, "Expiry after now (2h, 1d)");
  app->add_option("--expected-version", flags->expected_version,
                  "Fail unless the incident is at this version (no lost updates)");
  app->add_option("-o,--output", flags->output, "text | json")
      ->check(CLI::IsMember({"text", "json"}));

  Command command;
  command.app = app;
  command.run = [flags, global, app] { return RunPublish(*flags, *app, *global); };
  return command;
}

}  // namespace sitrep::cli

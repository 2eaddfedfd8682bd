// `sitrep check`: a monitoring plugin (Nagios, Icinga, Zabbix, Sensu). One
// output line and the plugin exit codes (plugin_output.h), not the CLI's.
//
// What it checks, in order:
//  1. always: grpc.health.v1 Check. When the server is not reached or not
//     serving, the other checks are skipped: they could only repeat that.
//  2. with --stale-warning/--stale-critical: for each --mission, the age of
//     its newest stored update (ListUpdates, newest first, one mission).
//  3. with --max-severe-warning/--max-severe-critical: the open incidents at
//     severity SEVERE or above (GetSituation), of the --mission(s) if given.
//  4. with --max-request-wait/--max-request-wait-critical: the longest wait
//     of a support request that is not acknowledged yet, over the current
//     incidents (GetSituation), of the --mission(s) if given.
//  5. with --metrics (a --store=jetstream replica's --metrics_address): how
//     far each replica is behind the JetStream stream and how long it has
//     applied nothing while behind, as that replica sees every replica
//     (server/metrics/replica_metrics.h), against --replica-lag-* and
//     --replica-stalled-*.
#include <algorithm>
#include <cstdio>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "client/chain_text.h"
#include "client/check_thresholds.h"
#include "client/commands/check_replicas.h"
#include "client/commands/commands.h"
#include "client/filter_flags.h"
#include "client/output.h"
#include "client/plugin_output.h"
#include "client/status_text.h"

namespace sitrep::cli {
namespace {

struct CheckFlags {
  std::string service;
  std::vector<std::string> missions;
  std::string stale_warning;
  std::string stale_critical;
  CLI::Option* max_severe_warning_option = nullptr;
  CLI::Option* max_severe_critical_option = nullptr;
  int64_t max_severe_warning = 0;
  int64_t max_severe_critical = 0;
  std::string max_request_wait;
  std::string max_request_wait_critical;
  // Count exercises (and tests) too; by default only real incidents count.
  bool include_exercises = false;
  std::string metrics;  // host:port of a replica's metrics endpoint
  CLI::Option* replica_lag_warning_option = nullptr;
  CLI::Option* replica_lag_critical_option = nullptr;
  int64_t replica_lag_warning = 0;
  int64_t replica_lag_critical = 0;
  std::string replica_stalled_warning;
  std::string replica_stalled_critical;
};

// What the command line asks for, validated before anything is sent.
struct CheckPlan {
  std::vector<sitrep::v1::Mission> missions;
  Thresholds stale;  // seconds
  Thresholds severe;  // incidents
  Thresholds request_wait;  // seconds
  bool include_exercises = false;
  std::string metrics;
  Thresholds replica_lag;      // updates
  Thresholds replica_stalled;  // seconds
};

// The situation counts real incidents only unless the filter names
// statuses; --include-exercises names them all.
void AddCheckedStatuses(const CheckPlan& plan, sitrep::v1::Filter* filter) {
  if (!plan.include_exercises) return;
  for (const auto status : {sitrep::v1::STATUS_ACTUAL, sitrep::v1::STATUS_EXERCISE,
                            sitrep::v1::STATUS_TEST}) {
    filter->add_statuses(status);
  }
}

// A usage problem, in the plugin's form: the monitoring system shows stdout.
int ReportCheckUsage(const std::string& message) {
  std::fputs(FormatPluginOutput({{PluginState::kUnknown, absl::StrCat("usage: ", message)}}, {})
                 .c_str(),
             stdout);
  return static_cast<int>(PluginState::kUnknown);
}

std::optional<int64_t> GivenCount(const CLI::Option* option, int64_t value) {
  if (option == nullptr || option->count() == 0) return std::nullopt;
  return value;
}

// The thresholds of every step; INVALID_ARGUMENT naming the flag.
absl::Status ParseThresholds(const CheckFlags& flags, CheckPlan* plan) {
  absl::StatusOr<Thresholds> stale = ParseDurationThresholds(
      flags.stale_warning, "--stale-warning", flags.stale_critical, "--stale-critical");
  if (!stale.ok()) return stale.status();
  plan->stale = *stale;
  absl::StatusOr<Thresholds> severe = CountThresholds(
      GivenCount(flags.max_severe_warning_option, flags.max_severe_warning),
      "--max-severe-warning",
      GivenCount(flags.max_severe_critical_option, flags.max_severe_critical),
      "--max-severe-critical");
  if (!severe.ok()) return severe.status();
  plan->severe = *severe;
  absl::StatusOr<Thresholds> request_wait =
      ParseDurationThresholds(flags.max_request_wait, "--max-request-wait",
                              flags.max_request_wait_critical, "--max-request-wait-critical");
  if (!request_wait.ok()) return request_wait.status();
  plan->request_wait = *request_wait;
  plan->include_exercises = flags.include_exercises;
  absl::StatusOr<Thresholds> replica_lag = CountThresholds(
      GivenCount(flags.replica_lag_warning_option, flags.replica_lag_warning),
      "--replica-lag-warning",
      GivenCount(flags.replica_lag_critical_option, flags.replica_lag_critical),
      "--replica-lag-critical");
  if (!replica_lag.ok()) return replica_lag.status();
  plan->replica_lag = *replica_lag;
  absl::StatusOr<Thresholds> replica_stalled = ParseDurationThresholds(
      flags.replica_stalled_warning, "--replica-stalled-warning", flags.replica_stalled_critical,
      "--replica-stalled-critical");
  if (!replica_stalled.ok()) return replica_stalled.status();
  plan->replica_stalled = *replica_stalled;
  return absl::OkStatus();
}

// Flags that only mean something together.
absl::Status CheckFlagsAgree(const CheckPlan& plan) {
  if (!plan.metrics.empty()) {
    const size_t colon = plan.metrics.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == plan.metrics.size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--metrics: '", plan.metrics, "' is not host:port (a replica's --metrics_address)"));
    }
  }
  if ((plan.replica_lag.any() || plan.replica_stalled.any()) && plan.metrics.empty()) {
    return absl::InvalidArgumentError(
        "--replica-lag-*/--replica-stalled-* need --metrics HOST:PORT (a replica's "
        "--metrics_address)");
  }
  // Freshness is per mission: which ones must be said, a default of "all
  // three" would page someone for a mission that never publishes here.
  if (plan.stale.any() && plan.missions.empty()) {
    return absl::InvalidArgumentError(
        "--stale-warning/--stale-critical need --mission (the feed whose freshness to check)");
  }
  if (!plan.missions.empty() && !plan.stale.any() && !plan.severe.any() &&
      !plan.request_wait.any()) {
    return absl::InvalidArgumentError(
        "--mission needs --stale-warning/--stale-critical, "
        "--max-severe-warning/--max-severe-critical or "
        "--max-request-wait/--max-request-wait-critical");
  }
  return absl::OkStatus();
}

absl::StatusOr<CheckPlan> MakePlan(const CheckFlags& flags) {
  CheckPlan plan;
  for (const std::string& text : flags.missions) {
    absl::StatusOr<sitrep::v1::Mission> mission = ParseMission(text);
    if (!mission.ok()) return mission.status();
    plan.missions.push_back(*mission);
  }
  if (absl::Status status = ParseThresholds(flags, &plan); !status.ok()) return status;
  plan.metrics = flags.metrics;
  if (absl::Status status = CheckFlagsAgree(plan); !status.ok()) return status;
  return plan;
}

// Step 1. Returns false when the remaining checks should not run.
bool CheckServer(FeedClient& client, const std::string& service, const std::string& server,
                 std::vector<CheckFinding>* findings, std::vector<PerfDatum>* perfdata) {
  ServingStatus serving = ServingStatus::kUnknown;
  const absl::Time start = absl::Now();
  const grpc::Status status = client.CheckHealth(service, &serving);
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  const std::string who =
      service.empty() ? absl::StrCat("sitrepd at ", server)
                      : absl::StrCat("service ", service, " at ", server);
  if (status.error_code() == grpc::StatusCode::NOT_FOUND) {
    // The health service answers NOT_FOUND for a service it does not serve:
    // what is monitored is not there.
    findings->push_back({PluginState::kCritical, absl::StrCat(who, ": unknown to the server")});
    return false;
  }
  if (!status.ok()) {
    findings->push_back(
        {PluginStateFor(status), absl::StrCat(who, ": ", FormatStatus(status))});
    return false;
  }
  perfdata->push_back({"time", seconds, "s", std::nullopt, std::nullopt, 0.0, std::nullopt});
  if (serving != ServingStatus::kServing) {
    findings->push_back(
        {PluginState::kCritical, absl::StrCat(who, ": ", ServingStatusName(serving))});
    return false;
  }
  findings->push_back({PluginState::kOk, absl::StrCat(who, ": SERVING")});
  return true;
}

// The newest update of `mission` that a publisher sent. The server's own
// EXPIRED updates carry the incident's mission but say nothing about whether
// that mission still publishes, so they are passed over.
grpc::Status NewestPublished(FeedClient& client, sitrep::v1::Mission mission,
                             std::optional<sitrep::v1::SituationUpdate>* newest) {
  sitrep::v1::ListUpdatesRequest request;
  request.mutable_filter()->add_missions(mission);
  request.set_descending(true);
  request.set_page_size(1);  // the common case is one call for one update
  sitrep::v1::ListUpdatesResponse response;
  while (true) {
    response.Clear();
    grpc::Status status = client.ListUpdates(request, &response);
    if (!status.ok()) return status;
    for (const sitrep::v1::SituationUpdate& update : response.updates()) {
      if (update.kind() != sitrep::v1::KIND_EXPIRED) {
        *newest = update;
        return grpc::Status::OK;
      }
    }
    if (response.next_page_token().empty()) return grpc::Status::OK;
    request.set_page_token(response.next_page_token());
  }
}

// Step 2, for one mission.
void CheckFreshness(FeedClient& client, sitrep::v1::Mission mission, const CheckFlags& flags,
                    const Thresholds& stale, std::vector<CheckFinding>* findings,
                    std::vector<PerfDatum>* perfdata) {
  const std::string name = ShortName(mission);
  // Perfdata labels become metric names in graphing back ends: snake_case,
  // the spelling of the metric labels (docs/cli.md, "Spellings").
  PerfDatum datum{absl::StrCat("last_update_age_", absl::StrReplaceAll(name, {{"-", "_"}})),
                  std::nullopt, "s", stale.warn,
                  stale.crit, 0.0, std::nullopt};
  std::optional<sitrep::v1::SituationUpdate> newest;
  const grpc::Status status = NewestPublished(client, mission, &newest);
  if (!status.ok()) {
    findings->push_back({PluginStateFor(status),
                         absl::StrCat(name, ": cannot read updates: ", FormatStatus(status))});
  } else if (!newest.has_value()) {
    // Never published (or all of it removed by retention): as stale as it
    // gets, whatever the thresholds.
    findings->push_back({PluginState::kCritical, absl::StrCat(name, ": no update stored")});
  } else {
    // The server stamps received_at; the check compares it with this
    // machine's clock, so both need NTP (a skew of seconds is harmless
    // against thresholds of minutes). Negative ages count as 0.
    const absl::Duration age =
        std::max(absl::ZeroDuration(), absl::Now() - ToTime(newest->received_at()));
    const double seconds = absl::ToDoubleSeconds(age);
    const PluginState state = Judge(seconds, stale);
    datum.value = seconds;
    findings->push_back(
        {state, absl::StrCat(name, ": last update ", FormatAge(age), " ago (#",
                             newest->sequence(), ")",
                             ThresholdNote(state, flags.stale_warning, flags.stale_critical))});
  }
  perfdata->push_back(std::move(datum));
}

// Step 3.
void CheckSevereIncidents(FeedClient& client, const CheckPlan& plan,
                          std::vector<CheckFinding>* findings,
                          std::vector<PerfDatum>* perfdata) {
  sitrep::v1::GetSituationRequest request;
  request.mutable_filter()->set_min_severity(sitrep::v1::SEVERITY_SEVERE);
  AddCheckedStatuses(plan, request.mutable_filter());
  std::vector<std::string> names;
  for (const sitrep::v1::Mission mission : plan.missions) {
    request.mutable_filter()->add_missions(mission);
    names.push_back(ShortName(mission));
  }
  const std::string scope = names.empty() ? "" : absl::StrCat(" (", absl::StrJoin(names, ", "), ")");
  sitrep::v1::Situation situation;
  const grpc::Status status = client.GetSituation(request, &situation);
  if (!status.ok()) {
    findings->push_back({PluginStateFor(status),
                         absl::StrCat("cannot read the situation", scope, ": ",
                                      FormatStatus(status))});
    perfdata->push_back({"severe_incidents", std::nullopt, "", plan.severe.warn,
                         plan.severe.crit, 0.0, std::nullopt});
    return;
  }
  const int64_t count = situation.incidents_size();
  const PluginState state = Judge(static_cast<double>(count), plan.severe);
  std::string note;
  if (state == PluginState::kCritical) note = absl::StrCat(" (> ", *plan.severe.crit, ")");
  if (state == PluginState::kWarning) note = absl::StrCat(" (> ", *plan.severe.warn, ")");
  findings->push_back({state, absl::StrCat(count, " severe/extreme incident",
                                           count == 1 ? "" : "s", " open", scope, note)});
  perfdata->push_back({"severe_incidents", static_cast<double>(count), "", plan.severe.warn,
                       plan.severe.crit, 0.0, std::nullopt});
}

// Step 4. With --mission, only requests that ask those missions count (is
// EULEX answering?). The wait is measured with this machine's clock against
// the server's requested_at, like the freshness of step 2.
void CheckRequestWait(FeedClient& client, const CheckPlan& plan, const CheckFlags& flags,
                      std::vector<CheckFinding>* findings, std::vector<PerfDatum>* perfdata) {
  std::vector<std::string> names;
  for (const sitrep::v1::Mission mission : plan.missions) names.push_back(ShortName(mission));
  const std::string scope =
      names.empty() ? "" : absl::StrCat(" (asking ", absl::StrJoin(names, ", "), ")");
  PerfDatum datum{"request_wait", std::nullopt, "s", plan.request_wait.warn,
                  plan.request_wait.crit, 0.0, std::nullopt};
  sitrep::v1::Situation situation;
  sitrep::v1::GetSituationRequest request;
  AddCheckedStatuses(plan, request.mutable_filter());
  const grpc::Status status = client.GetSituation(request, &situation);
  if (!status.ok()) {
    findings->push_back({PluginStateFor(status),
                         absl::StrCat("cannot read the situation: ", FormatStatus(status))});
    perfdata->push_back(std::move(datum));
    return;
  }
  const absl::Time now = absl::Now();
  absl::Duration longest = absl::ZeroDuration();
  const sitrep::v1::Incident* longest_incident = nullptr;
  const sitrep::v1::SupportRequest* longest_request = nullptr;
  int64_t waiting = 0;
  for (const sitrep::v1::Incident& incident : situation.incidents()) {
    for (const sitrep::v1::SupportRequest& r : incident.support_requests()) {
      if (r.state() != sitrep::v1::SupportRequest::STATE_OPEN) continue;
      if (!plan.missions.empty() &&
          std::find(plan.missions.begin(), plan.missions.end(), MissionOfTier(r.to_tier())) ==
              plan.missions.end()) {
        continue;
      }
      ++waiting;
      const absl::Duration wait = std::max(absl::ZeroDuration(), now - ToTime(r.requested_at()));
      if (longest_request == nullptr || wait > longest) {
        longest = wait;
        longest_incident = &incident;
        longest_request = &r;
      }
    }
  }
  datum.value = absl::ToDoubleSeconds(longest);
  perfdata->push_back(std::move(datum));
  if (longest_request == nullptr) {
    findings->push_back({PluginState::kOk, absl::StrCat("no support request waiting", scope)});
    return;
  }
  const PluginState state = Judge(absl::ToDoubleSeconds(longest), plan.request_wait);
  findings->push_back(
      {state,
       absl::StrCat(waiting, waiting == 1 ? " support request" : " support requests",
                    " unacknowledged", scope, "; longest: ", longest_incident->incident_id(), " ",
                    MissionAbbrev(MissionOfTier(longest_request->from_tier())), " asked ",
                    MissionAbbrev(MissionOfTier(longest_request->to_tier())), " ",
                    FormatWait(longest), " ago",
                    ThresholdNote(state, flags.max_request_wait,
                                  flags.max_request_wait_critical))});
}

int RunCheck(const CheckFlags& flags, const GlobalFlags& global) {
  absl::StatusOr<CheckPlan> plan = MakePlan(flags);
  if (!plan.ok()) return ReportCheckUsage(std::string(plan.status().message()));
  // Bad --server, --timeout or TLS files: the check as configured cannot run.
  absl::StatusOr<std::unique_ptr<FeedClient>> client = MakeFeedClient(global);
  if (!client.ok()) return ReportCheckUsage(std::string(client.status().message()));

  std::vector<CheckFinding> findings;
  std::vector<PerfDatum> perfdata;
  if (CheckServer(**client, flags.service, global.server, &findings, &perfdata)) {
    if (plan->stale.any()) {
      for (const sitrep::v1::Mission mission : plan->missions) {
        CheckFreshness(**client, mission, flags, plan->stale, &findings, &perfdata);
      }
    }
    if (plan->severe.any()) CheckSevereIncidents(**client, *plan, &findings, &perfdata);
    if (plan->request_wait.any()) {
      CheckRequestWait(**client, *plan, flags, &findings, &perfdata);
    }
    if (!plan->metrics.empty()) {
      absl::Duration timeout = absl::Seconds(10);
      if (!absl::ParseDuration(global.timeout, &timeout)) timeout = absl::Seconds(10);
      CheckReplicas({plan->metrics, plan->replica_lag, plan->replica_stalled,
                     flags.replica_stalled_warning, flags.replica_stalled_critical},
                    timeout, &findings, &perfdata);
    }
  }
  std::fputs(FormatPluginOutput(findings, perfdata).c_str(), stdout);
  std::fflush(stdout);
  return static_cast<int>(OverallState(findings));
}

}  // namespace

// A flat table of the command's flags, in the order --help lists them: it
// reads best in one piece.
Command AddCheckCommand(CLI::App* root, const GlobalFlags* global) {
  auto flags = std::make_shared<CheckFlags>();
  CLI::App* app = root->add_subcommand(
      "check",
      "Monitoring plugin (Nagios/Icinga/Zabbix): server health, feed freshness per "
      "mission, open severe incidents, unacknowledged support requests. One line 'SITREP <STATE> - ... | perfdata'; "
      "exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (not the other commands' codes).");
  app->add_option("--service", flags->service,
                  "Health-check this service (default: the whole server)");
  app->add_option("-m,--mission", flags->missions,
                  "Mission(s) to check (repeat or comma-separate): freshness per mission, "
                  "and the incident count only counts these")
      ->delimiter(',')
      ->group("Freshness");
  app->add_option("--stale-warning", flags->stale_warning,
                  "WARNING when a mission's newest update is older than this (15m, 1h)")
      ->group("Freshness");
  app->add_option("--stale-critical", flags->stale_critical,
                  "CRITICAL when a mission's newest update is older than this")
      ->group("Freshness");
  flags->max_severe_warning_option =
      app->add_option("--max-severe-warning", flags->max_severe_warning,
                      "WARNING when more than N severe/extreme incidents are open")
          ->group("Incidents");
  flags->max_severe_critical_option =
      app->add_option("--max-severe-critical", flags->max_severe_critical,
                      "CRITICAL when more than N severe/extreme incidents are open")
          ->group("Incidents");
  app->add_option("--max-request-wait", flags->max_request_wait,
                  "WARNING when a support request has waited unacknowledged longer than "
                  "this (10m, 1h)")
      ->group("Incidents");
  app->add_option("--max-request-wait-critical", flags->max_request_wait_critical,
                  "CRITICAL when a support request has waited unacknowledged longer than this")
      ->group("Incidents");
  app->add_flag("--include-exercises", flags->include_exercises,
                "Count exercise and test incidents too (by default only actual ones count)")
      ->group("Incidents");
  app->add_option("--metrics", flags->metrics,
                  "A --store=jetstream replica's metrics endpoint (host:port of its "
                  "--metrics_address): check every replica's lag behind the stream as it sees them")
      ->group("Replicas");
  flags->replica_lag_warning_option =
      app->add_option("--replica-lag-warning", flags->replica_lag_warning,
                      "WARNING when a replica is more than N updates behind the stream")
          ->group("Replicas");
  flags->replica_lag_critical_option =
      app->add_option("--replica-lag-critical", flags->replica_lag_critical,
                      "CRITICAL when a replica is more than N updates behind the stream")
          ->group("Replicas");
  app->add_option("--replica-stalled-warning", flags->replica_stalled_warning,
                  "WARNING when a replica behind the stream has applied nothing for longer "
                  "than this (1m)")
      ->group("Replicas");
  app->add_option("--replica-stalled-critical", flags->replica_stalled_critical,
                  "CRITICAL when a replica behind the stream has applied nothing for longer "
                  "than this")
      ->group("Replicas");
  app->footer(
      "\nUnreachable, timed out or not serving: CRITICAL. Bad flags, TLS files or "
      "refused credentials: UNKNOWN. A mission with no stored update: CRITICAL.");
  Command command;
  command.app = app;
  command.run = [flags, global] { return RunCheck(*flags, *global); };
  command.usage_error = ReportCheckUsage;
  return command;
}

}  // namespace sitrep::cli

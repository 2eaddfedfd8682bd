#include "client/shift_collector.h"

#include <string>
#include <utility>

#include "client/chain_text.h"

namespace sitrep::cli {

grpc::Status CollectShift(FeedClient& client, const sitrep::v1::Filter& filter,
                          absl::Time from, std::optional<absl::Time> to,
                          ShiftData* shift, std::string* what) {
  auto failed = [what](const char* call, grpc::Status status) {
    if (what != nullptr) *what = call;
    return status;
  };
  shift->from = from;
  sitrep::v1::GetSituationRequest at_start;
  *at_start.mutable_filter() = filter;
  *at_start.mutable_as_of_time() = ToProtoTime(from);
  grpc::Status status = client.GetSituation(at_start, &shift->start);
  if (!status.ok()) return failed("situation at the window's start", status);
  sitrep::v1::GetSituationRequest at_end;
  *at_end.mutable_filter() = filter;
  if (to.has_value()) *at_end.mutable_as_of_time() = ToProtoTime(*to);
  status = client.GetSituation(at_end, &shift->end);
  if (!status.ok()) return failed("situation at the window's end", status);
  shift->to = ToTime(shift->end.as_of());

  // The updates between the two situations' sequences, so that the lists
  // and both ends agree.
  shift->updates.clear();
  if (shift->end.sequence() <= shift->start.sequence()) return grpc::Status::OK;
  sitrep::v1::ListUpdatesRequest list;
  *list.mutable_filter() = filter;
  list.set_start_sequence(shift->start.sequence() + 1);
  list.set_end_sequence(shift->end.sequence());
  list.set_page_size(1000);
  // Bounded: a window of a million updates is a thousand pages.
  for (int pages = 0; pages < 100000; ++pages) {
    sitrep::v1::ListUpdatesResponse page;
    status = client.ListUpdates(list, &page);
    if (!status.ok()) return failed("updates of the window", status);
    for (auto& update : *page.mutable_updates()) {
      shift->updates.push_back(std::move(update));
    }
    if (page.next_page_token().empty()) break;
    list.set_page_token(page.next_page_token());
  }
  return grpc::Status::OK;
}

}  // namespace sitrep::cli

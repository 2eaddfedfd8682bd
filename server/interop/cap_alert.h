#ifndef SITREP_SERVER_INTEROP_CAP_ALERT_H_
#define SITREP_SERVER_INTEROP_CAP_ALERT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "google/protobuf/timestamp.pb.h"
#include "sitrep/v1/situation_update.pb.h"

namespace sitrep {

// The CAP 1.2 namespace (OASIS CAP v1.2, section 3.3.1).
inline constexpr char kCapNamespace[] = "urn:oasis:names:tc:emergency:cap:1.2";
// <parameter> names (and the <geocode> name) that carry what CAP has no
// element for, so that update -> CAP -> update keeps the whole update.
inline constexpr char kCapParameterPrefix[] = "sitrep:";

// Who sends sitrep's alerts and how their identifiers stay unique.
struct CapSender {
  // CAP <sender>: this server (--cap_sender; default "sitrep"). Publishers
  // appear as <senderName> and the sitrep:publisher parameter.
  std::string sender = "sitrep";
  // The log id: an identifier is "urn:sitrep:<log_id>:<sequence>", so a new
  // store never reuses an old store's identifiers.
  std::string log_id;
};

// CAP <identifier> of the stored update at `sequence`.
std::string CapIdentifier(const CapSender& sender, uint64_t sequence);

// An earlier alert an alert references: a stored update's sequence and
// received_at (its CAP <sent>).
struct CapReference {
  uint64_t sequence = 0;
  google::protobuf::Timestamp sent;
};

// One stored update (sequence and received_at set) as a CAP 1.2 <alert>
// document (UTF-8, with an XML declaration unless `declaration` is false).
// `references` are earlier alerts of its incident, named in <references>
// in the order given (GET /v1/cap/{sequence}.xml: every earlier update of
// the incident the reader may read; a webhook: the previous one, which
// references its own). docs/interop.md has the mapping. Never fails: every
// stored update has a CAP form.
std::string RenderCapAlert(const v1::SituationUpdate& update,
                           const std::vector<CapReference>& references,
                           const CapSender& sender, bool declaration = true);

// Appends `text` with &, <, >, " and ' escaped, and characters XML 1.0
// cannot hold replaced by U+FFFD.
void AppendXmlEscaped(absl::string_view text, std::string* out);

}  // namespace sitrep

#endif  // SITREP_SERVER_INTEROP_CAP_ALERT_H_

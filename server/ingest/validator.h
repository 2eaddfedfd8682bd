#ifndef SITREP_SERVER_INGEST_VALIDATOR_H_
#define SITREP_SERVER_INGEST_VALIDATOR_H_

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "sitrep/v1/situation_update.pb.h"

namespace sitrep {

struct ValidationLimits {
  size_t max_headline_chars = 200;
  size_t max_description_bytes = 8 * 1024;
  size_t max_place_chars = 200;
  size_t max_event_id_chars = 128;
  size_t max_incident_id_chars = 128;
  int max_labels = 32;
  size_t max_label_key_chars = 63;
  size_t max_label_value_bytes = 256;
  // occurred_at may be at most this far ahead of the server's clock.
  absl::Duration max_clock_skew = absl::Minutes(5);
  // The server's own updates (Publisher::PublishAsServer): KIND_EXPIRED is
  // accepted, in the role of the update it closes. Never for a caller.
  bool server_kinds = false;
};

// Checks and normalises an update as sent by a publisher, in place:
//   - clears the server-set fields (sequence, received_at, publisher,
//     incident_version);
//   - replaces location.municipality by its canonical id;
//   - leaves an unset occurred_at unset (the log sets it to received_at).
// Returns INVALID_ARGUMENT whose message starts with the offending field
// path under `field_prefix` (e.g. "update.headline: is required",
// "update.location.municipality: 'Foo' is not a municipality of Kosovo").
// On error `update` may be partly normalised; the caller discards it.
//
// Rules: mission, role, severity, category set and known; KIND_EXPIRED is
// server-only; kind unset iff incident_id empty; incident_id and event_id
// charset and length; headline required, UTF-8, no control characters, at
// most 200 characters; description UTF-8, at most 8 KiB; place at most 200
// characters; point inside 41.5..43.5 N, 19.5..22.0 E and finite, and,
// with a municipality, at most kMunicipalityNeighbourhoodKm (40 km) from
// that municipality's seat (municipality_neighbourhood.h);
// occurred_at a valid timestamp not beyond now + max_clock_skew; expires_at
// valid, after occurred_at, and only with an incident_id; labels within the
// limits; the CAP fields (docs/interop.md): known enum values, each
// response type once, instruction UTF-8 of at most 2 KiB, language a BCP 47
// tag, restriction only with SCOPE_RESTRICTED, area a circle (radius 0..100
// km) or polygon (4..100 points; an open ring is closed) lying in the same
// extent as the point. The deprecated CATEGORY_EXERCISE becomes status
// STATUS_EXERCISE with category CATEGORY_OTHER.
absl::Status ValidateAndNormalizeUpdate(v1::SituationUpdate& update,
                                        absl::Time now,
                                        const ValidationLimits& limits = {},
                                        absl::string_view field_prefix =
                                            "update");

// The incident_id rule of ValidateAndNormalizeUpdate alone (charset and
// length), for requests that name an incident: INVALID_ARGUMENT whose
// message starts with "incident_id". An empty id passes (say what an empty
// id means where it is read).
absl::Status ValidateIncidentId(absl::string_view id,
                                const ValidationLimits& limits = {});

}  // namespace sitrep

#endif  // SITREP_SERVER_INGEST_VALIDATOR_H_

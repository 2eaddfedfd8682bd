#include "server/http/municipalities_json.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "server/http/json_body.h"
#include "server/ingest/municipality.h"

namespace sitrep {
namespace {

std::string Build() {
  google::protobuf::Struct body;
  google::protobuf::ListValue* list =
      (*body.mutable_fields())["municipalities"].mutable_list_value();
  for (const Municipality& municipality : AllMunicipalities()) {
    auto& fields = *list->add_values()->mutable_struct_value()->mutable_fields();
    fields["id"].set_string_value(municipality.id);
    fields["albanian"].set_string_value(municipality.albanian);
    fields["serbianLatin"].set_string_value(municipality.serbian_latin);
    fields["serbianCyrillic"].set_string_value(municipality.serbian_cyrillic);
    fields["english"].set_string_value(municipality.english);
    // The seat places an update without a point on the dashboard's map.
    auto& seat = *fields["seat"].mutable_struct_value()->mutable_fields();
    seat["name"].set_string_value(municipality.seat);
    seat["latitude"].set_number_value(municipality.seat_latitude);
    seat["longitude"].set_number_value(municipality.seat_longitude);
  }
  return ToJson(body);
}

}  // namespace

const std::string& MunicipalitiesJson() {
  static const std::string* const json = new std::string(Build());
  return *json;
}

}  // namespace sitrep

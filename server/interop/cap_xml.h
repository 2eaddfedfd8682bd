#ifndef SITREP_SERVER_INTEROP_CAP_XML_H_
#define SITREP_SERVER_INTEROP_CAP_XML_H_

// Reading a CAP 1.2 document's elements from libxml2's tree, for the CAP
// import (cap_import.cc, cap_area_import.cc): elements of the CAP namespace
// only, their text trimmed, and INVALID_ARGUMENT that names the element.
//
//   const xmlNode* info = cap_xml::Children(alert, "info").front();
//   std::string headline = cap_xml::Child(info, "headline");  // "" if none
//
// Every node is borrowed from its xmlDoc and lives as long as it does.

#include <libxml/tree.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace sitrep::cap_xml {

// INVALID_ARGUMENT "<field>: <message>", `field` the element's path
// ("alert.info.area").
absl::Status Invalid(absl::string_view field, absl::string_view message);

// True when `node` is the CAP 1.2 element `name` (namespace included).
bool IsCap(const xmlNode* node, absl::string_view name);

// The CAP child elements `name` of `parent`, in document order.
std::vector<const xmlNode*> Children(const xmlNode* parent,
                                     absl::string_view name);

// The text of `node` (null: ""), without leading or trailing white space.
std::string Text(const xmlNode* node);

// The text of the first CAP child element `name` of `parent`; "" when none.
std::string Child(const xmlNode* parent, absl::string_view name);

}  // namespace sitrep::cap_xml

#endif  // SITREP_SERVER_INTEROP_CAP_XML_H_

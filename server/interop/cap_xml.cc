#include "server/interop/cap_xml.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "server/interop/cap_alert.h"

namespace sitrep::cap_xml {

absl::Status Invalid(absl::string_view field, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", message));
}

bool IsCap(const xmlNode* node, absl::string_view name) {
  return node != nullptr && node->type == XML_ELEMENT_NODE &&
         node->ns != nullptr && node->ns->href != nullptr &&
         absl::string_view(reinterpret_cast<const char*>(node->ns->href)) ==
             kCapNamespace &&
         absl::string_view(reinterpret_cast<const char*>(node->name)) == name;
}

std::vector<const xmlNode*> Children(const xmlNode* parent,
                                     absl::string_view name) {
  std::vector<const xmlNode*> out;
  for (const xmlNode* c = parent->children; c != nullptr; c = c->next) {
    if (IsCap(c, name)) out.push_back(c);
  }
  return out;
}

std::string Text(const xmlNode* node) {
  if (node == nullptr) return "";
  xmlChar* content = xmlNodeGetContent(node);
  std::string text = content != nullptr ? reinterpret_cast<const char*>(content) : "";
  xmlFree(content);
  return std::string(absl::StripAsciiWhitespace(text));
}

std::string Child(const xmlNode* parent, absl::string_view name) {
  std::vector<const xmlNode*> found = Children(parent, name);
  return found.empty() ? "" : Text(found.front());
}

}  // namespace sitrep::cap_xml

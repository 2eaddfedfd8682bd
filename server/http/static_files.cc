#include "server/http/static_files.h"

#include <cstddef>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace sitrep {
namespace {

struct EmbeddedFile {
  const char* name;
  const char* data;
  size_t size;
};

#include "dashboard_files.inc"

absl::string_view ContentTypeOf(absl::string_view name) {
  if (absl::EndsWith(name, ".html")) return "text/html; charset=utf-8";
  if (absl::EndsWith(name, ".js")) return "text/javascript; charset=utf-8";
  if (absl::EndsWith(name, ".css")) return "text/css; charset=utf-8";
  if (absl::EndsWith(name, ".svg")) return "image/svg+xml";
  if (absl::EndsWith(name, ".png")) return "image/png";
  if (absl::EndsWith(name, ".json")) return "application/json";
  if (absl::EndsWith(name, ".geojson")) return "application/geo+json";
  return "application/octet-stream";
}

absl::flat_hash_map<std::string, StaticFile> IndexFiles() {
  absl::flat_hash_map<std::string, StaticFile> files;
  for (const EmbeddedFile& file : kEmbeddedFiles) {
    const StaticFile entry{ContentTypeOf(file.name),
                           absl::string_view(file.data, file.size)};
    files[absl::StrCat("/dashboard/", file.name)] = entry;
    if (absl::string_view(file.name) == "index.html") files["/"] = entry;
  }
  return files;
}

}  // namespace

const StaticFile* FindStaticFile(absl::string_view path) {
  static const auto* const files =
      new absl::flat_hash_map<std::string, StaticFile>(IndexFiles());
  auto it = files->find(path);
  return it == files->end() ? nullptr : &it->second;
}

}  // namespace sitrep

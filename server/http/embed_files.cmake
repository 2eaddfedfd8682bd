# cmake -DOUT=files.inc -DFILES="a;b" -P embed_files.cmake
# Writes every file as a C++ string literal with its size: kEmbeddedFiles.
set(entries "")
foreach(path IN LISTS FILES)
  get_filename_component(name "${path}" NAME)
  file(READ "${path}" hex HEX)
  file(SIZE "${path}" size)
  string(REGEX REPLACE "(..)" "\\\\x\\1" escaped "${hex}")
  string(APPEND entries "  {\"${name}\", \"${escaped}\", ${size}},\n")
endforeach()
file(WRITE "${OUT}.tmp"
  "// Generated from client/dashboard/ by embed_files.cmake. Do not edit.\n"
  "constexpr EmbeddedFile kEmbeddedFiles[] = {\n${entries}};\n")
file(RENAME "${OUT}.tmp" "${OUT}")

# cmake -DDIR=client/dashboard -DENTRIES="first-situation;app" -DOUT_DIR=dir
#       -P bundle_dashboard.cmake
# The dashboard's ES modules (client/dashboard/*.js, the source of truth) as
# the one script sitrepd serves, and its index.html pointing at it (issue
# 24: with 18 modules the browser's module loading was ~0.7 s of a big
# situation's first paint). Writes OUT_DIR/bundle.js and OUT_DIR/index.html.
#
# The modules are written in one narrow form, which this relies on and
# checks: imports are `import { a, b } from './name.js';` (no `as`, no
# default, no namespace, no bare or dynamic import); exports are
# `export function|async function|class|const NAME` at the start of a line.
# Each module becomes a function scope run once, in the order ES modules
# run (depth first, dependencies before their importer, the entries in
# order), returning its exports; an import becomes a destructuring of its
# module's exports. Exports are never reassigned (no `export let`), so the
# copies are the live bindings' values. An import cycle stops the build.
cmake_minimum_required(VERSION 3.25)

set_property(GLOBAL PROPERTY bundle_order "")
set_property(GLOBAL PROPERTY bundle_path "")

# The identifier of module `name`'s exports ("first-situation" ->
# module_first_situation).
function(module_identifier name out)
  string(MAKE_C_IDENTIFIER "module_${name}" id)
  set(${out} "${id}" PARENT_SCOPE)
endfunction()

function(imports_of text out)
  # Without the statement's `;`, which would split the list.
  string(REGEX MATCHALL "\nimport {[^}]*} from '\\./[a-z0-9-]+\\.js'" statements "${text}")
  set(names "")
  foreach(statement IN LISTS statements)
    string(REGEX REPLACE ".*from '\\./([a-z0-9-]+)\\.js'$" "\\1" name "${statement}")
    list(APPEND names "${name}")
  endforeach()
  set(${out} "${names}" PARENT_SCOPE)
endfunction()

# Depth first: bundle_order gets `name` after every module it imports.
function(visit name)
  get_property(order GLOBAL PROPERTY bundle_order)
  if(name IN_LIST order)
    return()
  endif()
  get_property(path GLOBAL PROPERTY bundle_path)
  if(name IN_LIST path)
    message(FATAL_ERROR "bundle_dashboard: an import cycle: ${path} -> ${name}")
  endif()
  set_property(GLOBAL APPEND PROPERTY bundle_path "${name}")
  file(READ "${DIR}/${name}.js" text)
  imports_of("\n${text}" imports)
  foreach(dependency IN LISTS imports)
    visit("${dependency}")
  endforeach()
  set_property(GLOBAL APPEND PROPERTY bundle_order "${name}")
endfunction()

# Module `name` as `const module_name = (() => { ... return {exports}; })();`.
function(wrap_module name out)
  file(READ "${DIR}/${name}.js" text)
  set(text "\n${text}")
  imports_of("${text}" imports)
  foreach(dependency IN LISTS imports)
    module_identifier("${dependency}" id)
    string(REGEX REPLACE "\nimport ({[^}]*}) from '\\./${dependency}\\.js';"
      "\nconst \\1 = ${id};" text "${text}")
  endforeach()
  string(REGEX MATCHALL "\nexport (async function|function|class|const) [A-Za-z0-9_]+"
    declarations "${text}")
  set(exports "")
  foreach(declaration IN LISTS declarations)
    string(REGEX REPLACE ".* ([A-Za-z0-9_]+)$" "\\1" exported "${declaration}")
    list(APPEND exports "${exported}")
  endforeach()
  string(REGEX REPLACE "\nexport " "\n" text "${text}")
  if(text MATCHES "\n(import|export)[ {]")
    message(FATAL_ERROR "bundle_dashboard: ${name}.js has an import or export "
      "of another form than this script reads (see its header)")
  endif()
  list(JOIN exports ", " exported)
  module_identifier("${name}" id)
  set(${out} "// ${name}.js\nconst ${id} = (() => {${text}\nreturn { ${exported} };\n})();\n\n"
    PARENT_SCOPE)
endfunction()

foreach(entry IN LISTS ENTRIES)
  visit("${entry}")
endforeach()
get_property(order GLOBAL PROPERTY bundle_order)
set(bundle "// Generated from client/dashboard/*.js by server/http/bundle_dashboard.cmake. Do not edit.\n\n")
foreach(name IN LISTS order)
  wrap_module("${name}" wrapped)
  string(APPEND bundle "${wrapped}")
endforeach()
file(WRITE "${OUT_DIR}/bundle.js.tmp" "${bundle}")
file(RENAME "${OUT_DIR}/bundle.js.tmp" "${OUT_DIR}/bundle.js")

# index.html: what stands between its "modules" markers becomes the bundle.
file(READ "${DIR}/index.html" html)
string(FIND "${html}" "<!-- modules:" begin)
string(FIND "${html}" "<!-- end of modules -->" end)
if(begin EQUAL -1 OR end EQUAL -1 OR end LESS begin)
  message(FATAL_ERROR "bundle_dashboard: index.html has no <!-- modules: ... "
    "<!-- end of modules --> markers")
endif()
string(LENGTH "<!-- end of modules -->" marker_length)
math(EXPR after "${end} + ${marker_length}")
string(SUBSTRING "${html}" 0 ${begin} head)
string(SUBSTRING "${html}" ${after} -1 tail)
file(WRITE "${OUT_DIR}/index.html.tmp"
  "${head}<!-- The modules, bundled at build time (server/http/bundle_dashboard.cmake). -->\n"
  "  <script type=\"module\" src=\"/dashboard/bundle.js\"></script>${tail}")
file(RENAME "${OUT_DIR}/index.html.tmp" "${OUT_DIR}/index.html")

# sitrep_server: everything but main(); sitrepd: flags -> ServerConfig -> Server.
add_library(sitrep_server server.cc server_steps.cc server_listeners.cc state_gauges.cc config/server_config.cc
  config/flags_help.cc)
add_library(sitrep::server ALIAS sitrep_server)
target_include_directories(sitrep_server PUBLIC ${SITREP_SOURCE_DIR})
target_link_libraries(sitrep_server
  PUBLIC sitrep_log sitrep_filter sitrep_ingest sitrep_situation sitrep_query sitrep_runtime absl::statusor absl::time absl::flags
  PRIVATE sitrep_api sitrep_http sitrep_auth sitrep_fanout sitrep_metrics sitrep_sinks gRPC::grpc++ gRPC::grpc++_reflection absl::strings absl::flags_reflection)

add_executable(sitrepd main.cc)
target_link_libraries(sitrepd PRIVATE sitrep_server sitrep_auth absl::flags absl::flags_parse absl::flags_usage absl::flags_usage_internal absl::strings)

# sitrep_link_malloc(TARGET): links SITREP_MALLOC into TARGET. A macro, so
# that the link feature below is defined in the caller's directory (the
# bench's ceiling_server links the same allocator as sitrepd).
macro(sitrep_link_malloc target)
  if(SITREP_MALLOC STREQUAL "jemalloc" AND NOT SITREP_SANITIZE AND NOT SITREP_BUILD_FUZZERS)
    find_package(PkgConfig REQUIRED)
    pkg_check_modules(JEMALLOC REQUIRED jemalloc)
    # Nothing calls jemalloc by name: keep it linked (its malloc is then the
    # one every library resolves to) even where the linker drops unused
    # libraries (--as-needed).
    set(CMAKE_LINK_LIBRARY_USING_NO_AS_NEEDED
        "LINKER:--push-state,--no-as-needed" "<LINK_ITEM>" "LINKER:--pop-state")
    set(CMAKE_LINK_LIBRARY_USING_NO_AS_NEEDED_SUPPORTED TRUE)
    target_link_libraries(${target} PRIVATE
      "$<LINK_LIBRARY:NO_AS_NEEDED,${JEMALLOC_LINK_LIBRARIES}>")
  elseif(NOT SITREP_MALLOC MATCHES "^(jemalloc|system)$")
    message(FATAL_ERROR "SITREP_MALLOC must be jemalloc or system, not '${SITREP_MALLOC}'")
  endif()
endmacro()
sitrep_link_malloc(sitrepd)

# sitrep_server: everything but main(); sitrepd: flags -> ServerConfig -> Server.
add_library(sitrep_server server.cc state_gauges.cc config/server_config.cc)
add_library(sitrep::server ALIAS sitrep_server)
target_include_directories(sitrep_server PUBLIC ${SITREP_SOURCE_DIR})
target_link_libraries(sitrep_server
  PUBLIC sitrep_log sitrep_filter sitrep_ingest sitrep_query sitrep_runtime absl::statusor absl::time absl::flags
  PRIVATE sitrep_api sitrep_http sitrep_auth sitrep_fanout sitrep_metrics sitrep_sinks gRPC::grpc++ gRPC::grpc++_reflection absl::strings)

add_executable(sitrepd main.cc)
target_link_libraries(sitrepd PRIVATE sitrep_server sitrep_auth absl::flags absl::flags_parse absl::flags_usage absl::flags_usage_internal absl::strings)

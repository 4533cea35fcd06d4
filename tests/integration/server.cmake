# SPDX-License-Identifier: Apache-2.0
# The socket server end to end: a test server with trivial ops, driven by a
# C client that opens many connections, misbehaves, and signals the server.
if(TARGET signerd_core AND TARGET proto)
  add_executable(proto_test_server integration/proto_test_server.c)
  target_link_libraries(proto_test_server PRIVATE signerd_core proto)
  add_executable(test_server_socket integration/test_server_socket.c)
  target_link_libraries(test_server_socket PRIVATE proto Threads::Threads
    signerd_warnings)
  add_test(NAME server_socket
    COMMAND test_server_socket $<TARGET_FILE:proto_test_server>)
  set_tests_properties(server_socket PROPERTIES LABELS integration TIMEOUT 120)
endif()

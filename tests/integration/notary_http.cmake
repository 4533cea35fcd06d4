# SPDX-License-Identifier: Apache-2.0
# tools/notary_http's wire layer against a deliberately quirky HTTP server.
if(TARGET notary_http)
  add_executable(test_notary_http_wire
    ${CMAKE_CURRENT_LIST_DIR}/test_notary_http_wire.c)
  target_link_libraries(test_notary_http_wire PRIVATE notary_http
    signerd_warnings)
  signerd_script_test(integration_notary_http_wire integration
    integration/notary-http-wire.sh $<TARGET_FILE:test_notary_http_wire>)
  set_tests_properties(integration_notary_http_wire PROPERTIES TIMEOUT 60)
endif()

# SPDX-License-Identifier: Apache-2.0
# tools/notary_http against the real notary-server and notary client.
if(TARGET notary_http)
  add_executable(test_notary_http ${CMAKE_CURRENT_LIST_DIR}/test_notary_http.c)
  target_link_libraries(test_notary_http PRIVATE notary_http
    PkgConfig::LIBCRYPTO signerd_warnings)
  signerd_script_test(interop_notary_http interop interop/notary-http.sh
    $<TARGET_FILE:test_notary_http>)
  set_tests_properties(interop_notary_http PROPERTIES TIMEOUT 60)
endif()

# The other direction: tuf/ builds and signs, notary_http publishes, the real
# notary client and docker CLI read.
if(TARGET notary_http AND TARGET tuf)
  add_executable(test_tuf_publish ${CMAKE_CURRENT_LIST_DIR}/test_tuf_publish.c)
  target_link_libraries(test_tuf_publish PRIVATE tuf json notary_http
    PkgConfig::LIBCRYPTO signerd_warnings)
  signerd_script_test(interop_tuf_publish interop interop/tuf-publish.sh
    $<TARGET_FILE:test_tuf_publish>)
  set_tests_properties(interop_tuf_publish PROPERTIES TIMEOUT 60)
endif()

# SPDX-License-Identifier: Apache-2.0
# Vectors made by the real notary-server, notary client and docker CLI, then
# checked by test_tuf_vectors: json/ + OpenSSL as an independent oracle, and
# tuf/ as well once that library is in the tree.
add_executable(test_tuf_vectors
  ${CMAKE_CURRENT_LIST_DIR}/test_tuf_vectors.c
  ${CMAKE_CURRENT_LIST_DIR}/vectors.c)
target_link_libraries(test_tuf_vectors PRIVATE json PkgConfig::LIBCRYPTO
  signerd_warnings)
if(TARGET tuf AND EXISTS ${CMAKE_CURRENT_LIST_DIR}/test_tuf_vectors_tuf.c)
  target_sources(test_tuf_vectors PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/test_tuf_vectors_tuf.c)
  target_compile_definitions(test_tuf_vectors PRIVATE TUF_VECTORS_WITH_TUF)
  target_link_libraries(test_tuf_vectors PRIVATE tuf)
endif()
signerd_script_test(interop_tuf_vectors interop interop/tuf-vectors.sh
  $<TARGET_FILE:test_tuf_vectors>)
set_tests_properties(interop_tuf_vectors PROPERTIES TIMEOUT 120)

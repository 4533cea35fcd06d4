# SPDX-License-Identifier: Apache-2.0
# Vectors made by the real notary-server, notary client and docker CLI, checked
# by test_tuf_vectors (tuf/) when that library is in the tree.
if(TARGET tuf)
  add_executable(test_tuf_vectors ${CMAKE_CURRENT_LIST_DIR}/test_tuf_vectors.c)
  target_link_libraries(test_tuf_vectors PRIVATE tuf signerd_warnings)
  signerd_script_test(interop_tuf_vectors interop interop/tuf-vectors.sh
    $<TARGET_FILE:test_tuf_vectors>)
else()
  signerd_script_test(interop_tuf_vectors interop interop/tuf-vectors.sh)
endif()
set_tests_properties(interop_tuf_vectors PROPERTIES TIMEOUT 120)

# SPDX-License-Identifier: Apache-2.0
# The ops over the in-memory software key backend (tests/lib/keys_soft.c).
if(TARGET signerd_core)
  add_library(keys_soft STATIC ${CMAKE_CURRENT_LIST_DIR}/../lib/keys_soft.c)
  target_include_directories(keys_soft PUBLIC ${CMAKE_CURRENT_LIST_DIR}/../lib)
  target_link_libraries(keys_soft PUBLIC signerd_core signerd_warnings)
  signerd_unit_test(test_ops SOURCES unit/test_ops.c LIBS keys_soft signerd_core)
  set_tests_properties(test_ops PROPERTIES TIMEOUT 120)
endif()

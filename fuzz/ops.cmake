# SPDX-License-Identifier: Apache-2.0
# signerd's request dispatcher over the software key backend (tests/lib/keys_soft.c).
if(TARGET signerd_core)
  if(NOT TARGET keys_soft_fuzz)
    add_library(keys_soft_fuzz STATIC ${CMAKE_SOURCE_DIR}/tests/lib/keys_soft.c)
    target_include_directories(keys_soft_fuzz PUBLIC ${CMAKE_SOURCE_DIR}/tests/lib)
    target_link_libraries(keys_soft_fuzz PUBLIC signerd_core signerd_warnings)
  endif()
  signerd_fuzz_target(fuzz_signerd_dispatch
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_signerd_dispatch.c
    LIBS keys_soft_fuzz signerd_core)
endif()

# SPDX-License-Identifier: Apache-2.0
# hsm/ tests run against a real SoftHSM2 token that each test process makes
# in a private directory and removes; labelled integration as well as unit.
foreach(t test_hsm test_hsm_faults test_hsm_init)
  if(EXISTS ${CMAKE_CURRENT_LIST_DIR}/${t}.c)
    add_executable(${t} ${CMAKE_CURRENT_LIST_DIR}/${t}.c
      ${CMAKE_CURRENT_LIST_DIR}/hsm_testutil.c)
    target_include_directories(${t} PRIVATE ${CMAKE_CURRENT_LIST_DIR})
    target_link_libraries(${t} PRIVATE hsm PkgConfig::CMOCKA PkgConfig::LIBCRYPTO
      PkgConfig::P11KIT Threads::Threads ${CMAKE_DL_LIBS} signerd_warnings)
    add_test(NAME ${t} COMMAND ${t})
    set_tests_properties(${t} PROPERTIES LABELS "unit;integration" TIMEOUT 300)
  endif()
endforeach()

# The same programs under valgrind (label "valgrind"; slow, so not "unit").
# Only in builds without sanitizers; tests/valgrind.supp names the known
# leaks inside SoftHSM2.
if(VALGRIND AND NOT SIGNERD_SANITIZE)
  foreach(t test_hsm test_hsm_faults test_hsm_init)
    if(TARGET ${t})
      add_test(NAME ${t}_valgrind COMMAND ${VALGRIND} --error-exitcode=9
        --leak-check=full --errors-for-leak-kinds=definite,indirect
        --suppressions=${CMAKE_SOURCE_DIR}/tests/valgrind.supp $<TARGET_FILE:${t}>)
      set_tests_properties(${t}_valgrind PROPERTIES LABELS valgrind TIMEOUT 900)
    endif()
  endforeach()
endif()

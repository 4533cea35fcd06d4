# SPDX-License-Identifier: Apache-2.0
# hsm/ tests run against a real SoftHSM2 token that each test process makes
# in a private directory and removes; labelled integration as well as unit.
foreach(t test_hsm test_hsm_faults)
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

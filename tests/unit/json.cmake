# SPDX-License-Identifier: Apache-2.0
signerd_unit_test(test_json SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_json.c LIBS json)

# SPDX-License-Identifier: Apache-2.0
# json/: the strict reader, and the canonical writer's parse -> write -> parse stability.
signerd_fuzz_target(fuzz_json SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_json.c LIBS json)
signerd_fuzz_target(fuzz_json_canon SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_json_canon.c LIBS json)

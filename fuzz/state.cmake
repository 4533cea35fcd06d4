# SPDX-License-Identifier: Apache-2.0
# The config reader, from bytes (config_parse).
signerd_fuzz_target(fuzz_config SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_config.c LIBS signerd_core)

# SPDX-License-Identifier: Apache-2.0
# tuf/ unit tests: formats, key IDs, escaping, parse errors; tamper tests on a
# repository built in the test with OpenSSL software keys.
signerd_unit_test(test_tuf SOURCES unit/test_tuf.c LIBS tuf)
signerd_unit_test(test_tuf_tamper SOURCES unit/test_tuf_tamper.c LIBS tuf)

# SPDX-License-Identifier: Apache-2.0
# tools/notary_http parsers (challenge, error bodies, names); no network.
if(TARGET notary_http)
  signerd_unit_test(test_notary_http_unit SOURCES unit/test_notary_http.c
    LIBS notary_http)
endif()

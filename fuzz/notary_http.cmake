# SPDX-License-Identifier: Apache-2.0
# tools/notary_http: the challenge parser and the error-body decoder.
if(TARGET notary_http)
  signerd_fuzz_target(fuzz_notary_http SOURCES fuzz_notary_http.c
    LIBS notary_http)
endif()

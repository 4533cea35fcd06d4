# SPDX-License-Identifier: Apache-2.0
# tools/notary_http: the challenge parser, the error-body decoder, the
# response parser.
if(TARGET notary_http)
  signerd_fuzz_target(fuzz_notary_http SOURCES fuzz_notary_http.c
    LIBS notary_http)
endif()
# The HTTP/1.1 response parser: whole and split reads must agree.
if(TARGET notary_http)
  signerd_fuzz_target(fuzz_notary_http_resp SOURCES fuzz_notary_http_resp.c
    LIBS notary_http)
endif()

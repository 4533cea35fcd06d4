# SPDX-License-Identifier: Apache-2.0
if(TARGET proto)
  signerd_fuzz_target(fuzz_proto_frame SOURCES fuzz_proto_frame.c LIBS proto)
endif()

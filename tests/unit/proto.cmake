# SPDX-License-Identifier: Apache-2.0
if(TARGET proto)
  signerd_unit_test(test_proto SOURCES unit/test_proto.c LIBS proto)
endif()

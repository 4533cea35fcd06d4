# SPDX-License-Identifier: Apache-2.0
# trustctl's pure parts: the docker inspect formatter and the trust store.
if(TARGET trustctl_core)
  signerd_unit_test(test_trustctl SOURCES unit/test_trustctl.c
    LIBS trustctl_core)
endif()

# SPDX-License-Identifier: Apache-2.0
# trustctl refuses trust data altered between it and notary-server
# (tamper-proxy.py) or replaced on the server, and keeps its trust store.
if(TARGET signerd AND TARGET trustctl)
  signerd_script_test(interop_tamper interop interop/tamper.sh)
  set_tests_properties(interop_tamper PROPERTIES TIMEOUT 120)
endif()

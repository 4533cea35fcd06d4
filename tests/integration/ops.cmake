# SPDX-License-Identifier: Apache-2.0
# signerd end to end: a real SoftHSM2 token, a real signerd process on a
# private socket, and the real notary-server and notary client as judges.
if(TARGET signerd AND TARGET signerd-audit)
  signerd_script_test(integration_ops integration integration/ops.sh)
  set_tests_properties(integration_ops PROPERTIES TIMEOUT 300)
endif()

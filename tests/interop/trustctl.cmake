# SPDX-License-Identifier: Apache-2.0
# trustctl against the real notary-server, notary client and docker CLI.
if(TARGET trustctl)
  signerd_script_test(interop_trustctl interop interop/trustctl.sh
    $<TARGET_FILE:trustctl>)
  set_tests_properties(interop_trustctl PROPERTIES TIMEOUT 180)
endif()
if(TARGET trustctl AND TARGET signerd)
  signerd_script_test(interop_trustctl_signerd interop
    interop/trustctl-signerd.sh $<TARGET_FILE:trustctl> $<TARGET_FILE:signerd>)
  set_tests_properties(interop_trustctl_signerd PROPERTIES TIMEOUT 240
    SKIP_RETURN_CODE 77)
endif()
if(TARGET trustctl)
  signerd_script_test(interop_trustctl_auth interop interop/trustctl-auth.sh
    $<TARGET_FILE:trustctl>)
  set_tests_properties(interop_trustctl_auth PROPERTIES TIMEOUT 60)
endif()
if(TARGET trustctl)
  signerd_script_test(interop_trustctl_proxy interop
    interop/trustctl-proxy.sh $<TARGET_FILE:trustctl>)
  set_tests_properties(interop_trustctl_proxy PROPERTIES TIMEOUT 60)
endif()

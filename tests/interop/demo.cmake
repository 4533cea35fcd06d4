# SPDX-License-Identifier: Apache-2.0
# tools/demo end to end (README's first command), so it stays working; and the
# tamper test: trust data altered in transit or replaced on the server.
# Both need signerd and trustctl; the demo also needs root (it runs the CI
# signer as `nobody`) and is skipped otherwise.
if(TARGET signerd AND TARGET trustctl)
  signerd_script_test(interop_demo interop ../tools/demo)
  set_property(TEST interop_demo APPEND PROPERTY ENVIRONMENT DEMO_SKIP_RC=77)
  set_tests_properties(interop_demo PROPERTIES TIMEOUT 120 SKIP_RETURN_CODE 77)
endif()

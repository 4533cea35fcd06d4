# SPDX-License-Identifier: Apache-2.0
# The daemon's state modules: config, policy, ledger, audit.
signerd_unit_test(test_config SOURCES unit/test_config.c LIBS signerd_core)
signerd_unit_test(test_policy SOURCES unit/test_policy.c LIBS signerd_core)
signerd_unit_test(test_ledger SOURCES unit/test_ledger.c lib/state_testutil.c
  LIBS signerd_core)
signerd_unit_test(test_audit SOURCES unit/test_audit.c lib/state_testutil.c
  LIBS signerd_core)
target_include_directories(test_ledger PRIVATE ${CMAKE_CURRENT_LIST_DIR}/../lib)
target_include_directories(test_audit PRIVATE ${CMAKE_CURRENT_LIST_DIR}/../lib)
# test_audit also runs the command-line verifier.
target_compile_definitions(test_audit PRIVATE
  SIGNERD_AUDIT_BIN="$<TARGET_FILE:signerd-audit>")
add_dependencies(test_audit signerd-audit)

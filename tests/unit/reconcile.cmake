# SPDX-License-Identifier: Apache-2.0
# The start-up cross-check of ledger and audit log (signerd/reconcile.c).
signerd_unit_test(test_reconcile SOURCES unit/test_reconcile.c
  lib/state_testutil.c LIBS signerd_core)
target_include_directories(test_reconcile PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/../lib)
set_tests_properties(test_reconcile PROPERTIES TIMEOUT 120)

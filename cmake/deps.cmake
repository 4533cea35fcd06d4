# SPDX-License-Identifier: Apache-2.0
# Every external library comes from Debian's packages through pkg-config.
find_package(PkgConfig REQUIRED)
pkg_check_modules(LIBCRYPTO REQUIRED IMPORTED_TARGET libcrypto>=3.0)
pkg_check_modules(LIBP11 REQUIRED IMPORTED_TARGET libp11)
pkg_check_modules(P11KIT REQUIRED IMPORTED_TARGET p11-kit-1)
# trustctl's HTTP client (tools/notary_http_conn.c) speaks TLS through libssl.
pkg_check_modules(LIBSSL REQUIRED IMPORTED_TARGET libssl>=3.0)
# The signing ledger (signerd/ledger.c); why SQLite: docs/ledger-and-audit.md.
pkg_check_modules(SQLITE3 REQUIRED IMPORTED_TARGET sqlite3>=3.22)
if(SIGNERD_TESTS)
  pkg_check_modules(CMOCKA REQUIRED IMPORTED_TARGET cmocka)
endif()
find_package(Threads REQUIRED)

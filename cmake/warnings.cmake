# SPDX-License-Identifier: Apache-2.0
# One interface target that every target links: warnings, hardening, sanitizers.
add_library(signerd_warnings INTERFACE)
target_compile_options(signerd_warnings INTERFACE
  -Wall -Wextra -Wshadow -Wformat=2 -Wvla -Werror
  -fstack-protector-strong)
# glibc hides POSIX and BSD names (explicit_bzero, fdopen...) under strict C11.
target_compile_definitions(signerd_warnings INTERFACE _DEFAULT_SOURCE)
target_compile_definitions(signerd_warnings INTERFACE
  $<$<CONFIG:Release,RelWithDebInfo>:_FORTIFY_SOURCE=2>)

if(SIGNERD_SANITIZE)
  target_compile_options(signerd_warnings INTERFACE
    -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  target_link_options(signerd_warnings INTERFACE -fsanitize=address,undefined)
endif()

# libFuzzer only sees coverage in code built with it: the libraries under a
# fuzz target need the instrumentation too, or the fuzzer runs blind.
if(SIGNERD_FUZZ)
  target_compile_options(signerd_warnings INTERFACE -fsanitize=fuzzer-no-link)
endif()

# SPDX-License-Identifier: Apache-2.0
# tuf/ fuzz targets: the metadata parser for every role type, and
# parse -> write -> parse stability.
signerd_fuzz_target(fuzz_tuf_meta SOURCES fuzz_tuf_meta.c LIBS tuf)
signerd_fuzz_target(fuzz_tuf_roundtrip SOURCES fuzz_tuf_roundtrip.c LIBS tuf)
# Key extraction: a certificate's DER walked to its P-256 SPKI, and SPKIs.
signerd_fuzz_target(fuzz_tuf_key SOURCES fuzz_tuf_key.c LIBS tuf PkgConfig::LIBCRYPTO)

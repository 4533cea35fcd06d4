# SPDX-License-Identifier: Apache-2.0
# hsm/ fuzz target: the backup-blob parser (no token needed). The seed corpus
# comes from fuzz/gen_hsm_blob_corpus.py.
signerd_fuzz_target(fuzz_hsm_blob SOURCES fuzz_hsm_blob.c
  LIBS hsm PkgConfig::P11KIT)

#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the seed corpus of fuzz_hsm_blob: valid backup blobs (ECDSA P-256,
Ed25519, RSA 3072 public keys made by the openssl command, key IDs computed
as hsm/ does) and truncations and single-field breakages of them.

Run once from the repository root: fuzz/gen_hsm_blob_corpus.py
The wrapped part is random bytes of a length RFC 5649 could give: the parser
cannot check more without the key-encryption key.
"""
import base64
import hashlib
import os
import struct
import subprocess
import sys
import tempfile

MAGIC = b"SGNDBK1\n"
TYPES = {0: ("ecdsa", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]),
         1: ("ed25519", ["-algorithm", "ED25519"]),
         2: ("rsa", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072"])}


def spki_of(args, tmp):
    key = os.path.join(tmp, "k.pem")
    subprocess.run(["openssl", "genpkey", *args, "-out", key], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return subprocess.run(["openssl", "pkey", "-in", key, "-pubout", "-outform", "DER"],
                          check=True, stdout=subprocess.PIPE).stdout


def key_id(name, spki):
    pub = spki[-32:] if name == "ed25519" else spki
    text = '{"keytype":"%s","keyval":{"private":null,"public":"%s"}}' % (
        name, base64.b64encode(pub).decode())
    return hashlib.sha256(text.encode()).digest()


def blob(t, kid, label, spki, wrapped):
    return (MAGIC + bytes([t, len(kid)]) + kid + struct.pack(">H", len(label)) + label +
            struct.pack(">H", len(spki)) + spki + struct.pack(">I", len(wrapped)) + wrapped)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "fuzz/corpus/fuzz_hsm_blob"
    os.makedirs(out, exist_ok=True)
    seeds = {}
    with tempfile.TemporaryDirectory() as tmp:
        for t, (name, args) in TYPES.items():
            spki = spki_of(args, tmp)
            kid = key_id(name, spki)
            wrapped = os.urandom({0: 152, 1: 56, 2: 1800}[t])
            good = blob(t, kid, b"signerd-backup:root:example.com/app", spki, wrapped)
            seeds["valid-%s" % name] = good
            seeds["valid-%s-plain-label" % name] = blob(t, kid, b"signerd:targets:x/y",
                                                        spki, wrapped)
            if t == 0:
                seeds["valid-ecdsa-empty-label"] = blob(t, kid, b"", spki, wrapped[:16])
                # One field broken at a time.
                seeds["bad-type"] = good[:8] + b"\x01" + good[9:]
                seeds["bad-id"] = good[:20] + bytes([good[20] ^ 1]) + good[21:]
                seeds["bad-trailing"] = good + b"\x00"
                seeds["bad-wrapped-len"] = blob(t, kid, b"a", spki, wrapped[:15])
                seeds["bad-label-nul"] = blob(t, kid, b"a\x00b", spki, wrapped)
                seeds["bad-magic"] = b"SGNDBK2\n" + good[8:]
                # Truncations at every field boundary and inside each field.
                lab = 35
                cuts = [0, 4, 8, 9, 10, 26, 42, 43, 44, 44 + lab, 46 + lab, 90 + lab,
                        137 + lab, 139 + lab, 141 + lab, 200 + lab, len(good) - 1]
                for c in cuts:
                    seeds["trunc-%d" % c] = good[:c]
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()

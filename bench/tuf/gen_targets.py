#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes a Notary-format targets file with N tags (default 100,000) for bench/tuf.

The layout follows what the real notary writes: {"signed":<canonical>,
"signatures":[...]} with "signed" first and no trailing newline. Tag names
stay within characters on which Python's json.dumps and Notary's escaping
agree, so the baseline's output can be checked against ours byte for byte.
"""
import base64
import hashlib
import json
import random
import sys


def b64(raw):
    return base64.b64encode(raw).decode()


def main():
    path = sys.argv[1]
    ntags = int(sys.argv[2]) if len(sys.argv) > 2 else 100000
    rng = random.Random(20261125)

    keys = {}
    for _ in range(3):
        # An ecdsa key as notary publishes it: base64 of a P-256 SPKI (91 bytes).
        spki = bytes.fromhex("3059301306072a8648ce3d020106082a8648ce3d030107034200") + \
            rng.randbytes(65)
        key = {"keytype": "ecdsa", "keyval": {"private": None, "public": b64(spki)}}
        canon = json.dumps(key, sort_keys=True, separators=(",", ":")).encode()
        keys[hashlib.sha256(canon).hexdigest()] = key
    ids = sorted(keys)
    roles = [{"keyids": [ids[0]], "name": "targets/releases", "paths": [""], "threshold": 1},
             {"keyids": [ids[1]], "name": "targets/alice", "paths": [""], "threshold": 1},
             {"keyids": [ids[2]], "name": "targets/bob", "paths": ["bob/"], "threshold": 1}]

    targets = {}
    for i in range(ntags):
        name = "v%d.%d.%d-%d" % (rng.randrange(10), rng.randrange(20), rng.randrange(50), i)
        if i % 1000 == 7:
            name = "release-\u00e9t\u00e9-%d" % i
        hashes = {"sha256": b64(rng.randbytes(32))}
        if i % 10 == 0:
            hashes["sha512"] = b64(rng.randbytes(64))
        targets[name] = {"hashes": hashes, "length": rng.randrange(1, 1 << 31)}

    signed = {"_type": "Targets",
              "delegations": {"keys": keys, "roles": roles},
              "expires": "2029-11-24T14:05:58.50214598Z",
              "targets": targets,
              "version": 42}
    body = json.dumps(signed, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    sig = {"keyid": hashlib.sha256(b"targets key").hexdigest(), "method": "ecdsa",
           "sig": b64(rng.randbytes(64))}
    sigs = json.dumps([sig], sort_keys=True, separators=(",", ":"))
    with open(path, "wb") as f:
        f.write(('{"signed":' + body + ',"signatures":' + sigs + '}').encode())


if __name__ == "__main__":
    main()

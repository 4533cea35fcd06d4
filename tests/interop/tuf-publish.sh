#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Interop test: metadata built and signed by tuf/, published by notary_http
# (server-managed snapshot and timestamp), must be read by the real notary
# client and docker CLI exactly as published: same tags, digests, sizes, roles.
#
#   tuf-publish.sh TEST_TUF_PUBLISH
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib/notary-server.sh
. "$here/../lib/notary-server.sh"

[ $# -eq 1 ] || { echo "usage: ${0##*/} TEST_TUF_PUBLISH" >&2; exit 2; }
th_tmpdir T
notary_server_start "$T/server"
gun=registry.example/tufmade
"$1" "$NOTARY_URL" "$NOTARY_CA" "$gun" "$T/published.txt"

fail=0
# `notary list`: NAME DIGEST SIZE ROLE after two header lines.
notary_client "$T/fresh1" list "$gun" >"$T/list.txt" 2>"$T/list.err" ||
    { cat "$T/list.err" >&2; th_die "notary list refused our repository"; }
tail -n +3 "$T/list.txt" | awk 'NF { print $1, $2, $3, $4 }' | sort >"$T/a"
sort "$T/published.txt" >"$T/b"
if ! cmp -s "$T/a" "$T/b"; then
	echo "FAIL: notary list differs from what we published:" >&2
	diff "$T/b" "$T/a" >&2 || true
	fail=1
fi
# One lookup through a delegation.
want=$(awk '$1 == "r1" { print "r1 sha256:" $2 " " $3 }' "$T/published.txt")
got=$(notary_client "$T/fresh2" lookup "$gun" r1)
[ "$got" = "$want" ] || { echo "FAIL: lookup r1: '$got', want '$want'" >&2; fail=1; }

# docker trust inspect: every published tag with its digest.
if command -v docker >/dev/null 2>&1; then
	docker_env "$T/docker"
	docker trust inspect "$gun" >"$T/inspect.json" 2>"$T/inspect.err" ||
	    { cat "$T/inspect.err" >&2; th_die "docker trust inspect refused our repository"; }
	python3 - "$T/inspect.json" "$T/published.txt" <<'PY' || fail=1
import json, sys
got = {t["SignedTag"]: t["Digest"]
       for t in json.load(open(sys.argv[1]))[0]["SignedTags"]}
want = {}
for line in open(sys.argv[2], encoding="utf-8"):
    name, digest, _size, _role = line.split(" ")
    want[name] = digest
if got != want:
    print("FAIL: docker trust inspect differs:", got, want, file=sys.stderr)
    sys.exit(1)
PY
fi
[ "$fail" = 0 ] || exit 1
echo "notary list, notary lookup and docker trust inspect read" \
    "$(wc -l <"$T/published.txt") targets as published"

#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Interop test of tools/notary_http against the real notary-server: the real
# notary client makes a repository, test_notary_http deletes it and uploads
# the client's exact bytes again, and a fresh notary client must list the
# same targets afterwards.
#
#   notary-http.sh TEST_NOTARY_HTTP
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/notary-server.sh"

[ $# -eq 1 ] || { echo "usage: ${0##*/} TEST_NOTARY_HTTP" >&2; exit 2; }
checker=$1
th_tmpdir T
notary_server_start "$T/server"

nc() { notary_client "$T/trust" "$@" >>"$T/notary.log" 2>&1 ||
	{ tail -20 "$T/notary.log" >&2; th_die "notary $* failed"; }; }
gun=example.com/http
sha() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }

nc init -p "$gun"
nc addhash "$gun" v1 3 --sha256 "$(sha one)"
nc addhash "$gun" 'a<b>&c' 7 --sha256 "$(sha escaped)" -p
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$T/rel-key.pem" 2>/dev/null
openssl req -x509 -new -key "$T/rel-key.pem" -sha256 -days 30 \
    -subj "/CN=releases" -out "$T/rel.crt" 2>/dev/null
nc delegation add "$gun" targets/releases "$T/rel.crt" --all-paths
nc key import "$T/rel-key.pem" --role targets/releases --gun "$gun"
nc addhash "$gun" r1 4 --sha256 "$(sha rel1)" -r targets/releases -p

mkdir "$T/files"
for f in root.json 1.root.json 2.targets.json 2.snapshot.json targets.json \
    snapshot.json targets/releases.json; do
	notary_fetch "$gun" "$f" "$T/files/${f//\//_}" || th_die "GET $f failed"
done
notary_client "$(mktemp -d "$T/fresh.XXXXXX")" list "$gun" >"$T/list-before.txt"

"$checker" "$NOTARY_URL" "$NOTARY_CA" "$gun" "$T/files"

notary_client "$(mktemp -d "$T/fresh.XXXXXX")" list "$gun" >"$T/list-after.txt" ||
    th_die "notary list after re-upload failed"
if ! cmp -s "$T/list-before.txt" "$T/list-after.txt"; then
	echo "FAIL: notary list differs after re-upload:" >&2
	diff "$T/list-before.txt" "$T/list-after.txt" >&2 || true
	exit 1
fi
echo "notary list after re-upload: same $(($(wc -l <"$T/list-after.txt") - 2)) targets"

#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Interop test of tools/notary_http against the real notary-server: the real
# notary client makes a repository, test_notary_http deletes it and uploads
# the client's exact bytes again, and a fresh notary client must list the
# same targets afterwards. Then the same behind token auth: notary-server
# configured with `"auth":{"type":"token"}` and token-server.py as its realm.
#
#   notary-http.sh TEST_NOTARY_HTTP
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib/notary-server.sh
. "$here/../lib/notary-server.sh"

[ $# -eq 1 ] || { echo "usage: ${0##*/} TEST_NOTARY_HTTP" >&2; exit 2; }
checker=$1
th_tmpdir T

nc() { notary_client "$T/trust" "$@" >>"$T/notary.log" 2>&1 ||
	{ tail -20 "$T/notary.log" >&2; th_die "notary $* failed"; }; }
sha() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }

# make_repo GUN FILES: a repository with a delegation, made by the notary
# client; its files as served saved in FILES, `notary list` in FILES.list.
make_repo()
{
	local gun=$1 files=$2 f
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
	mkdir -p "$files"
	for f in root.json 1.root.json 2.targets.json 2.snapshot.json \
	    targets.json snapshot.json targets/releases.json; do
		notary_fetch "$gun" "$f" "$files/${f//\//_}" ||
		    th_die "GET $f failed"
	done
	notary_client "$(mktemp -d "$T/fresh.XXXXXX")" list "$gun" \
	    >"$files.list"
}

# same_list GUN FILES: a fresh notary client lists what it listed before.
same_list()
{
	notary_client "$(mktemp -d "$T/fresh.XXXXXX")" list "$1" >"$2.after" ||
	    th_die "notary list $1 after re-upload failed"
	if ! cmp -s "$2.list" "$2.after"; then
		echo "FAIL: notary list $1 differs after re-upload:" >&2
		diff "$2.list" "$2.after" >&2 || true
		exit 1
	fi
	echo "notary list $1 after re-upload: same" \
	    "$(($(wc -l <"$2.after") - 2)) targets"
}

# --- No auth. -------------------------------------------------------------
notary_server_start "$T/server"
make_repo example.com/http "$T/files"
"$checker" "$NOTARY_URL" "$NOTARY_CA" example.com/http "$T/files"
same_list example.com/http "$T/files"

# --- Token auth. ----------------------------------------------------------
S=$T/auth
notary_ca_make "$S" || th_die "CA creation failed"
openssl ecparam -name prime256v1 -genkey -noout -out "$T/sign.key" 2>/dev/null
openssl req -x509 -new -key "$T/sign.key" -sha256 -days 30 \
    -subj "/CN=token signer" -out "$T/sign.crt" 2>/dev/null
user=alice
pass=test-only-token-pass
printf '%s\n' "$pass" >"$T/pass"
python3 "$here/token-server.py" "$T/tport" "$S/server.crt" "$S/server.key" \
    "$T/sign.crt" "$T/sign.key" test-issuer notary-test "$user" "$T/pass" \
    2>"$T/token.log" &
th_on_exit "_th_kill $!"
for _ in $(seq 100); do [ -s "$T/tport" ] && break; sleep 0.05; done
[ -s "$T/tport" ] || { cat "$T/token.log" >&2; th_die "token server did not start"; }
tport=$(cat "$T/tport")
notary_server_start "$S" "\"auth\":{\"type\":\"token\",\"options\":{
 \"realm\":\"https://127.0.0.1:$tport/token\",\"service\":\"notary-test\",
 \"issuer\":\"test-issuer\",\"rootcertbundle\":\"$T/sign.crt\"}}"

g2=example.com/authed
NOTARY_AUTH=$(printf '%s:%s' "$user" "$pass" | base64)
export NOTARY_AUTH
NOTARY_FETCH_TOKEN=$(curl -sf --cacert "$NOTARY_CA" -u "$user:$pass" \
    "https://127.0.0.1:$tport/token?service=notary-test&scope=repository:$g2:pull" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])') ||
    th_die "no token from token-server.py"
export NOTARY_FETCH_TOKEN
make_repo "$g2" "$T/files2"
NH_TEST_USER=$user NH_TEST_PASS=$pass NH_TEST_TOKEN=$NOTARY_FETCH_TOKEN \
    NH_TEST_BASIC_URL="https://127.0.0.1:$tport" \
    "$checker" --auth "$NOTARY_URL" "$NOTARY_CA" "$g2" "$T/files2"
same_list "$g2" "$T/files2"

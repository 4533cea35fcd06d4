#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# notary_http's wire layer against a server that misbehaves on purpose
# (http-quirks.py); then the server's log must show the dropped POST once:
# a POST is never sent twice.
#
#   notary-http-wire.sh TEST_NOTARY_HTTP_WIRE
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/notary-server.sh"
[ $# -eq 1 ] || { echo "usage: ${0##*/} TEST_NOTARY_HTTP_WIRE" >&2; exit 2; }
th_tmpdir T
unset https_proxy HTTPS_PROXY http_proxy all_proxy ALL_PROXY
python3 "$here/http-quirks.py" "$T/port" "$T/log" 2>"$T/err" &
th_on_exit "_th_kill $!"
for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.05; done
[ -s "$T/port" ] || { cat "$T/err" >&2; th_die "http-quirks.py did not start"; }
"$1" "http://127.0.0.1:$(cat "$T/port")"
n=$(grep -c '^POST /v2/t/dropsecond/' "$T/log" || true)
[ "$n" -eq 1 ] || { cat "$T/log" >&2; th_die "the dropped POST reached the server $n times"; }
echo "ok: the dropped POST was sent once"

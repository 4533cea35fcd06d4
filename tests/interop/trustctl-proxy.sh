#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# trustctl through an HTTP CONNECT proxy named by the environment, as CI
# users behind proxies run it: https_proxy/HTTPS_PROXY tunnel to the real
# notary-server (TLS end to end, same answer as direct), NO_PROXY bypasses
# the proxy, proxy credentials from the URL are sent (and never printed),
# a proxy that wants credentials, a proxy that cannot reach the server and
# an unsupported proxy scheme each fail with a clear one-line error.
#
#   trustctl-proxy.sh TRUSTCTL
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/notary-server.sh"
[ $# -eq 1 ] || { echo "usage: ${0##*/} TRUSTCTL" >&2; exit 2; }
TC=$1
th_tmpdir T
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*" >&2; fail=1; }
sha() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }
unset https_proxy HTTPS_PROXY http_proxy all_proxy ALL_PROXY no_proxy NO_PROXY

notary_server_start "$T/server"
g=example.com/proxied
notary_client "$T/notary" init -p "$g" >"$T/notary.log" 2>&1 &&
    notary_client "$T/notary" addhash "$g" v1 3 --sha256 "$(sha one)" -p \
    >>"$T/notary.log" 2>&1 || { cat "$T/notary.log" >&2; th_die "notary failed"; }
export TRUSTCTL_SERVER=$NOTARY_URL TRUSTCTL_TLS_CA=$NOTARY_CA

# start_proxy NAME [USER:PASS]: a proxy; its port in $T/NAME.port.
start_proxy()
{
	python3 "$here/connect-proxy.py" "$T/$1.port" "$T/$1.log" ${2:+"$2"} \
	    2>"$T/$1.err" &
	th_on_exit "_th_kill $!"
	for _ in $(seq 100); do [ -s "$T/$1.port" ] && break; sleep 0.05; done
	[ -s "$T/$1.port" ] || { cat "$T/$1.err" >&2; th_die "proxy did not start"; }
	touch "$T/$1.log"
}
start_proxy open
start_proxy authed "bob:pr0xy pass"
P1=$(cat "$T/open.port")
P2=$(cat "$T/authed.port")
n=0
# run NAME ENV...: trustctl inspect with a fresh trust store and ENV; exit
# status in $rc, output in $T/NAME.out and $T/NAME.stderr.
run()
{
	local name=$1
	shift
	n=$((n + 1))
	rc=0
	env "$@" TRUSTCTL_TRUST_DIR="$T/tc$n" "$TC" inspect "$g" \
	    >"$T/$name.out" 2>"$T/$name.stderr" || rc=$?
}

run direct
[ "$rc" -eq 0 ] || th_die "direct inspect failed: $(cat "$T/direct.stderr")"

run via https_proxy=http://127.0.0.1:$P1
if [ "$rc" -eq 0 ] && cmp -s "$T/direct.out" "$T/via.out" &&
    grep -q "^CONNECT 127.0.0.1:$NOTARY_PORT 200 -$" "$T/open.log"; then
	ok "https_proxy: tunnelled to 127.0.0.1:$NOTARY_PORT, same answer as direct"
else
	bad "https_proxy: rc $rc, $(cat "$T/via.stderr") / $(cat "$T/open.log")"
fi

before=$(wc -l <"$T/open.log")
run upper HTTPS_PROXY=127.0.0.1:$P1
after=$(wc -l <"$T/open.log")
[ "$rc" -eq 0 ] && [ "$after" -eq $((before + 1)) ] &&
    ok "HTTPS_PROXY without a scheme is used" ||
    bad "HTTPS_PROXY: rc $rc, $before -> $after CONNECTs"

before=$after
run bypass HTTPS_PROXY=http://127.0.0.1:$P1 NO_PROXY=example.org,127.0.0.0/8
[ "$rc" -eq 0 ] || bad "NO_PROXY with a CIDR block: rc $rc, $(cat "$T/bypass.stderr")"
run bypass2 https_proxy=http://127.0.0.1:$P1 no_proxy=localhost,127.0.0.1
after=$(wc -l <"$T/open.log")
[ "$rc" -eq 0 ] && [ "$after" -eq "$before" ] &&
    cmp -s "$T/direct.out" "$T/bypass2.out" &&
    ok "NO_PROXY/no_proxy (CIDR and address) go direct" ||
    bad "no_proxy: rc $rc, $before -> $after CONNECTs"

run noauth https_proxy=http://127.0.0.1:$P2
if [ "$rc" -eq 1 ] && grep -q "refused CONNECT.*HTTP 407" "$T/noauth.stderr"; then
	ok "proxy wants credentials: $(head -1 "$T/noauth.stderr")"
else
	bad "407: rc $rc, $(cat "$T/noauth.stderr")"
fi

run auth "https_proxy=http://bob:pr0xy%20pass@127.0.0.1:$P2"
if [ "$rc" -eq 0 ] && cmp -s "$T/direct.out" "$T/auth.out" &&
    grep -q "^CONNECT 127.0.0.1:$NOTARY_PORT 200 basic$" "$T/authed.log"; then
	ok "proxy credentials from the URL (percent-decoded) accepted"
else
	bad "proxy auth: rc $rc, $(cat "$T/auth.stderr") / $(cat "$T/authed.log")"
fi
if grep -rq "pr0xy" "$T"/*.stderr "$T"/*.out; then
	bad "the proxy password appears in trustctl's output"
fi

dead=$(_th_free_port)
run dead https_proxy=http://127.0.0.1:$P1 TRUSTCTL_SERVER=https://127.0.0.1:$dead
[ "$rc" -eq 1 ] && grep -q "refused CONNECT to 127.0.0.1:$dead: HTTP 502" \
    "$T/dead.stderr" &&
    ok "unreachable server behind the proxy: $(head -1 "$T/dead.stderr")" ||
    bad "502: rc $rc, $(cat "$T/dead.stderr")"

run socks https_proxy=socks5://127.0.0.1:$P1
[ "$rc" -eq 1 ] && grep -q "only http:// proxies" "$T/socks.stderr" &&
    ok "socks5 proxy refused: $(head -1 "$T/socks.stderr")" ||
    bad "socks: rc $rc, $(cat "$T/socks.stderr")"

run noproxy https_proxy=http://127.0.0.1:$dead
[ "$rc" -eq 1 ] && grep -q "cannot connect to proxy 127.0.0.1 port $dead" \
    "$T/noproxy.stderr" &&
    ok "proxy not listening: $(head -1 "$T/noproxy.stderr")" ||
    bad "dead proxy: rc $rc, $(cat "$T/noproxy.stderr")"

exit $fail

#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Interop test: trust data altered between trustctl and a real notary-server
# (tamper-proxy.py, TLS with the test CA), or replaced on the server itself,
# is refused by `trustctl verify`, `inspect` and `sign` with an error naming
# what was wrong, nothing is uploaded, and the trust store is left as it was.
#
#   tamper.sh            (SIGNERD_BUILD_DIR names the build; CTest sets it)
#
# Cases: one byte of targets.json; an old snapshot with the new timestamp;
# another repository's root with its trust data (pinned client), its root.json
# alone (first-use client); an old timestamp replayed to a
# client that has seen a newer one; the GUN deleted on the server and made
# again by the real notary client with other keys.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib/notary-server.sh
. "$here/../lib/notary-server.sh"
# shellcheck source=tests/lib/signerd-stack.sh
. "$here/../lib/signerd-stack.sh"

: "${SIGNERD_BUILD_DIR:?set SIGNERD_BUILD_DIR (CTest does)}"
stack_find_bins "$SIGNERD_BUILD_DIR"
if [ -z "$SIGNERD_BIN" ] || [ -z "$TRUSTCTL_BIN" ]; then
	th_die "signerd and trustctl must be built in $SIGNERD_BUILD_DIR"
fi

th_tmpdir T
stack_tokens "$T/hsm"
notary_server_start "$T/server"
stack_signerd_config "$T" \
    '[{"uid":'"$(id -u)"',"gun":"**","roles":["**"],"ops":["*"]}]'
stack_signerd_start "$T"

gun=registry.example/tamper/app
other=registry.example/tamper/other
admin() { TRUSTCTL_TRUST_DIR=$T/admin trustctl "$@"; }
ok() { "$@" >>"$T/setup.log" 2>&1 || { cat "$T/setup.log" >&2; th_die "$* failed"; }; }

# The repository, and another one whose root will be swapped in.
ok admin ceremony unlock --lifetime 120 --pin-file "$ROOT_PIN_FILE"
ok admin init "$gun"
ok admin init "$other"
ok admin ceremony lock
ok admin sign "$gun:v1" --digest "sha256:$(sha256_hex v1)" --size 11 --role targets
for f in root timestamp snapshot targets; do
	notary_fetch "$other" "$f.json" "$T/other-$f.json"
done

# The proxy, with the notary-server's own certificate.
mkdir -p "$T/ctl"
python3 "$here/tamper-proxy.py" "$NOTARY_SERVER_DIR/server.crt" \
    "$NOTARY_SERVER_DIR/server.key" "$NOTARY_URL" "$NOTARY_CA" "$T/ctl" \
    2>"$T/ctl/proxy.err" &
th_on_exit "_th_kill $!"
for _ in $(seq 100); do [ -f "$T/ctl/port" ] && break; sleep 0.05; done
[ -f "$T/ctl/port" ] || { cat "$T/ctl/proxy.err" >&2; th_die "proxy did not start"; }
proxy=https://127.0.0.1:$(cat "$T/ctl/port")

# The client under test: its own trust store, through the proxy.
vdir=$T/victim
victim() { TRUSTCTL_TRUST_DIR=$vdir NOTARY_URL=$proxy trustctl "$@"; }
rules() { printf '%s\n' "$1" >"$T/ctl/rules.json"; }
store_sum()
{
	[ -d "$vdir" ] || { echo "no trust store"; return 0; }
	(cd "$vdir" && find . -print0 | LC_ALL=C sort -z |
	    while IFS= read -r -d '' f; do
		if [ -f "$f" ]; then sha256sum "$f"; else echo "dir $f"; fi
	    done)
}

rules '[]'
victim verify "$gun:v1" >/dev/null || th_die "a clean verify through the proxy failed"
notary_fetch "$gun" snapshot.json "$T/old-snapshot.json"
notary_fetch "$gun" timestamp.json "$T/old-timestamp.json"
# The repository moves on; the client has not seen that yet.
ok admin sign "$gun:v2" --digest "sha256:$(sha256_hex v2)" --size 22 --role targets
notary_fetch "$gun" timestamp.json "$T/ts-before"
cp "$T/state/audit.log" "$T/audit-before"

fail=0
n=0
# refuse NAME PATTERN ACTION_IN_LOG: verify, inspect and sign must each fail
# with an error matching PATTERN (extended regexp, case-insensitive), the
# proxy must have applied ACTION (when given), nothing may be uploaded and the
# victim's trust store must be unchanged.
refuse()
{
	local name=$1 pat=$2 act=$3 before after cmd rc out
	before=$(store_sum)
	for cmd in verify inspect sign; do
		n=$((n + 1))
		: >"$T/ctl/requests.log"
		rc=0
		case $cmd in
		verify) victim verify "$gun:v2" >"$T/out" 2>"$T/err" || rc=$? ;;
		inspect) victim inspect "$gun" >"$T/out" 2>"$T/err" || rc=$? ;;
		sign) victim sign "$gun:v3" --digest "sha256:$(sha256_hex v3)" \
		    --size 33 --role targets >"$T/out" 2>"$T/err" || rc=$? ;;
		esac
		out=$(head -c 400 "$T/err" | tr '\n' ' ')
		if [ "$rc" != 1 ]; then
			echo "FAIL: $name: trustctl $cmd exited $rc (want 1): $out" >&2
			fail=1
		elif ! grep -Eqi -- "$pat" "$T/err"; then
			echo "FAIL: $name: trustctl $cmd error does not match /$pat/: $out" >&2
			fail=1
		elif [ "$(wc -l <"$T/err")" -gt 1 ]; then
			echo "FAIL: $name: trustctl $cmd printed more than one line: $out" >&2
			fail=1
		else
			echo "ok: $name: $cmd refused: $out"
		fi
		if [ -n "$act" ] && ! grep -q " $act" "$T/ctl/requests.log"; then
			echo "FAIL: $name: the proxy never applied '$act' during $cmd" >&2
			fail=1
		fi
		if grep -q '^POST\|^DELETE\|^PUT' "$T/ctl/requests.log"; then
			echo "FAIL: $name: trustctl $cmd uploaded through the proxy" >&2
			fail=1
		fi
		after=$(store_sum)
		if [ "$before" != "$after" ]; then
			echo "FAIL: $name: trustctl $cmd changed the trust store" >&2
			diff <(echo "$before") <(echo "$after") >&2 || true
			fail=1
		fi
	done
}

rules '[{"role":"targets","action":"flip"}]'
refuse "a byte of targets.json changed" \
    'targets\.json: .*(signature|checksum|sha256|hash)' flip

rules '[{"role":"snapshot","action":"replace","file":"'"$T"'/old-snapshot.json"}]'
# Its length differs from the new one's now and then (notary-server trims the
# trailing zeros of the expiry's nanoseconds): a length or a checksum error.
refuse "an old snapshot with the new timestamp" \
    'snapshot\.json: .*(checksum|sha256|hash|bytes|length)' replace:old-snapshot.json

rules '[{"role":"root","action":"replace","file":"'"$T"'/other-root.json"}]'
# A client with a pinned root does not download root.json while the snapshot
# names the pinned one, so a swapped root.json alone never reaches it; the
# attack is the other repository's whole trust data served for this GUN.
rules '[{"role":"root","action":"replace","file":"'"$T"'/other-root.json"},
 {"role":"timestamp","action":"replace","file":"'"$T"'/other-timestamp.json"},
 {"role":"snapshot","action":"replace","file":"'"$T"'/other-snapshot.json"},
 {"role":"targets","action":"replace","file":"'"$T"'/other-targets.json"}]'
refuse "another repository's root and trust data" \
    'not a valid rotation of the pinned root|timestamp\.json: .*(signature|threshold)' \
    replace:other-
# A client that pins nothing yet must not take it either (trust on first use
# still checks the certificate against the GUN), and must pin nothing.
vdir=$T/newcomer
refuse "root.json of another repository, first use" \
    'root\.json: .*certificate' replace:other-root.json
[ ! -e "$T/newcomer" ] || ! find "$T/newcomer" -type f | grep -q . ||
    { echo "FAIL: a refused first use left files in the trust store" >&2; fail=1; }
vdir=$T/victim

# A replayed timestamp: the client first catches up (clean), then is served
# the timestamp it saw before.
rules '[]'
victim verify "$gun:v2" >/dev/null || th_die "a clean verify through the proxy failed"
rules '[{"role":"timestamp","action":"replace","file":"'"$T"'/old-timestamp.json"}]'
refuse "an old timestamp replayed" \
    'timestamp\.json: .*(version|rollback)' replace:old-timestamp.json

# Nothing was signed or published on the way: the server's timestamp is the
# one from before the cases.
notary_fetch "$gun" timestamp.json "$T/ts-after"
cmp -s "$T/ts-before" "$T/ts-after" || { echo "FAIL: the server's timestamp changed" >&2; fail=1; }

# The trust data replaced on the server: the GUN deleted and made again by the
# real notary client with keys of its own.
rules '[]'
curl -sf --cacert "$NOTARY_CA" -X DELETE "$NOTARY_URL/v2/$gun/_trust/tuf/" >/dev/null ||
    th_die "DELETE of $gun failed"
ok notary_client "$T/notary" init -p "$gun"
ok notary_client "$T/notary" addhash "$gun" v2 22 --sha256 "$(sha256_hex evil)" -p
refuse "the repository replaced on the server (deleted, re-initialised)" \
    'not a valid rotation of the pinned root' ''

# A client without a pinned root takes the new repository (trust on first use):
# the refusals above came from the pin, not from the repository being unreadable.
got=$(TRUSTCTL_TRUST_DIR=$T/fresh trustctl verify "$gun:v2" 2>&1) ||
    { echo "FAIL: a fresh client refused the re-made repository: $got" >&2; fail=1; }
[ "$got" = "sha256:$(sha256_hex evil) 22" ] ||
    { echo "FAIL: fresh verify printed '$got'" >&2; fail=1; }

# No refused command ever reached signerd: its audit log has no new line.
cmp -s "$T/audit-before" "$T/state/audit.log" ||
    { echo "FAIL: signerd's audit log changed: a refused trustctl reached signerd" >&2; fail=1; }
stack_signerd_finish || fail=1
[ "$fail" = 0 ] || exit 1
echo "all $n refusals as expected; the trust store unchanged each time"

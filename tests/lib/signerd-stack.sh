# shellcheck shell=bash
# SPDX-License-Identifier: Apache-2.0
# Sourceable bash library on top of notary-server.sh: two private SoftHSM2
# tokens (root and online), a signerd on a private socket with a generated
# config, and a `trustctl` function bound to both. Used by tools/demo, the
# interop tests and bench/e2e.
#
#   . tests/lib/notary-server.sh
#   . tests/lib/signerd-stack.sh
#   stack_find_bins "$SIGNERD_BUILD_DIR"   # SIGNERD_BIN TRUSTCTL_BIN
#   th_tmpdir T
#   stack_tokens "$T/hsm"                  # SOFTHSM2_CONF, ROOT_PIN_FILE
#   notary_server_start "$T/server"
#   stack_signerd_config "$T" RULES_JSON   # writes $T/signerd.json
#   stack_signerd_start "$T"               # SIGNERD_SOCKET SIGNERD_PID
#   trustctl init example.com/app
#
# PINs are throwaway values for tokens made inside a test's private directory.

STACK_MODULE=${STACK_MODULE:-/usr/lib/softhsm/libsofthsm2.so}
STACK_ROOT_LABEL=signerd-root
STACK_ONLINE_LABEL=signerd-online

# stack_find_bins BUILD_DIR: the signerd and trustctl programs of a build tree.
# Each is empty when not built (the caller says what is missing).
stack_find_bins()
{
	local b=$1 p
	SIGNERD_BIN='' TRUSTCTL_BIN='' SIGNERD_TOKEN_BIN=''
	for p in "$b/signerd/signerd" "$b/signerd"; do
		[ -f "$p" ] && [ -x "$p" ] && { SIGNERD_BIN=$p; break; }
	done
	for p in "$b/tools/trustctl" "$b/trustctl"; do
		[ -f "$p" ] && [ -x "$p" ] && { TRUSTCTL_BIN=$p; break; }
	done
	p=$b/hsm/token_tool/signerd-token
	[ -f "$p" ] && [ -x "$p" ] && SIGNERD_TOKEN_BIN=$p
	export SIGNERD_BIN TRUSTCTL_BIN SIGNERD_TOKEN_BIN
}

# stack_tokens DIR: a SoftHSM2 config of its own and two tokens, root and
# online; the PINs in DIR/root.pin and DIR/online.pin (mode 0600), set by
# signerd-token from those files (never on a command line).
stack_tokens()
{
	local d=$1 label pin
	[ -f "$STACK_MODULE" ] || th_die "SoftHSM2 module $STACK_MODULE not found"
	[ -n "${SIGNERD_TOKEN_BIN:-}" ] || th_die "signerd-token is not built"
	mkdir -p "$d/tokens" && chmod 700 "$d" || return 1
	d=$(cd "$d" && pwd)
	printf '%s\n' "directories.tokendir = $d/tokens" \
	    "objectstore.backend = file" "log.level = ERROR" >"$d/softhsm2.conf"
	export SOFTHSM2_CONF=$d/softhsm2.conf
	for label in root online; do
		pin="$label-pin-$RANDOM$RANDOM"
		(umask 077 && printf '%s' "$pin" >"$d/$label.pin" &&
		    printf 'so-%s' "$pin" >"$d/$label.so-pin")
		"$SIGNERD_TOKEN_BIN" init --module "$STACK_MODULE" \
		    --label "signerd-$label" --so-pin-file "$d/$label.so-pin" \
		    --pin-file "$d/$label.pin" >>"$d/softhsm.log" 2>&1 ||
		    { cat "$d/softhsm.log" >&2; return 1; }
	done
	export ROOT_PIN_FILE=$d/root.pin ONLINE_PIN_FILE=$d/online.pin
}

# stack_signerd_config DIR POLICY_JSON [EXTRA_JSON]: DIR/signerd.json with the
# socket DIR/run/signerd.sock, state in DIR/state, the two tokens of
# stack_tokens (root without a PIN file: unlocked at a ceremony) and the given
# policy array. The socket's group is SIGNERD_SOCKET_GROUP when set.
stack_signerd_config()
{
	local d=$1 policy=$2 extra=${3:+,$3} group=""
	mkdir -p "$d/state" && chmod 700 "$d/state" || return 1
	[ -z "${SIGNERD_SOCKET_GROUP:-}" ] ||
	    group="\"socket_group\":\"$SIGNERD_SOCKET_GROUP\",\"socket_mode\":\"0660\","
	(umask 077 && cat >"$d/signerd.json" <<EOF
{"socket":"$d/run/signerd.sock",$group
 "state_dir":"$d/state",
 "tokens":{
  "online":{"module":"$STACK_MODULE","token":"$STACK_ONLINE_LABEL","pin_file":"$ONLINE_PIN_FILE"},
  "root":{"module":"$STACK_MODULE","token":"$STACK_ROOT_LABEL"}},
 "policy":$policy$extra}
EOF
	)
}

# stack_signerd_start DIR: signerd -c DIR/signerd.json -f in the background
# (log in DIR/signerd.log), waits up to 5 s for the socket to answer.
# Exports SIGNERD_SOCKET and SIGNERD_PID.
stack_signerd_start()
{
	local d=$1 i
	[ -n "${SIGNERD_BIN:-}" ] || th_die "signerd is not built"
	"$SIGNERD_BIN" -c "$d/signerd.json" -f >"$d/signerd.log" 2>&1 &
	SIGNERD_PID=$!
	th_on_exit "_th_kill $SIGNERD_PID"
	export SIGNERD_SOCKET=$d/run/signerd.sock SIGNERD_PID
	for ((i = 0; i < 100; i++)); do
		if [ -S "$SIGNERD_SOCKET" ] && _stack_ping "$SIGNERD_SOCKET"; then
			return 0
		fi
		kill -0 "$SIGNERD_PID" 2>/dev/null || break
		sleep 0.05
	done
	cat "$d/signerd.log" >&2
	th_die "signerd did not start (config $d/signerd.json)"
}

# One `status` request on the socket, as docs/protocol.md shows.
_stack_ping()
{
	python3 - "$1" <<'PY' 2>/dev/null
import json, socket, struct, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(2)
s.connect(sys.argv[1])
req = json.dumps({"v": 1, "op": "status", "id": 1}).encode()
s.sendall(struct.pack(">I", len(req)) + req)
hdr = s.recv(4, socket.MSG_WAITALL)
n = struct.unpack(">I", hdr)[0]
json.loads(s.recv(n, socket.MSG_WAITALL))
PY
}

# stack_signerd_finish: stops signerd with SIGTERM and checks that it exited
# 0 with no sanitizer report in its log; 1 (log tail printed) otherwise.
stack_signerd_finish()
{
	local rc=0 log
	[ -n "${SIGNERD_PID:-}" ] || return 0
	log=$(dirname "$(dirname "$SIGNERD_SOCKET")")/signerd.log
	kill "$SIGNERD_PID" 2>/dev/null
	wait "$SIGNERD_PID" 2>/dev/null || rc=$?
	SIGNERD_PID=
	if [ "$rc" != 0 ] || grep -Eq 'Sanitizer|runtime error:' "$log"; then
		echo "signerd exited $rc; its log ends with:" >&2
		tail -30 "$log" >&2
		return 1
	fi
}

stack_signerd_stop()
{
	[ -n "${SIGNERD_PID:-}" ] || return 0
	kill "$SIGNERD_PID" 2>/dev/null
	wait "$SIGNERD_PID" 2>/dev/null
	SIGNERD_PID=
}

# trustctl ARGS...: the built trustctl against the test server and signerd,
# with the trust store in TRUSTCTL_TRUST_DIR (set it before calling).
trustctl()
{
	TRUSTCTL_SERVER=$NOTARY_URL TRUSTCTL_TLS_CA=$NOTARY_CA \
	    SIGNERD_SOCKET=${SIGNERD_SOCKET:-} "$TRUSTCTL_BIN" "$@"
}

# sha256_hex STRING
sha256_hex()
{
	printf '%s' "$1" | sha256sum | cut -d' ' -f1
}

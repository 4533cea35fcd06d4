# SPDX-License-Identifier: Apache-2.0
# Sourceable bash library: a throwaway notary-server (TLS, own CA, free loopback
# port, memory storage) and wrappers that drive the real notary client and
# docker CLI against it without prompts.
#
#   . tests/lib/notary-server.sh
#   th_tmpdir T                    # private temp dir, removed on exit
#   notary_server_start "$T/server"  # exports NOTARY_URL NOTARY_CA NOTARY_PID NOTARY_PORT
#   notary_client "$T/trust" init -p example.com/app
#   notary_server_stop             # also run automatically on exit
#
# The passphrases below are throwaway values for test keys only.

# Cleanup actions run once, in reverse order, on EXIT (and on INT/TERM, which
# turn into an exit so the EXIT trap fires).
_th_cleanup=()
_th_trap_set=0

th_on_exit()
{
	_th_cleanup+=("$*")
	if [ "$_th_trap_set" = 0 ]; then
		trap '_th_run_cleanup' EXIT
		trap 'exit 130' INT
		trap 'exit 143' TERM
		_th_trap_set=1
	fi
}

_th_run_cleanup()
{
	local i
	for ((i = ${#_th_cleanup[@]} - 1; i >= 0; i--)); do
		eval "${_th_cleanup[$i]}" || true
	done
	_th_cleanup=()
}

th_die()
{
	echo "${0##*/}: $*" >&2
	exit 1
}

# th_tmpdir VAR: make a private directory, store its path in VAR, remove it on
# exit unless TH_KEEP is set (then its path is printed for a post-mortem).
th_tmpdir()
{
	local d
	d=$(mktemp -d "${TMPDIR:-/tmp}/signerd-test.XXXXXX") || th_die "mktemp failed"
	chmod 700 "$d"
	if [ -n "${TH_KEEP:-}" ]; then
		th_on_exit "echo 'kept $d' >&2"
	else
		th_on_exit "rm -rf '$d'"
	fi
	printf -v "$1" '%s' "$d"
}

# A free TCP port on 127.0.0.1 as the kernel hands it out. Another process may
# take it before the server binds, so notary_server_start retries.
_th_free_port()
{
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# notary_ca_make DIR: a P-256 CA and a server certificate for 127.0.0.1 and
# localhost, both with unencrypted keys: DIR/ca.crt, DIR/server.{crt,key}.
notary_ca_make()
{
	local d=$1
	mkdir -p "$d" || return 1
	(
		set -e
		cd "$d"
		openssl ecparam -name prime256v1 -genkey -noout -out ca.key
		openssl req -x509 -new -key ca.key -sha256 -days 30 \
		    -subj "/CN=signerd test CA" -out ca.crt \
		    -addext "basicConstraints=critical,CA:TRUE" \
		    -addext "keyUsage=critical,keyCertSign,cRLSign"
		openssl ecparam -name prime256v1 -genkey -noout -out server.key
		openssl req -new -key server.key -sha256 -subj "/CN=localhost" \
		    -out server.csr
		printf '%s\n' \
		    "subjectAltName=IP:127.0.0.1,DNS:localhost" \
		    "basicConstraints=critical,CA:FALSE" \
		    "keyUsage=critical,digitalSignature" \
		    "extendedKeyUsage=serverAuth" >server.ext
		openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key \
		    -CAcreateserial -days 30 -sha256 -extfile server.ext \
		    -out server.crt
		rm -f server.csr server.ext ca.srl
	) >"$d/openssl.log" 2>&1 || { cat "$d/openssl.log" >&2; return 1; }
}

# notary_server_start DIR [JSON]: start notary-server with its CA, config and
# log in DIR; JSON, if given, is added to the config's top-level object (for
# example '"auth":{...}'). Exports NOTARY_URL, NOTARY_CA, NOTARY_PID, NOTARY_PORT, NOTARY_SERVER_DIR.
notary_server_start()
{
	local d=$1 extra=${2:+,$2} port i
	command -v notary-server >/dev/null || th_die "notary-server not installed"
	mkdir -p "$d" || return 1
	d=$(cd "$d" && pwd)
	[ -f "$d/ca.crt" ] || notary_ca_make "$d" || th_die "CA creation failed"
	for _ in 1 2 3 4 5; do
		port=$(_th_free_port) || th_die "no free port"
		cat >"$d/server.json" <<EOF
{"server":{"http_addr":"127.0.0.1:$port","tls_key_file":"server.key","tls_cert_file":"server.crt"},
 "trust_service":{"type":"local"},"storage":{"backend":"memory"},"logging":{"level":"info"}$extra}
EOF
		notary-server -config "$d/server.json" -logf logfmt \
		    >"$d/server.log" 2>&1 &
		NOTARY_PID=$!
		th_on_exit "_th_kill $NOTARY_PID"
		for ((i = 0; i < 100; i++)); do
			if curl -sf --cacert "$d/ca.crt" -o /dev/null \
			    "https://127.0.0.1:$port/_notary_server/health"; then
				export NOTARY_PID NOTARY_PORT=$port
				export NOTARY_URL="https://127.0.0.1:$port"
				export NOTARY_CA="$d/ca.crt"
				export NOTARY_SERVER_DIR=$d
				return 0
			fi
			kill -0 "$NOTARY_PID" 2>/dev/null || break
			sleep 0.05
		done
		notary_server_stop
		# Lost the port race: the log says so; anything else is fatal.
		grep -q 'address already in use' "$d/server.log" || break
	done
	cat "$d/server.log" >&2
	th_die "notary-server did not become healthy"
}

_th_kill()
{
	kill "$1" 2>/dev/null && wait "$1" 2>/dev/null
	return 0
}

# Stops the server started last; servers started before stay up until exit.
notary_server_stop()
{
	[ -n "${NOTARY_PID:-}" ] || return 0
	kill "$NOTARY_PID" 2>/dev/null
	wait "$NOTARY_PID" 2>/dev/null
	NOTARY_PID=
}

# Test-only passphrases for keys made inside a test's private directory.
: "${NOTARY_ROOT_PASSPHRASE:=test-root-passphrase}"
: "${NOTARY_TARGETS_PASSPHRASE:=test-targets-passphrase}"
: "${NOTARY_SNAPSHOT_PASSPHRASE:=test-snapshot-passphrase}"
: "${NOTARY_DELEGATION_PASSPHRASE:=test-delegation-passphrase}"
export NOTARY_ROOT_PASSPHRASE NOTARY_TARGETS_PASSPHRASE \
    NOTARY_SNAPSHOT_PASSPHRASE NOTARY_DELEGATION_PASSPHRASE

# notary_client TRUSTDIR ARGS...: the real notary client against the test
# server with its own trust directory; stdin is closed so nothing can prompt.
notary_client()
{
	local trust=$1
	shift
	notary -s "$NOTARY_URL" --tlscacert "$NOTARY_CA" -d "$trust" "$@" \
	    </dev/null
}

# notary_client_confirm TRUSTDIR ARGS...: the same, answering "yes" to the
# one confirmation question (`key rotate GUN root` asks one).
notary_client_confirm()
{
	local trust=$1
	shift
	printf 'yes\n' |
	    notary -s "$NOTARY_URL" --tlscacert "$NOTARY_CA" -d "$trust" "$@"
}

# notary_fetch GUN PATH OUT: GET /v2/GUN/_trust/tuf/PATH into OUT, with
# NOTARY_FETCH_TOKEN as a bearer token if set. Returns 0 on 200, 4 on 404
# (OUT removed), 1 otherwise.
notary_fetch()
{
	local code auth=()
	[ -z "${NOTARY_FETCH_TOKEN:-}" ] ||
	    auth=(-H "Authorization: Bearer $NOTARY_FETCH_TOKEN")
	code=$(curl -s --cacert "$NOTARY_CA" "${auth[@]}" -o "$3" \
	    -w '%{http_code}' "$NOTARY_URL/v2/$1/_trust/tuf/$2") ||
	    { rm -f "$3"; return 1; }
	case $code in
	200) return 0 ;;
	404) rm -f "$3"; return 4 ;;
	*) echo "GET $2: HTTP $code: $(head -c 300 "$3")" >&2; rm -f "$3"; return 1 ;;
	esac
}

# docker_env DIR: a private DOCKER_CONFIG in DIR that trusts the test server,
# for `docker trust` commands (they need no engine).
docker_env()
{
	local d=$1
	mkdir -p "$d/tls/127.0.0.1:$NOTARY_PORT" || return 1
	cp "$NOTARY_CA" "$d/tls/127.0.0.1:$NOTARY_PORT/ca.crt" || return 1
	export DOCKER_CONFIG=$d
	export DOCKER_CONTENT_TRUST_SERVER=$NOTARY_URL
	export DOCKER_CONTENT_TRUST_ROOT_PASSPHRASE=$NOTARY_ROOT_PASSPHRASE
	export DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE=$NOTARY_TARGETS_PASSPHRASE
}

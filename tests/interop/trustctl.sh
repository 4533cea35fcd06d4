#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# trustctl against the real notary-server, notary client and docker CLI:
# repositories made by docker and by the notary client (client- and
# server-managed snapshot, delegations, awkward names, root rotations) are
# read by `trustctl inspect` (compared byte for byte with `docker trust
# inspect`, JSON and --pretty) and `trustctl verify` (compared with what
# docker reports); a root replaced on the server without a valid rotation is
# refused and leaves the trust store unchanged; usage errors exit 2.
#
#   trustctl.sh TRUSTCTL
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/notary-server.sh"

[ $# -eq 1 ] || { echo "usage: ${0##*/} TRUSTCTL" >&2; exit 2; }
TC=$1
th_tmpdir T
notary_server_start "$T/server"
export TRUSTCTL_SERVER=$NOTARY_URL TRUSTCTL_TLS_CA=$NOTARY_CA
export TRUSTCTL_TRUST_DIR=$T/tc
sha() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*" >&2; fail=1; }
nc() { notary_client "$1" "${@:2}" >>"$T/notary.log" 2>&1 ||
	{ tail -20 "$T/notary.log" >&2; th_die "notary ${*:2} failed"; }; }

# expect_rc RC CMD...: run, check the exit status, keep stderr in $T/err.
expect_rc()
{
	local want=$1 got=0
	shift
	"$@" >"$T/out" 2>"$T/err" || got=$?
	if [ "$got" -ne "$want" ]; then
		bad "$* exited $got, expected $want: $(head -3 "$T/err")"
		return 1
	fi
	return 0
}

# same_order D T: D equals T once the rows of a tag signed with two digests
# are put in one order (docker takes them from a Go map: random order).
same_order()
{
	python3 - "$1" "$2" <<'PY'
import json, sys
a, b = (open(f, encoding="utf-8").read() for f in sys.argv[1:3])
try:
    ja, jb = json.loads(a), json.loads(b)
    for j in (ja, jb):
        for r in j:
            r["SignedTags"].sort(key=lambda t: (t["SignedTag"], t["Digest"]))
    sys.exit(0 if ja == jb else 1)
except ValueError:
    sys.exit(0 if sorted(a.split("\n")) == sorted(b.split("\n")) else 1)
PY
}

# same_as_docker ARGS...: trustctl inspect and docker trust inspect agree,
# JSON and --pretty, byte for byte (stdout and exit status) but for the
# order of one tag's rows with two digests (random in docker).
same_as_docker()
{
	local d=0 t=0
	docker trust inspect "$@" >"$T/d.json" 2>"$T/d.err" || d=$?
	"$TC" inspect "$@" >"$T/t.json" 2>"$T/t.err" || t=$?
	if ! cmp -s "$T/d.json" "$T/t.json" && same_order "$T/d.json" "$T/t.json"; then
		cp "$T/t.json" "$T/d.json"
	fi
	if [ $d -ne $t ] || ! cmp -s "$T/d.json" "$T/t.json"; then
		bad "inspect $* differs from docker (docker $d, trustctl $t)"
		diff "$T/d.json" "$T/t.json" >&2 || true
		cat "$T/t.err" >&2
		return
	fi
	d=0 t=0
	docker trust inspect --pretty "$@" >"$T/d.txt" 2>/dev/null || d=$?
	"$TC" inspect --pretty "$@" >"$T/t.txt" 2>/dev/null || t=$?
	if ! cmp -s "$T/d.txt" "$T/t.txt" && same_order "$T/d.txt" "$T/t.txt"; then
		cp "$T/t.txt" "$T/d.txt"
	fi
	if [ $d -ne $t ] || ! cmp -s "$T/d.txt" "$T/t.txt"; then
		bad "inspect --pretty $* differs from docker"
		diff "$T/d.txt" "$T/t.txt" >&2 || true
		return
	fi
	ok "inspect $* (JSON and --pretty) same as docker, exit $t"
}

# verify_as_docker GUN TAG: trustctl verify prints docker's digest for TAG.
verify_as_docker()
{
	local want got
	want=$(docker trust inspect "$1:$2" | python3 -c '
import json,sys; t=json.load(sys.stdin)[0]["SignedTags"]; print(t[0]["Digest"] if t else "")')
	got=$("$TC" verify "$1:$2") || { bad "verify $1:$2 failed"; return; }
	case $got in
	"sha256:$want "*) ok "verify $1:$2 = docker's digest" ;;
	*) bad "verify $1:$2 printed '$got', docker says $want" ;;
	esac
}

# --- usage and help -----------------------------------------------------
for v in init sign inspect verify revoke key signer ceremony; do
	expect_rc 0 "$TC" "$v" --help && grep -q "usage: trustctl $v" "$T/out" ||
	    bad "$v --help"
done
expect_rc 2 "$TC" && expect_rc 2 "$TC" frobnicate && expect_rc 2 "$TC" verify &&
    expect_rc 2 "$TC" verify example.com/x && expect_rc 2 "$TC" verify UPPER/x:t &&
    expect_rc 2 "$TC" sign example.com/x:t --digest sha256:00 --size 1 &&
    expect_rc 2 "$TC" sign example.com/x:t --manifest f --size 1 &&
    expect_rc 2 "$TC" inspect --bogus example.com/x &&
    expect_rc 2 "$TC" signer add NAME example.com/x &&
    expect_rc 2 "$TC" ceremony unlock --lifetime forever &&
    ok "usage errors exit 2"

# --- a repository made the docker way (server-managed snapshot) ----------
if command -v docker >/dev/null 2>&1; then
	docker_env "$T/docker"
	g=registry.example/dockerapp
	( cd "$T" && docker trust key generate bob ) >>"$T/docker.log" 2>&1
	docker trust signer add --key "$T/bob.pub" bob "$g" >>"$T/docker.log" 2>&1
	same_as_docker "$g"
	export NOTARY_DELEGATION_PASSPHRASE=$DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE
	nc "$DOCKER_CONFIG/trust" addhash "$g" 1.0 4 --sha256 "$(sha v1.0)" \
	    -r targets/releases -r targets/bob -p
	nc "$DOCKER_CONFIG/trust" addhash "$g" admin 5 --sha256 "$(sha admin)" -p
	nc "$DOCKER_CONFIG/trust" addhash "$g" split 3 --sha256 "$(sha bob)" -r targets/bob
	nc "$DOCKER_CONFIG/trust" addhash "$g" split 8 --sha256 "$(sha releases)" \
	    -r targets/releases -p
	same_as_docker "$g"
	same_as_docker "$g" "$g:split" "$g:1.0" "$g:nope"
	same_as_docker "$g" no.where/x
	same_as_docker no.where/x
	for tag in 1.0 admin split; do verify_as_docker "$g" "$tag"; done
else
	echo "docker CLI not found: docker comparisons skipped" >&2
fi

# --- a repository made by the notary client (client-held snapshot) -------
g=example.com/notaryrepo
N=$T/notary-trust
nc "$N" init -p "$g"
nc "$N" addhash "$g" v1 3 --sha256 "$(sha one)"
nc "$N" addhash "$g" 'a<b>&c' 7 --sha256 "$(sha escaped)"
nc "$N" addhash "$g" "$(printf 'line\u2028sep')" 9 --sha256 "$(sha sep)"
nc "$N" addhash "$g" shared 12 --sha256 "$(sha shared-targets)" -p
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$T/rel-key.pem" 2>/dev/null
openssl req -x509 -new -key "$T/rel-key.pem" -sha256 -days 30 \
    -subj "/CN=releases" -out "$T/rel.crt" 2>/dev/null
nc "$N" delegation add "$g" targets/releases "$T/rel.crt" --all-paths -p
nc "$N" key import "$T/rel-key.pem" --role targets/releases --gun "$g"
nc "$N" addhash "$g" r1 4 --sha256 "$(sha rel1)" -r targets/releases
nc "$N" addhash "$g" shared 13 --sha256 "$(sha shared-releases)" -r targets/releases -p
v1=$("$TC" verify "$g:v1") && [ "$v1" = "sha256:$(sha one) 3" ] &&
    ok "verify of a notary repository (client snapshot)" ||
    bad "verify $g:v1 printed '$v1'"
# docker's order: targets/releases before targets.
v=$("$TC" verify "$g:shared") && [ "$v" = "sha256:$(sha shared-releases) 13" ] &&
    ok "verify looks targets/releases up first, as docker" ||
    bad "verify $g:shared printed '$v'"
if command -v docker >/dev/null 2>&1; then
	same_as_docker "$g"
	verify_as_docker "$g" r1
fi
expect_rc 1 "$TC" verify "$g:absent" && grep -q "not trusted" "$T/err" &&
    ok "an unsigned tag is not trusted (exit 1)"

# Server takes the snapshot over (root v2), then two root rotations (v3,
# v4): trustctl, pinned to v1, walks the chain.
nc "$N" key rotate "$g" snapshot -r
nc "$N" addhash "$g" v2 3 --sha256 "$(sha two)" -p
notary_client_confirm "$N" key rotate "$g" root >>"$T/notary.log" 2>&1 ||
    th_die "notary key rotate root failed"
notary_client_confirm "$N" key rotate "$g" root >>"$T/notary.log" 2>&1 ||
    th_die "notary key rotate root failed"
nc "$N" addhash "$g" v3 3 --sha256 "$(sha three)" -p
v=$("$TC" verify "$g:v3") && [ "$v" = "sha256:$(sha three) 3" ] &&
    ok "root rotations v1 -> v4 followed; server-managed snapshot verified" ||
    bad "verify after rotations printed '$v' ($(cat "$T/err" 2>/dev/null))"
python3 - "$TRUSTCTL_TRUST_DIR/tuf/$g/trust.json" <<'PY' && ok "new root pinned (v4)" || bad "pinned root is not v4"
import json, sys
root = json.loads(json.load(open(sys.argv[1]))["files"]["root"])
sys.exit(0 if root["signed"]["version"] == 4 else 1)
PY
if command -v docker >/dev/null 2>&1; then
	same_as_docker "$g"
fi

# --- TOFU: the repository replaced on the server with other keys ---------
nc "$N" delete "$g" --remote
N2=$T/other-trust
nc "$N2" init -p "$g"
nc "$N2" addhash "$g" v1 3 --sha256 "$(sha evil)" -p
before=$(sha256sum "$TRUSTCTL_TRUST_DIR/tuf/$g/trust.json")
if expect_rc 1 "$TC" verify "$g:v1"; then
	grep -q "not a valid rotation of the pinned root" "$T/err" &&
	    grep -q "could not rotate trust" "$T/err" &&
	    [ "$(wc -l <"$T/err")" -eq 1 ] &&
	    ok "replaced root refused: $(cat "$T/err")" ||
	    bad "replaced root: unexpected message: $(cat "$T/err")"
fi
[ "$(sha256sum "$TRUSTCTL_TRUST_DIR/tuf/$g/trust.json")" = "$before" ] &&
    ok "trust store unchanged after the refusal" ||
    bad "trust store changed by a failed command"
expect_rc 1 "$TC" inspect "$g" && ok "inspect refuses the replaced root too"
# A fresh trust directory trusts the new root on first use.
v=$(TRUSTCTL_TRUST_DIR=$T/fresh "$TC" verify "$g:v1") &&
    [ "$v" = "sha256:$(sha evil) 3" ] && ok "fresh trust dir: first use" ||
    bad "fresh trust dir: '$v'"

# --- errors name what failed ----------------------------------------------
expect_rc 1 "$TC" -s https://127.0.0.1:1 verify "$g:v1" &&
    grep -q "^trustctl: " "$T/err" && ok "unreachable server: $(cat "$T/err")"
expect_rc 1 env -u TRUSTCTL_TLS_CA "$TC" verify "$g:v1" &&
    ok "unknown CA refused: $(cat "$T/err")"
expect_rc 1 "$TC" verify example.com/nothing:v1 &&
    grep -q "no trust data" "$T/err" && ok "unknown GUN: $(cat "$T/err")"

exit $fail

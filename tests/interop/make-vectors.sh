#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Makes Notary test vectors with the real programs: starts a throwaway
# notary-server, drives the notary client (and the docker CLI) through the life
# of two repositories, then downloads every version of every role and records
# what the real client lists.
#
#   make-vectors.sh OUTDIR
#
# OUTDIR/<gun>/ gets every metadata file as served, named like the URL path
# with '/' in role names turned into '_' (2.targets_releases.json), and:
#   files.tsv    role <TAB> version ("current" for <role>.json) <TAB> file
#   list.txt     `notary list GUN` (and list-<role>.txt for `-r <role>`)
#   lookup-<tag>.txt, delegations.txt, timestamp.key, snapshot.key
# OUTDIR/repos.txt lists the GUNs; OUTDIR/ca.crt is the server's CA.
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: ${0##*/} OUTDIR" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib/notary-server.sh
. "$here/../lib/notary-server.sh"

out=$1
mkdir -p "$out"
out=$(cd "$out" && pwd)

th_tmpdir T
notary_server_start "$T/server"
cp "$NOTARY_CA" "$out/ca.crt"
: >"$out/repos.txt"

nc() { notary_client "$T/trust" "$@" >>"$T/notary.log" 2>&1 ||
	{ tail -20 "$T/notary.log" >&2; th_die "notary $* failed"; }; }
nc_yes() { notary_client_confirm "$T/trust" "$@" >>"$T/notary.log" 2>&1 ||
	{ tail -20 "$T/notary.log" >&2; th_die "notary $* failed"; }; }

# addhash GUN TAG CONTENT [-r ROLE]: a target for CONTENT's bytes.
addhash()
{
	local gun=$1 tag=$2 content=$3
	shift 3
	nc addhash "$gun" "$tag" "${#content}" \
	    --sha256 "$(printf '%s' "$content" | sha256sum | cut -d' ' -f1)" "$@"
}

# --- Repository 1: client-held snapshot, then everything else. -----------
g1=example.com/vectors
nc init -p "$g1"
addhash "$g1" v1 "one"
addhash "$g1" v2 "two"
addhash "$g1" latest "two"
nc publish "$g1"
# sha512 as well as sha256 on one target.
nc addhash "$g1" both 5 \
    --sha256 "$(printf hello | sha256sum | cut -d' ' -f1)" \
    --sha512 "$(printf hello | sha512sum | cut -d' ' -f1)" -p

# A delegation whose key the client holds: generate, add, import.
# The key is made by openssl and handed over as an X.509 certificate (what
# the CLI documents), so the delegation key is of type ecdsa-x509.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$T/releases-key.pem" 2>>"$T/notary.log" || th_die "openssl genpkey failed"
openssl req -x509 -new -key "$T/releases-key.pem" -sha256 -days 365 \
    -subj "/CN=releases" -out "$T/releases.crt" 2>>"$T/notary.log" ||
    th_die "openssl req failed"
nc delegation add -p "$g1" targets/releases "$T/releases.crt" --all-paths
nc key import "$T/releases-key.pem" --role targets/releases --gun "$g1"
addhash "$g1" r1 "release one" -r targets/releases
addhash "$g1" r2 "release two" -r targets/releases
# The same tag in both roles with different digests: which one wins?
addhash "$g1" shared "from targets"
addhash "$g1" shared "from releases" -r targets/releases
nc publish "$g1"

# The server takes over the snapshot key.
nc key rotate "$g1" snapshot -r
addhash "$g1" v3 "three" -p

# Two root rotations, with a publish between them.
nc_yes key rotate "$g1" root
addhash "$g1" after-rot1 "after first rotation" -p
nc_yes key rotate "$g1" root

# Breadth first or depth first? A sibling delegation (targets/zeta, after
# targets/releases) and a nested one (targets/releases/nested) both sign "deep".
mkcert()
{
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	    -out "$T/$1-key.pem" 2>>"$T/notary.log" || th_die "openssl genpkey failed"
	openssl req -x509 -new -key "$T/$1-key.pem" -sha256 -days 365 \
	    -subj "/CN=$1" -out "$T/$1.crt" 2>>"$T/notary.log" ||
	    th_die "openssl req failed"
}
mkcert zeta
mkcert nested
nc delegation add "$g1" targets/zeta "$T/zeta.crt" --all-paths
nc delegation add "$g1" targets/releases/nested "$T/nested.crt" --all-paths -p
nc key import "$T/zeta-key.pem" --role targets/zeta --gun "$g1"
nc key import "$T/nested-key.pem" --role targets/releases/nested --gun "$g1"
addhash "$g1" deep "nested" -r targets/releases/nested
addhash "$g1" deep "zeta" -r targets/zeta
nc publish "$g1"

# Tag names that exercise every escaping rule.
addhash "$g1" 'a<b>&c' "escaped"
addhash "$g1" 'caf'$'\xc3\xa9''-'$'\xc3\xbc''ber-'$'\xe6\x97\xa5''本' "unicode"
addhash "$g1" 'line'$'\xe2\x80\xa8''sep'$'\xe2\x80\xa9''para' "separators"
addhash "$g1" 'quote"back\slash' "quotes"
nc publish "$g1"
addhash "$g1" 'r<&>3' "release three" -r targets/releases -p
echo "$g1" >>"$out/repos.txt"

# --- Repository 2: the docker way, server-managed snapshot from the start. -
g2=registry.example/dockerapp
if command -v docker >/dev/null 2>&1; then
	docker_env "$T/docker"
	( cd "$T" && docker trust key generate bob ) >>"$T/docker.log" 2>&1 ||
	    { cat "$T/docker.log" >&2; th_die "docker trust key generate failed"; }
	docker trust signer add --key "$T/bob.pub" bob "$g2" \
	    >>"$T/docker.log" 2>&1 ||
	    { cat "$T/docker.log" >&2; th_die "docker trust signer add failed"; }
	# docker's trust directory is a notary one: sign tags with bob's key.
	dn() { notary_client "$DOCKER_CONFIG/trust" "$@" >>"$T/notary.log" 2>&1 ||
		{ tail -20 "$T/notary.log" >&2; th_die "notary $* failed"; }; }
	export NOTARY_DELEGATION_PASSPHRASE=$DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE
	dn addhash "$g2" 1.0 4 --sha256 "$(printf v1.0 | sha256sum | cut -d' ' -f1)" \
	    -r targets/releases -r targets/bob -p
	dn addhash "$g2" admin 5 --sha256 "$(printf admin | sha256sum | cut -d' ' -f1)" -p
	# One tag in two sibling delegations with different digests.
	dn addhash "$g2" split 3 --sha256 "$(printf bob | sha256sum | cut -d' ' -f1)" \
	    -r targets/bob
	dn addhash "$g2" split 8 --sha256 "$(printf releases | sha256sum | cut -d' ' -f1)" \
	    -r targets/releases -p
	echo "$g2" >>"$out/repos.txt"
else
	echo "${0##*/}: docker CLI not found; docker-made repository skipped" >&2
fi

# --- Download everything the server holds, and what the client sees. ------
# version_of FILE: the version of a canonical metadata file (last key of signed).
version_of() { grep -o '"version":[0-9]*},"signatures"' "$1" | grep -o '[0-9]*' | head -1; }

fetch_role()
{
	local gun=$1 role=$2 dir=$3 name v cur rc
	name=${role//\//_}
	notary_fetch "$gun" "$role.json" "$dir/$name.json" ||
	    th_die "GET $gun $role.json failed"
	printf '%s\tcurrent\t%s\n' "$role" "$name.json" >>"$dir/files.tsv"
	cur=$(version_of "$dir/$name.json")
	[ -n "$cur" ] || th_die "$gun $role.json: no version"
	for ((v = 1; v <= cur; v++)); do
		rc=0
		notary_fetch "$gun" "$v.$role.json" "$dir/$v.$name.json" || rc=$?
		case $rc in
		0) printf '%s\t%d\t%s\n' "$role" "$v" "$v.$name.json" >>"$dir/files.tsv" ;;
		4) ;;
		*) th_die "GET $gun $v.$role.json failed" ;;
		esac
	done
}

while read -r gun; do
	dir="$out/$gun"
	rm -rf "$dir"
	mkdir -p "$dir"
	: >"$dir/files.tsv"
	for role in root targets snapshot timestamp; do
		fetch_role "$gun" "$role" "$dir"
	done
	# Every delegation, nested ones too, is in the snapshot's meta.
	python3 -c 'import json,sys
for r in sorted(json.load(open(sys.argv[1]))["signed"]["meta"]):
    if r.startswith("targets/"):
        print(r)' "$dir/snapshot.json" >"$dir/delegations.list"
	while read -r role; do
		fetch_role "$gun" "$role" "$dir"
	done <"$dir/delegations.list"
	notary_fetch "$gun" timestamp.key "$dir/timestamp.key"
	notary_fetch "$gun" snapshot.key "$dir/snapshot.key"

	# A fresh trust dir: what a first-time client sees.
	fresh=$(mktemp -d "$T/fresh.XXXXXX")
	notary_client "$fresh" list "$gun" >"$dir/list.txt"
	while read -r role; do
		notary_client "$fresh" list "$gun" -r "$role" \
		    >"$dir/list-${role//\//_}.txt"
	done <"$dir/delegations.list"
	notary_client "$fresh" delegation list "$gun" >"$dir/delegations.txt"
done <"$out/repos.txt"

# Which of two signed digests for one tag the real client picks.
notary_client "$(mktemp -d "$T/fresh.XXXXXX")" lookup "$g1" shared \
    >"$out/$g1/lookup-shared.txt"
notary_client "$(mktemp -d "$T/fresh.XXXXXX")" lookup "$g1" deep \
    >"$out/$g1/lookup-deep.txt"
if grep -qx "$g2" "$out/repos.txt"; then
	notary_client "$(mktemp -d "$T/fresh.XXXXXX")" lookup "$g2" split \
	    >"$out/$g2/lookup-split.txt"
	docker trust inspect "$g2" >"$out/$g2/docker-inspect.json" 2>>"$T/docker.log" ||
	    { cat "$T/docker.log" >&2; th_die "docker trust inspect failed"; }
fi
echo "${0##*/}: vectors in $out ($(wc -l <"$out/repos.txt") repositories)" >&2

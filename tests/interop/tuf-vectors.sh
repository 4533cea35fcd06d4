#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Interop test: make vectors with the real notary programs, check the facts
# our verifier relies on (the real client's lookup order), then hand the
# vectors to the C checker built on tuf/.
#
#   tuf-vectors.sh [CHECKER]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib/notary-server.sh
. "$here/../lib/notary-server.sh"

checker=${1:-}
th_tmpdir T
"$here/make-vectors.sh" "$T/vec"

fail=0
expect()
{
	# expect FILE REGEX WHAT
	if ! grep -Eq -- "$2" "$1"; then
		echo "FAIL: $3: /$2/ not in ${1#"$T"/}:" >&2
		sed 's/^/    /' "$1" >&2
		fail=1
	fi
}

g1=$T/vec/example.com/vectors
g2=$T/vec/registry.example/dockerapp

# Every role's history is there: four roots after two rotations.
for v in 1 2 3 4; do
	[ -s "$g1/$v.root.json" ] || { echo "FAIL: $v.root.json missing" >&2; fail=1; }
done
# Files as served: no trailing newline, signed first.
for f in "$g1"/*.json "$g2"/*.json; do
	[ "${f##*/}" != docker-inspect.json ] || continue
	[ "$(tail -c1 "$f" | od -An -c | tr -d ' ')" = "}" ] ||
	    { echo "FAIL: ${f#"$T"/} does not end in '}'" >&2; fail=1; }
	[ "$(head -c 10 "$f")" = '{"signed":' ] ||
	    { echo "FAIL: ${f#"$T"/} does not start with signed" >&2; fail=1; }
done

# The lookup order: targets before its delegations ...
c01=c01c348afcc98f82b14aa08f475ca935f1cc73a738c0d75157c45ad18c3a5ba5
expect "$g1/lookup-shared.txt" "^shared sha256:$c01 12\$" "lookup prefers targets"
expect "$g1/list.txt" "^shared +$c01 +12 +targets *\$" "list shows the targets digest"
expect "$g1/list-targets_releases.txt" "^shared +[0-9a-f]{64} +13 +targets/releases" \
    "list -r shows the delegation's own"
# ... and sibling delegations in the parent's roles order (bob first).
b81=81b637d8fcd2c6da6359e6963113a1170de795e4b725b84d1e0b4cfd9ec58ce9
expect "$g2/lookup-split.txt" "^split sha256:$b81 3\$" "lookup takes the first sibling"
expect "$g2/list.txt" "^split +$b81 +3 +targets/bob" "list takes the first sibling"
# ... and breadth first: targets/zeta (level 1, listed after targets/releases)
# wins over targets/releases/nested (level 2).
expect "$g1/lookup-deep.txt" "^deep sha256:$(printf zeta | sha256sum | cut -d' ' -f1) 4\$" \
    "lookup is breadth first"
expect "$g1/list.txt" "^deep +[0-9a-f]{64} +4 +targets/zeta" "list is breadth first"
# Tags with escaped names made it through.
expect "$g1/list.txt" '^a<b>&c ' "tag a<b>&c"
expect "$g1/list.txt" $'^line\xe2\x80\xa8sep' "tag with U+2028"
expect "$g1/list.txt" '^r<&>3 +[0-9a-f]{64} +13 +targets/releases' "tag r<&>3"

[ "$fail" = 0 ] || exit 1
if [ -n "$checker" ]; then
	"$checker" "$T/vec"
fi

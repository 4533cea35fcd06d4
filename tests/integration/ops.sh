#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Integration test of signerd's ops (tests/integration/ops_test.py does the
# work): a private SoftHSM2 token directory with an online and a root token,
# a notary-server, and signerd started, killed and restarted by the test.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/notary-server.sh"

build=${SIGNERD_BUILD_DIR:?SIGNERD_BUILD_DIR not set}
[ -x "$build/hsm/token_tool/signerd-token" ] || th_die "signerd-token not built"
module=
for m in /usr/lib/softhsm/libsofthsm2.so /usr/lib/*/softhsm/libsofthsm2.so; do
	[ -f "$m" ] && { module=$m; break; }
done
[ -n "$module" ] || th_die "libsofthsm2.so not found"

th_tmpdir T
# The socket lives outside the private directory so that a second uid
# (nobody) can reach it: 0711 lets it traverse, the server makes run/ 0750
# with the socket's group.
S=$(mktemp -d "${TMPDIR:-/tmp}/signerd-sock.XXXXXX")
th_on_exit "rm -rf '$S'"
chmod 711 "$S"

mkdir "$T/tokens" "$T/state"
chmod 700 "$T/state"
cat >"$T/softhsm2.conf" <<EOC
directories.tokendir = $T/tokens
objectstore.backend = file
log.level = ERROR
EOC
export SOFTHSM2_CONF=$T/softhsm2.conf
(umask 077 && printf 1234 >"$T/online.pin" && printf 4321 >"$T/root.pin" &&
    printf 56785678 >"$T/so.pin")
for t in online root; do
	"$build/hsm/token_tool/signerd-token" init --module "$module" --label $t \
	    --so-pin-file "$T/so.pin" --pin-file "$T/$t.pin" >/dev/null
done

notary_server_start "$T/server"

export OPS_T=$T OPS_SOCKDIR=$S OPS_MODULE=$module
export OPS_SIGNERD=$build/signerd/signerd
export OPS_AUDIT=$build/signerd/audit_tool/signerd-audit
python3 "$here/ops_test.py"

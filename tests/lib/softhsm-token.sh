#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# softhsm-token.sh DIR LABEL [LABEL...]: make a private SoftHSM2 token
# directory under DIR (which must exist and be private to the test), with one
# initialised token per LABEL, all with the PIN in DIR/pin (mode 0600).
# Prints the SOFTHSM2_CONF value; use it as:
#   SOFTHSM2_CONF=$(tests/lib/softhsm-token.sh "$tmp" signer); export SOFTHSM2_CONF
# The caller removes DIR. softhsm2-util needs the PINs on its command line;
# they are throwaway test PINs, never a real one.
set -eu
[ $# -ge 2 ] || { echo "usage: softhsm-token.sh DIR LABEL..." >&2; exit 2; }
dir=$(cd "$1" && pwd)
shift
umask 077
mkdir -p "$dir/tokens"
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' \
	"$dir" >"$dir/softhsm2.conf"
pin=$(od -An -N6 -tu2 /dev/urandom | tr -d ' \n')
printf '%s\n' "$pin" >"$dir/pin"
for label in "$@"; do
	SOFTHSM2_CONF="$dir/softhsm2.conf" softhsm2-util --init-token --free \
		--label "$label" --pin "$pin" --so-pin "${pin}so" >/dev/null
done
printf '%s\n' "$dir/softhsm2.conf"

#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# softhsm-token.sh DIR LABEL [LABEL...]: make a private SoftHSM2 token
# directory under DIR (which must exist and be private to the test), with one
# initialised token per LABEL, all with the PIN in DIR/pin (mode 0600).
# Prints the SOFTHSM2_CONF value; use it as:
#   SOFTHSM2_CONF=$(tests/lib/softhsm-token.sh "$tmp" signer); export SOFTHSM2_CONF
# The caller removes DIR. The tokens are made by signerd-token, which reads
# the PINs from files: found as SIGNERD_TOKEN_BIN, else in SIGNERD_BUILD_DIR,
# else in build/release.
set -eu
[ $# -ge 2 ] || { echo "usage: softhsm-token.sh DIR LABEL..." >&2; exit 2; }
build=${SIGNERD_BUILD_DIR:-$(cd "$(dirname "$0")/../.." && pwd)/build/release}
tool=${SIGNERD_TOKEN_BIN:-$build/hsm/token_tool/signerd-token}
[ -x "$tool" ] || { echo "softhsm-token.sh: $tool is not built" >&2; exit 1; }
module=${SIGNERD_PKCS11_MODULE:-/usr/lib/softhsm/libsofthsm2.so}
dir=$(cd "$1" && pwd)
shift
umask 077
mkdir -p "$dir/tokens"
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' \
	"$dir" >"$dir/softhsm2.conf"
pin=$(od -An -N6 -tu2 /dev/urandom | tr -d ' \n')
printf '%s\n' "$pin" >"$dir/pin"
printf '%sso\n' "$pin" >"$dir/so-pin"
for label in "$@"; do
	SOFTHSM2_CONF="$dir/softhsm2.conf" "$tool" init --module "$module" \
		--label "$label" --so-pin-file "$dir/so-pin" \
		--pin-file "$dir/pin" >/dev/null
done
printf '%s\n' "$dir/softhsm2.conf"

#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# trustctl's credentials reach a server behind registry-style token auth:
# a small loopback server answers 401 with `WWW-Authenticate: Bearer
# realm=...`, its realm hands out a token for the right basic credentials,
# and the metadata request is retried with the token. Credentials come from
# TRUSTCTL_USERNAME/TRUSTCTL_PASSWORD or TRUSTCTL_CREDENTIALS_FILE; wrong or
# missing ones fail with an authentication error.
#
#   trustctl-auth.sh TRUSTCTL
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/notary-server.sh"
[ $# -eq 1 ] || { echo "usage: ${0##*/} TRUSTCTL" >&2; exit 2; }
TC=$1
th_tmpdir T
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*" >&2; fail=1; }

cat >"$T/authserver.py" <<'PY'
import base64, http.server, json, sys
want = "Basic " + base64.b64encode(b"alice:s3cr3t pass").decode()
log = open(sys.argv[2], "a")
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass
    def send(self, code, body, hdrs=()):
        b = json.dumps(body).encode()
        self.send_response(code)
        for k, v in hdrs:
            self.send_header(k, v)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)
    def do_GET(self):
        auth = self.headers.get("Authorization", "")
        log.write("%s %s\n" % (self.path, auth.split(" ")[0] or "-")); log.flush()
        if self.path.startswith("/token"):
            if auth == want:
                return self.send(200, {"token": "tok-123"})
            return self.send(401, {"errors": [{"code": "UNAUTHORIZED"}]})
        if auth != "Bearer tok-123":
            realm = 'Bearer realm="http://127.0.0.1:%d/token",service="notary",scope="repository:example.com/app:pull"' % self.server.server_port
            return self.send(401, {"errors": [{"code": "UNAUTHORIZED", "message": "authentication required"}]},
                             [("WWW-Authenticate", realm)])
        return self.send(404, {"errors": [{"code": "METADATA_NOT_FOUND", "message": "not found"}]})
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(sys.argv[1], "w").write(str(s.server_port))
s.serve_forever()
PY
python3 "$T/authserver.py" "$T/port" "$T/requests" &
pid=$!
th_on_exit "kill $pid 2>/dev/null || true"
for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.05; done
[ -s "$T/port" ] || th_die "auth server did not start"
export TRUSTCTL_SERVER=http://127.0.0.1:$(cat "$T/port") TRUSTCTL_TRUST_DIR=$T/tc
unset TRUSTCTL_USERNAME TRUSTCTL_PASSWORD TRUSTCTL_CREDENTIALS_FILE TRUSTCTL_TOKEN

# With the right credentials the request gets through to the 404.
if TRUSTCTL_USERNAME=alice TRUSTCTL_PASSWORD='s3cr3t pass' "$TC" verify example.com/app:v1 2>"$T/err"; then
	bad "verify succeeded on an empty server"
fi
grep -q "no trust data" "$T/err" && grep -q "^/token.* Basic$" "$T/requests" &&
    grep -q "^/v2/.* Bearer$" "$T/requests" && ok "credentials from the environment: token fetched, $(cat "$T/err")" ||
    bad "env credentials: $(cat "$T/err"); requests: $(tr '\n' ' ' <"$T/requests")"
printf 'alice\ns3cr3t pass\n' >"$T/creds"
chmod 600 "$T/creds"
: >"$T/requests"
TRUSTCTL_CREDENTIALS_FILE=$T/creds "$TC" verify example.com/app:v1 2>"$T/err" || true
grep -q "no trust data" "$T/err" && ok "credentials from a file" ||
    bad "file credentials: $(cat "$T/err")"
TRUSTCTL_USERNAME=alice TRUSTCTL_PASSWORD=wrong "$TC" verify example.com/app:v1 2>"$T/err" &&
    bad "wrong password accepted"
grep -q "no trust data" "$T/err" && bad "wrong password got through" ||
    ok "wrong password refused: $(cat "$T/err")"
"$TC" verify example.com/app:v1 2>"$T/err" && bad "no credentials accepted"
grep -q "no trust data" "$T/err" && bad "no credentials got through" ||
    ok "no credentials refused: $(cat "$T/err")"
printf 'only-a-user' >"$T/badcreds"
TRUSTCTL_CREDENTIALS_FILE=$T/badcreds "$TC" verify example.com/app:v1 2>"$T/err" &&
    bad "a credentials file without a password accepted"
grep -q "credentials file" "$T/err" && ok "bad credentials file: $(cat "$T/err")" ||
    bad "bad credentials file: $(cat "$T/err")"
exit $fail

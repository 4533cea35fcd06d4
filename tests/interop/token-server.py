#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A registry-style token issuer for tests, in front of a real notary-server
configured with `"auth": {"type": "token", ...}`.

  token-server.py PORTFILE CERT KEY SIGNCERT SIGNKEY ISSUER SERVICE USER PASSFILE

Serves HTTPS on 127.0.0.1 (a free port, written to PORTFILE once listening):
  GET /token?service=S&scope=repository:GUN:ACTIONS  with HTTP Basic USER:PASS
      -> {"token": JWT, "access_token": JWT, "expires_in": 300}; without
      credentials a token for pull only; 401 for wrong credentials.
      The JWT is ES256, signed by SIGNKEY, with SIGNCERT in its x5c header
      (notary-server trusts SIGNCERT through its rootcertbundle).
  GET /v2/  answers 401 `WWW-Authenticate: Basic` without USER:PASS, 200 with:
      a stand-in for a server configured for plain basic credentials.
"""
import base64
import json
import os
import ssl
import sys
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

(portfile, cert, key, signcert, signkey, issuer, service, user,
 passfile) = sys.argv[1:10]
with open(passfile) as f:
    password = f.read().strip()
with open(signkey, "rb") as f:
    sk = serialization.load_pem_private_key(f.read(), None)
with open(signcert, "rb") as f:
    sc = x509.load_pem_x509_certificate(f.read())
x5c = base64.b64encode(sc.public_bytes(serialization.Encoding.DER)).decode()


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def jwt(sub, access):
    now = int(time.time())
    head = {"typ": "JWT", "alg": "ES256", "x5c": [x5c]}
    claims = {"iss": issuer, "sub": sub, "aud": service, "exp": now + 300,
              "nbf": now - 10, "iat": now, "jti": b64url(os.urandom(12)),
              "access": access}
    signing_input = (b64url(json.dumps(head).encode()) + "." +
                     b64url(json.dumps(claims).encode()))
    der = sk.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    return signing_input + "." + b64url(r.to_bytes(32, "big") +
                                        s.to_bytes(32, "big"))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"   # keep-alive, as real realms do
    def log_message(self, fmt, *args):
        sys.stderr.write("token-server: " + (fmt % args) + "\n")

    def authorised(self):
        want = "Basic " + base64.b64encode(
            (user + ":" + password).encode()).decode()
        return self.headers.get("Authorization") == want

    def reply(self, code, body, headers=()):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        u = urllib.parse.urlsplit(self.path)
        if u.path == "/v2/":
            if not self.authorised():
                return self.reply(401, {"errors": [{"code": "UNAUTHORIZED"}]},
                                  [("WWW-Authenticate", 'Basic realm="test"')])
            return self.reply(200, {})
        if u.path != "/token":
            return self.reply(404, {})
        # Anonymous callers get pull only, as Docker Hub does; wrong
        # credentials get nothing.
        anonymous = "Authorization" not in self.headers
        if not anonymous and not self.authorised():
            return self.reply(401, {"details": "bad credentials"})
        q = urllib.parse.parse_qs(u.query)
        access = []
        for scope in q.get("scope", []):
            parts = scope.split(":")
            if len(parts) == 3 and parts[0] == "registry" and not anonymous:
                access.append({"type": "registry", "name": parts[1],
                               "actions": parts[2].split(",")})
            elif len(parts) >= 3 and parts[0] == "repository":
                actions = parts[-1].split(",")
                if anonymous:
                    actions = [a for a in actions if a == "pull"]
                access.append({"type": "repository",
                               "name": ":".join(parts[1:-1]),
                               "actions": actions})
        if q.get("service", [""])[0] != service:
            return self.reply(400, {"details": "unknown service"})
        tok = jwt("" if anonymous else user, access)
        self.reply(200, {"token": tok, "access_token": tok,
                         "expires_in": 300})


srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
with open(portfile + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(portfile + ".tmp", portfile)
srv.serve_forever()

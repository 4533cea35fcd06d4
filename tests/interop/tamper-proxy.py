#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A TLS-terminating HTTP/1.1 proxy for the tamper test, on 127.0.0.1.

    tamper-proxy.py CERT KEY UPSTREAM_URL UPSTREAM_CA CONTROL_DIR

Listens on a free loopback port (written to CONTROL_DIR/port), forwards every
request to the real notary-server and alters trust data on the way back as
CONTROL_DIR/rules.json says (read on every request, so the test switches
cases without restarting). Each request is logged to CONTROL_DIR/requests.log
as "METHOD PATH STATUS ACTION".

rules.json is a list of {"role": R, "action": A[, "file": F]}. R is the role
of the file asked for, however it is asked for (R.json, N.R.json,
R.<sha256>.json). Actions: "flip" changes one character of the first
"sha256" hash in the body (valid JSON still, wrong bytes), "replace" serves
the bytes of file F instead, "404" answers not found.

Plain sockets and ssl: no http.server, one thread per connection, keep-alive.
"""
import http.client
import json
import os
import re
import socket
import ssl
import sys
import threading
import urllib.parse

CERT, KEY, UPSTREAM, UPSTREAM_CA, CTL = sys.argv[1:6]
UP = urllib.parse.urlsplit(UPSTREAM)
HOP = {"connection", "keep-alive", "transfer-encoding", "expect",
       "proxy-connection", "te", "upgrade", "content-length", "host"}
FILE_RE = re.compile(r"/_trust/tuf/(?:\d+\.)?(.+?)(?:\.[0-9a-f]{64})?\.json$")
log_lock = threading.Lock()


def rules():
    try:
        with open(os.path.join(CTL, "rules.json"), encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        return []


def log(line):
    with log_lock, open(os.path.join(CTL, "requests.log"), "a",
                        encoding="utf-8") as f:
        f.write(line + "\n")


def flip(body):
    i = body.find(b'"sha256":"')
    if i < 0:
        return body
    i += len(b'"sha256":"')
    c = body[i:i + 1]
    return body[:i] + (b"B" if c != b"B" else b"C") + body[i + 1:]


def tamper(path, status, body):
    m = FILE_RE.search(path.split("?", 1)[0])
    if not m:
        return status, body, "-"
    role = m.group(1)
    for r in rules():
        if r.get("role") != role:
            continue
        act = r["action"]
        if act == "flip" and status == 200:
            return status, flip(body), "flip"
        if act == "replace":
            with open(r["file"], "rb") as f:
                return 200, f.read(), "replace:" + os.path.basename(r["file"])
        if act == "404":
            return 404, b'{"errors":[{"code":"METADATA_NOT_FOUND"}]}', "404"
    return status, body, "-"


def read_request(rf):
    line = rf.readline(65537)
    if not line:
        return None
    method, target, _ = line.decode("latin-1").split(" ", 2)
    headers = []
    while True:
        h = rf.readline(65537)
        if h in (b"\r\n", b"\n", b""):
            break
        k, v = h.decode("latin-1").split(":", 1)
        headers.append((k.strip(), v.strip()))
    return method, target, headers


def read_body(rf, wf, headers):
    hd = {k.lower(): v for k, v in headers}
    if hd.get("expect", "").lower() == "100-continue":
        wf.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        wf.flush()
    if hd.get("transfer-encoding", "").lower() == "chunked":
        out = b""
        while True:
            n = int(rf.readline().split(b";")[0], 16)
            if n == 0:
                while rf.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return out
            out += rf.read(n)
            rf.readline()
    n = int(hd.get("content-length", "0"))
    return rf.read(n) if n else None


def serve(conn):
    ctx = ssl.create_default_context(cafile=UPSTREAM_CA)
    up = http.client.HTTPSConnection(UP.hostname, UP.port, context=ctx,
                                     timeout=30)
    rf = conn.makefile("rb")
    wf = conn.makefile("wb")
    try:
        while True:
            req = read_request(rf)
            if req is None:
                return
            method, target, headers = req
            body = read_body(rf, wf, headers)
            fwd = {k: v for k, v in headers if k.lower() not in HOP}
            up.request(method, target, body=body, headers=fwd)
            resp = up.getresponse()
            data = resp.read()
            status, data, act = tamper(target, resp.status, data)
            log(f"{method} {target} {status} {act}")
            out = [f"HTTP/1.1 {status} {http.client.responses.get(status, 'X')}"]
            for k, v in resp.getheaders():
                if k.lower() not in HOP:
                    out.append(f"{k}: {v}")
            out.append(f"Content-Length: {len(data)}")
            wf.write(("\r\n".join(out) + "\r\n\r\n").encode("latin-1") + data)
            wf.flush()
    except (OSError, ValueError, http.client.HTTPException) as e:
        log(f"- - - error {e!r}")
    finally:
        up.close()
        conn.close()


def main():
    sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    sctx.load_cert_chain(CERT, KEY)
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(16)
    tmp = os.path.join(CTL, "port.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(str(ls.getsockname()[1]))
    os.rename(tmp, os.path.join(CTL, "port"))
    while True:
        c, _ = ls.accept()
        try:
            c = sctx.wrap_socket(c, server_side=True)
        except (OSError, ssl.SSLError):
            c.close()
            continue
        threading.Thread(target=serve, args=(c,), daemon=True).start()


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""An HTTP/1.1 server on 127.0.0.1 that misbehaves on purpose, for
test_notary_http_wire. Plain sockets, one thread per connection.

    http-quirks.py PORTFILE LOG

The behaviour comes from the GUN in /v2/t/<name>/_trust/tuf/...:
  keep        200, Content-Length, connection kept
  closeafter  200, then the connection is closed (no Connection: close)
  dropsecond  the first request on a connection is answered, the second is
              met by closing the connection without an answer
  chunked     200, chunked (extensions, a trailer), written in small pieces
  http10      HTTP/1.0 200 without a length: the body runs to EOF
  silent      the request is read and never answered
  huge        Content-Length of 10 MiB, nothing sent
  bad         an invalid Content-Length
  evilrealm   401 with a Bearer realm on plain http to a name that only
              starts like loopback
Every request is logged to LOG as "METHOD PATH CONN REQ".
"""
import os
import socket
import sys
import threading
import time

PORTFILE, LOG = sys.argv[1:3]
lock = threading.Lock()
nconn = [0]


def log(line):
    with lock, open(LOG, "a") as f:
        f.write(line + "\n")


def read_request(c, buf):
    while b"\r\n\r\n" not in buf:
        d = c.recv(65536)
        if not d:
            return None, b""
        buf += d
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    n = 0
    for ln in lines[1:]:
        k, _, v = ln.partition(":")
        if k.strip().lower() == "content-length":
            n = int(v)
    while len(rest) < n:
        d = c.recv(65536)
        if not d:
            return None, b""
        rest += d
    return lines[0].split(" "), rest[n:]


def answer(c, body, extra=b""):
    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n%s"
              % (len(body), extra, body))


def handle(c, cid):
    buf = b""
    req = 0
    while True:
        line, buf = read_request(c, buf)
        if line is None:
            break
        req += 1
        method, path = line[0], line[1]
        log("%s %s %d %d" % (method, path, cid, req))
        name = path.split("/")[3] if path.count("/") > 3 else ""
        if name == "keep":
            answer(c, b"kept %d" % req)
        elif name == "closeafter":
            answer(c, b"closing")
            time.sleep(0.05)
            break
        elif name == "dropsecond":
            if req >= 2:
                break
            answer(c, b"first")
        elif name == "chunked":
            for p in (b"HTTP/1.1 200 OK\r\nTransfer-Enc", b"oding: chunked\r\n\r\n",
                      b"4;ext=\"x\"\r\nwire\r\n", b"1", b"\r\n-\r\n5\r\nchunk\r\n",
                      b"0\r\nX-Trailer: t\r\n", b"\r\n"):
                c.sendall(p)
                time.sleep(0.01)
        elif name == "http10":
            c.sendall(b"HTTP/1.0 200 OK\r\n\r\nuntil eof")
            break
        elif name == "silent":
            time.sleep(5)
            break
        elif name == "huge":
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 10485760\r\n\r\n")
        elif name == "evilrealm":
            c.sendall(b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer "
                      b"realm=\"http://127.0.0.1.example.invalid/token\","
                      b"service=\"x\"\r\nContent-Length: 0\r\n\r\n")
        elif name == "bad":
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 12x\r\n\r\n")
        else:
            c.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
    c.close()


s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0))
s.listen(16)
with open(PORTFILE + ".tmp", "w") as f:
    f.write(str(s.getsockname()[1]))
os.rename(PORTFILE + ".tmp", PORTFILE)
while True:
    conn, _ = s.accept()
    nconn[0] += 1
    threading.Thread(target=handle, args=(conn, nconn[0]), daemon=True).start()

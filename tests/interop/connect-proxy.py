#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A minimal HTTP CONNECT proxy for the proxy test, on 127.0.0.1.

    connect-proxy.py PORTFILE LOG [USER:PASS]

Listens on a free loopback port (written to PORTFILE). Answers CONNECT only:
407 without the right Proxy-Authorization (when USER:PASS is given), 502 when
the target does not answer, else 200 and then relays bytes both ways. Each
CONNECT is logged to LOG as "CONNECT HOST:PORT STATUS AUTH" where AUTH is
"basic" or "-", never the credentials.
"""
import base64
import os
import socket
import sys
import threading

PORTFILE, LOG = sys.argv[1:3]
WANT = ("Basic " + base64.b64encode(sys.argv[3].encode()).decode()
        if len(sys.argv) > 3 else None)
lock = threading.Lock()


def log(line):
    with lock, open(LOG, "a") as f:
        f.write(line + "\n")


def pump(a, b):
    try:
        while True:
            d = a.recv(65536)
            if not d:
                break
            b.sendall(d)
    except OSError:
        pass
    for s in (a, b):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def handle(c):
    head = b""
    while b"\r\n\r\n" not in head:
        d = c.recv(4096)
        if not d or len(head) > 65536:
            c.close()
            return
        head += d
    lines = head.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    hdrs = {}
    for ln in lines[1:]:
        k, _, v = ln.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    auth = hdrs.get("proxy-authorization")
    tag = "basic" if auth else "-"
    if len(parts) != 3 or parts[0] != "CONNECT":
        c.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
        log("%s %s 405 %s" % (parts[0], parts[1] if len(parts) > 1 else "", tag))
        c.close()
        return
    if WANT is not None and auth != WANT:
        c.sendall(b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                  b"Proxy-Authenticate: Basic realm=\"test\"\r\n"
                  b"Content-Length: 0\r\n\r\n")
        log("CONNECT %s 407 %s" % (parts[1], tag))
        c.close()
        return
    host, _, port = parts[1].rpartition(":")
    try:
        u = socket.create_connection((host.strip("[]"), int(port)), timeout=5)
        u.settimeout(None)
    except (OSError, ValueError):
        c.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
        log("CONNECT %s 502 %s" % (parts[1], tag))
        c.close()
        return
    c.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
    log("CONNECT %s 200 %s" % (parts[1], tag))
    threading.Thread(target=pump, args=(u, c), daemon=True).start()
    pump(c, u)


s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0))
s.listen(16)
with open(PORTFILE + ".tmp", "w") as f:
    f.write(str(s.getsockname()[1]))
os.rename(PORTFILE + ".tmp", PORTFILE)
while True:
    conn, _ = s.accept()
    threading.Thread(target=handle, args=(conn,), daemon=True).start()

# SPDX-License-Identifier: Apache-2.0
"""signerd end to end, driven by tests/integration/ops.sh.

Every op's happy path over the real socket with a SoftHSM2 token; the
repositories signerd makes are uploaded to the real notary-server and listed
by the real notary client (fresh trust directory, trust on first use);
ceremony unlock/lock; retry, rollback and conflict refusals; the policy
matrix with a second uid (nobody, when run as root); 64 concurrent clients;
kill -9 in a burst of targets.update, restart, retry, audit chain verified;
SIGHUP reload; SIGTERM drain.
"""
import grp
import hashlib
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

T = os.environ["OPS_T"]
SOCKDIR = os.environ["OPS_SOCKDIR"]
MODULE = os.environ["OPS_MODULE"]
SIGNERD = os.environ["OPS_SIGNERD"]
AUDIT = os.environ["OPS_AUDIT"]
URL = os.environ["NOTARY_URL"]
CA = os.environ["NOTARY_CA"]
SOCK = os.path.join(SOCKDIR, "run", "signerd.sock")
CONF = os.path.join(T, "signerd.json")
checks = 0


def fail(msg):
    sys.stderr.write("ops_test: FAIL: %s\n" % msg)
    try:
        with open(os.path.join(T, "signerd.log")) as f:
            sys.stderr.write("--- signerd log (tail)\n" + "".join(f.readlines()[-20:]))
    except OSError:
        pass
    sys.exit(1)


T0 = time.time()


def phase(name):
    sys.stderr.write("ops_test: [%6.2f s] %s\n" % (time.time() - T0, name))


def check(cond, msg):
    global checks
    checks += 1
    if not cond:
        fail(msg)


def write_config(nobody_rule=None):
    policy = [{"uid": 0, "gun": "**", "roles": ["**"], "ops": ["*"]}]
    if os.geteuid() != 0:
        policy.append({"uid": os.geteuid(), "gun": "**", "roles": ["**"], "ops": ["*"]})
    if nobody_rule:
        policy.append(nobody_rule)
    cfg = {
        "socket": SOCK, "socket_mode": "0660", "state_dir": os.path.join(T, "state"),
        "workers": 8,
        # 64 concurrent clients of one uid below.
        "max_connections_per_uid": 128,
        "tokens": {
            "online": {"module": MODULE, "token": "online",
                       "pin_file": os.path.join(T, "online.pin")},
            "root": {"module": MODULE, "token": "root"},
        },
        "policy": policy,
    }
    if os.geteuid() == 0:
        cfg["socket_group"] = "nogroup"
    tmp = CONF + ".tmp"
    with open(tmp, "w") as f:
        json.dump(cfg, f)
    os.chmod(tmp, 0o600)
    os.rename(tmp, CONF)


class Daemon:
    def __init__(self):
        self.log = open(os.path.join(T, "signerd.log"), "a")
        self.p = subprocess.Popen([SIGNERD, "-c", CONF, "-f"], stdout=self.log,
                                  stderr=self.log)
        for _ in range(200):
            if self.p.poll() is not None:
                fail("signerd exited at start (%d)" % self.p.returncode)
            try:
                s = socket.socket(socket.AF_UNIX)
                s.connect(SOCK)
                s.close()
                return
            except OSError:
                time.sleep(0.025)
        fail("signerd did not start listening")

    def kill9(self):
        self.p.kill()
        self.p.wait()

    def term(self):
        self.p.send_signal(signal.SIGTERM)
        return self.p.wait(timeout=30)


class Client:
    def __init__(self):
        self.s = socket.socket(socket.AF_UNIX)
        self.s.settimeout(60)
        self.s.connect(SOCK)

    def call(self, req):
        req = dict(req)
        req.setdefault("v", 1)
        b = json.dumps(req).encode()
        self.s.sendall(struct.pack(">I", len(b)) + b)
        hdr = self._read(4)
        (n,) = struct.unpack(">I", hdr)
        return json.loads(self._read(n))

    def _read(self, n):
        d = b""
        while len(d) < n:
            c = self.s.recv(n - len(d))
            if not c:
                raise ConnectionError("closed")
            d += c
        return d

    def close(self):
        self.s.close()


def call(req):
    c = Client()
    try:
        return c.call(req)
    finally:
        c.close()


def ok(req, what):
    r = call(req)
    check(r.get("ok") is True, "%s: %s" % (what, json.dumps(r)[:400]))
    return r["result"]


def err(req, code, what):
    r = call(req)
    check(r.get("ok") is False and r["error"]["code"] == code,
          "%s: expected %s, got %s" % (what, code, json.dumps(r)[:400]))
    return r["error"]


def sha(s):
    return hashlib.sha256(s.encode()).hexdigest()


def fetch(gun, path):
    return subprocess.run(["curl", "-sf", "--cacert", CA,
                           "%s/v2/%s/_trust/tuf/%s" % (URL, gun, path)],
                          check=True, capture_output=True).stdout.decode()


def upload(gun, files):
    args = ["curl", "-s", "-o", os.path.join(T, "up.out"), "-w", "%{http_code}",
            "--cacert", CA, "-X", "POST"]
    for i, (role, data) in enumerate(sorted(files.items())):
        p = os.path.join(T, "up.%d" % i)
        with open(p, "w") as f:
            f.write(data)
        args += ["-F", "files=@%s;filename=%s;type=application/octet-stream" % (p, role)]
    args.append("%s/v2/%s/_trust/tuf/" % (URL, gun))
    code = subprocess.run(args, check=True, capture_output=True).stdout.decode()
    with open(os.path.join(T, "up.out")) as f:
        body = f.read()
    check(code == "200", "upload %s %s: HTTP %s %s" % (gun, sorted(files), code, body[:300]))


def notary_list(gun):
    trust = subprocess.run(["mktemp", "-d", os.path.join(T, "trust.XXXXXX")],
                           check=True, capture_output=True).stdout.decode().strip()
    r = subprocess.run(["notary", "-s", URL, "--tlscacert", CA, "-d", trust, "list", gun],
                       stdin=subprocess.DEVNULL, capture_output=True)
    check(r.returncode == 0, "notary list %s: %s" % (gun, r.stderr.decode()[-400:]))
    out = {}
    for line in r.stdout.decode().splitlines()[2:]:
        f = line.split()
        if len(f) == 4:
            out[f[0]] = (f[1], int(f[2]), f[3])
    return out


def merged(base, res):
    b = dict(base)
    b.update(res["files"])
    return b


def as_nobody(req, groups=()):
    """The request from a child running as nobody:nogroup (and groups)."""
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(rfd)
            os.setgroups(list(groups))
            os.setgid(65534)
            os.setuid(65534)
            r = call(req)
            os.write(wfd, json.dumps(r).encode())
        finally:
            os._exit(0)
    os.close(wfd)
    data = b""
    while True:
        c = os.read(rfd, 65536)
        if not c:
            break
        data += c
    os.close(rfd)
    os.waitpid(pid, 0)
    return json.loads(data)


def main():
    t_start = time.time()
    write_config({"user": "nobody", "gun": "example.com/*", "roles": ["targets/ci"],
                  "ops": ["targets.update", "key.list"]})
    d = Daemon()

    st = ok({"op": "status"}, "status")
    check(st["tokens"]["root"] == {"present": True, "unlocked": False}, "root locked at start")
    ts_key = fetch("example.com/docker", "timestamp.key")
    sn_key = fetch("example.com/docker", "snapshot.key")

    # Root operations need the ceremony.
    err({"op": "repo.init", "gun": "example.com/docker", "timestamp_key": ts_key,
         "snapshot_key": sn_key}, "locked", "repo.init before unlock")
    err({"op": "ceremony.unlock", "pin": "0000", "lifetime": 60}, "token_error", "wrong PIN")
    ok({"op": "ceremony.unlock", "pin": "4321", "lifetime": 600}, "unlock")

    # A docker-style repository: server-managed snapshot, a signer.
    gun = "example.com/docker"
    init = ok({"op": "repo.init", "gun": gun, "timestamp_key": ts_key,
               "snapshot_key": sn_key}, "repo.init docker")
    check(sorted(init["files"]) == ["root", "targets"], "init files %s" % sorted(init["files"]))
    err({"op": "repo.init", "gun": gun, "timestamp_key": ts_key}, "conflict", "init twice")
    upload(gun, init["files"])
    base = dict(init["files"])
    key = ok({"op": "key.generate", "signer": "ci"}, "key.generate")
    check(key["public_pem"].startswith("-----BEGIN PUBLIC KEY-----\nrole: ci\n\n"), "pem header")
    dl = ok({"op": "delegation.update", "gun": gun, "action": "add", "signer": "ci",
             "public_key": key["public_pem"], "base": base}, "delegation add")
    check(sorted(dl["files"]) == ["targets"], "delegation files")
    upload(gun, dl["files"])
    base = merged(base, dl)
    t1 = ok({"op": "targets.update", "gun": gun, "role": "targets",
             "add": [{"name": "v1", "sha256": sha("one"), "length": 3}], "base": base},
            "targets.update targets")
    upload(gun, t1["files"])
    old_base = base
    base = merged(base, t1)
    req_ci = {"op": "targets.update", "gun": gun, "role": "targets/ci",
              "add": [{"name": "v2", "sha256": sha("two"), "length": 4}], "base": base}
    t2 = ok(req_ci, "targets.update delegation")
    again = ok(req_ci, "retry")
    check(again == t2, "retry returns the same bytes")
    upload(gun, t2["files"])
    lst = notary_list(gun)
    check(lst.get("v1") == (sha("one"), 3, "targets"), "notary list v1: %s" % lst)
    check(lst.get("v2") == (sha("two"), 4, "targets/ci"), "notary list v2: %s" % lst)
    # A stale base is refused.
    err({"op": "targets.update", "gun": gun, "role": "targets",
         "add": [{"name": "v9", "sha256": sha("x"), "length": 1}], "base": old_base},
        "rollback", "stale base")
    err({"op": "targets.update", "gun": gun, "role": "targets", "remove": ["nope"],
         "base": base}, "not_found", "remove absent")
    tampered = dict(base)
    tampered["root"] = base["root"].replace('"version":1', '"version":2')
    err({"op": "targets.update", "gun": gun, "role": "targets", "remove": ["v1"],
         "base": tampered}, "untrusted", "foreign root")
    # A second signer, then removed again (docker trust signer remove).
    key2 = ok({"op": "key.generate", "signer": "qa"}, "key.generate qa")
    base = merged(base, t2)
    d2 = ok({"op": "delegation.update", "gun": gun, "action": "add", "signer": "qa",
             "public_key": key2["public_pem"], "base": base}, "delegation add qa")
    upload(gun, d2["files"])
    base = merged(base, d2)
    d3 = ok({"op": "delegation.update", "gun": gun, "action": "remove", "signer": "qa",
             "base": base}, "delegation remove qa")
    upload(gun, d3["files"])
    base = merged(base, d3)
    lst = notary_list(gun)
    check(set(lst) == {"v1", "v2"}, "notary list after signer add/remove: %s" % lst)
    kl = ok({"op": "key.list", "gun": gun}, "key.list")
    roles = sorted(k["role"] for k in kl["keys"])
    check("targets" in roles and "root" in roles and "targets/ci" in roles, "key.list %s" % roles)

    phase("notary-style repo")
    # A notary-style repository: signerd holds the snapshot key.
    gun2 = "example.com/notary"
    ts2 = fetch(gun2, "timestamp.key")
    init2 = ok({"op": "repo.init", "gun": gun2, "timestamp_key": ts2}, "repo.init notary")
    check(sorted(init2["files"]) == ["root", "snapshot", "targets"], "init2 files")
    upload(gun2, init2["files"])
    base2 = dict(init2["files"])
    u = ok({"op": "targets.update", "gun": gun2, "role": "targets",
            "add": [{"name": "latest", "sha256": sha("l"), "length": 1},
                    {"name": "1.0", "sha256": sha("o"), "length": 2}], "base": base2},
           "targets.update notary")
    check(sorted(u["files"]) == ["snapshot", "targets"], "update2 files")
    upload(gun2, u["files"])
    base2 = merged(base2, u)
    lst = notary_list(gun2)
    check(set(lst) == {"latest", "1.0"}, "notary list 2: %s" % lst)
    # A rollback: base snapshot older than the ledger's.
    stale = dict(base2)
    stale["snapshot"] = init2["files"]["snapshot"]
    err({"op": "targets.update", "gun": gun2, "role": "targets", "remove": ["1.0"],
         "base": stale}, "rollback", "stale snapshot")

    sys.stderr.write("ops_test: happy paths in %.2f s\n" % (time.time() - t_start))
    phase("policy matrix")
    # Policy matrix with a second uid.
    if os.geteuid() == 0:
        r = as_nobody({"v": 1, "op": "status"})
        check(r["ok"], "nobody status: %s" % r)
        r = as_nobody({"v": 1, "op": "targets.update", "gun": gun, "role": "targets/ci",
                       "add": [{"name": "ci-1", "sha256": sha("c"), "length": 1}],
                       "base": merged(base, t2)})
        check(r["ok"], "nobody targets/ci: %s" % json.dumps(r)[:300])
        for req, what in [
                ({"op": "targets.update", "gun": gun, "role": "targets", "remove": ["v1"],
                  "base": base}, "role targets"),
                ({"op": "targets.update", "gun": "other.com/x", "role": "targets/ci",
                  "remove": ["v1"], "base": base}, "gun"),
                ({"op": "repo.init", "gun": "example.com/n", "timestamp_key": ts2}, "repo.init"),
                ({"op": "key.generate", "signer": "evil"}, "key.generate"),
                ({"op": "ceremony.lock"}, "ceremony.lock")]:
            req["v"] = 1
            r = as_nobody(req)
            check(not r["ok"] and r["error"]["code"] == "denied" and "65534" in
                  r["error"]["message"], "nobody %s: %s" % (what, r))
        # SIGHUP: a new rule takes effect without a restart.
        write_config({"user": "nobody", "gun": "example.com/*", "roles": ["**"],
                      "ops": ["targets.update", "key.list", "key.generate"]})
        d.p.send_signal(signal.SIGHUP)
        for _ in range(100):
            r = as_nobody({"v": 1, "op": "key.generate", "signer": "nobodykey"})
            if r["ok"]:
                break
            time.sleep(0.05)
        check(r["ok"], "after SIGHUP: %s" % r)
        # A group rule: the peer's supplementary groups are those its process
        # held at connect (SO_PEERGROUPS), not the group database's (nobody is
        # in no group "daemon" there), and are read per connection.
        write_config({"group": "daemon", "gun": "example.com/*", "roles": ["**"],
                      "ops": ["key.list"]})
        d.p.send_signal(signal.SIGHUP)
        daemon_gid = grp.getgrnam("daemon").gr_gid
        for _ in range(100):
            r = as_nobody({"v": 1, "op": "key.list"}, [daemon_gid])
            if r["ok"]:
                break
            time.sleep(0.05)
        check(r["ok"], "group rule, nobody in group daemon: %s" % r)
        r = as_nobody({"v": 1, "op": "key.list"})
        check(not r["ok"] and r["error"]["code"] == "denied",
              "group rule, nobody without group daemon: %s" % r)
        r = as_nobody({"v": 1, "op": "key.list"}, [daemon_gid])
        check(r["ok"], "group rule, second connection: %s" % r)
    else:
        sys.stderr.write("ops_test: not root: policy matrix with nobody skipped\n")

    phase("64 clients")
    # 64 concurrent clients, each on its own repository.
    guns = ["example.com/c%d" % i for i in range(64)]
    bases = {}
    t0 = time.time()
    for g in guns:
        bases[g] = ok({"op": "repo.init", "gun": g, "timestamp_key": ts2,
                       "snapshot_key": sn_key}, "init " + g)["files"]
    sys.stderr.write("ops_test: 64 repo.init in %.2f s\n" % (time.time() - t0))
    results = {}

    def worker(g):
        try:
            c = Client()
            r1 = c.call({"op": "status"})
            r2 = c.call({"op": "targets.update", "gun": g, "role": "targets",
                         "add": [{"name": "t", "sha256": sha(g), "length": 5}],
                         "base": bases[g]})
            c.close()
            results[g] = r1["ok"] and r2["ok"]
        except Exception as e:  # noqa: BLE001
            results[g] = repr(e)
    th = [threading.Thread(target=worker, args=(g,)) for g in guns]
    t0 = time.time()
    for t in th:
        t.start()
    for t in th:
        t.join()
    bad = {g: v for g, v in results.items() if v is not True}
    check(not bad, "concurrent clients failed: %s" % list(bad.items())[:3])
    sys.stderr.write("ops_test: 64 concurrent clients served in %.2f s\n" % (time.time() - t0))

    phase("ceremony lock")
    # Ceremony lock: root operations refused again.
    ok({"op": "ceremony.lock"}, "lock")
    err({"op": "repo.init", "gun": "example.com/late", "timestamp_key": ts2}, "locked",
        "init after lock")

    phase("kill -9 burst")
    # kill -9 in the middle of a burst of targets.update on gun2.
    state = {"base": base2, "last_req": None, "done": 0}
    stop = threading.Event()

    def burst():
        c = Client()
        i = 0
        try:
            while not stop.is_set():
                req = {"op": "targets.update", "gun": gun2, "role": "targets",
                       "add": [{"name": "b%d" % i, "sha256": sha("b%d" % i), "length": 7}],
                       "base": state["base"]}
                state["last_req"] = req
                r = c.call(req)
                if not r["ok"]:
                    state["error"] = r
                    return
                state["base"] = merged(state["base"], r["result"])
                state["done"] += 1
                i += 1
        except (OSError, ConnectionError):
            pass
    bt = threading.Thread(target=burst)
    bt.start()
    time.sleep(1.0)
    d.kill9()
    stop.set()
    bt.join()
    check("error" not in state, "burst error: %s" % state.get("error"))
    check(state["done"] > 0, "no update completed before the kill")
    sys.stderr.write("ops_test: %d updates before kill -9\n" % state["done"])
    d = Daemon()
    # The request in flight: retried, it is either the stored result or new.
    r = call(state["last_req"])
    if r["ok"]:
        state["base"] = merged(state["base"], r["result"])
    else:
        check(r["error"]["code"] == "conflict", "retry after kill: %s" % r)
    fin = ok({"op": "targets.update", "gun": gun2, "role": "targets",
              "add": [{"name": "after-crash", "sha256": sha("ac"), "length": 2}],
              "base": state["base"]}, "update after restart")
    upload(gun2, {"targets": fin["files"]["targets"], "snapshot": fin["files"]["snapshot"]})
    lst = notary_list(gun2)
    check("after-crash" in lst and "b0" in lst, "notary list after crash: %d names" % len(lst))
    a = subprocess.run([AUDIT, "verify", os.path.join(T, "state", "audit.log")],
                       capture_output=True)
    check(a.returncode == 0, "audit chain: %s" % a.stdout.decode() + a.stderr.decode())
    sys.stderr.write("ops_test: %s" % a.stdout.decode())

    phase("sigterm")
    # SIGTERM drains and exits 0.
    rc = d.term()
    check(rc == 0, "SIGTERM exit status %d" % rc)
    check(not os.path.exists(SOCK), "socket removed at exit")
    print("ops_test: %d checks passed" % checks)


main()

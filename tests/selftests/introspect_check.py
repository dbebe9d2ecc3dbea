#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The checks of tests/selftests/introspect.c that need a JSON parser.

  introspect_check.py ls PID EXPECTED PEER    machipc-ls -p PID (JSON and
      text) equals the PORT_NAMES dump in EXPECTED, and a send right of PID
      to a port PEER receives names PEER as its receiver
  introspect_check.py unpriv PID               as nobody, PID's space is
      invisible, the caller's own is visible
  introspect_check.py trace-demo C R          machipc-trace of the demo
      with C clients of R requests tells the exact story

Prints what differs on stderr; exit 0 when every check passed.
"""

import fcntl
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
LS = os.path.join(TOP, "tools/introspect/machipc-ls")
TRACE = os.path.join(TOP, "tools/introspect/machipc-trace")
DEMO = os.path.join(TOP, "tools/demo/machipc-demo")

RIGHT_NAMES = {"send": 0x1, "receive": 0x2, "send-once": 0x4,
               "port-set": 0x8, "dead-name": 0x10}
MSG_HELLO, MSG_REGISTER, MSG_BYE = 0x1000, 0x1001, 0x1002
MSG_REPLY, MSG_CALLBACK = 0x2000, 0x3000
MSGID_NO_SENDERS = 0xfff00001

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        sys.stderr.write("FAIL: %s\n" % what)
    return cond


def mask(rights):
    return sum(RIGHT_NAMES[r] for r in rights)


def run(argv, **kw):
    return subprocess.run(argv, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, **kw)


def space_of(report, pid):
    spaces = [s for s in report["spaces"] if s["pid"] == pid]
    check(len(spaces) == 1, "pid %d: %d spaces listed, want 1" %
          (pid, len(spaces)))
    return spaces[0] if spaces else None


def parse_text(text):
    """{(pid, space): {name: (rights mask, urefs, port id)}} of the table."""
    spaces = {}
    cur = None
    for line in text.splitlines():
        w = line.split()
        if not w:
            continue
        if not line.startswith(" ") and len(w) > 3 and w[2] == "space":
            cur = spaces.setdefault((int(w[0]), int(w[3])), {})
        elif cur is not None and w[0].startswith("0x"):
            rights = mask(w[1].split("+"))
            cur[int(w[0], 16)] = (rights, int(w[2]),
                                  0 if w[3] == "-" else int(w[3]))
    return spaces


def case_ls(pid, expected_file, peer):
    want = {}
    with open(expected_file) as f:
        for line in f:
            name, rights, urefs, port = (int(x, 0) for x in line.split())
            want[name] = (rights, urefs, port)
    r = run([LS, "-p", str(pid), "--json"])
    if not check(r.returncode == 0, "machipc-ls --json rc %d: %s" %
                 (r.returncode, r.stderr)):
        return
    report = json.loads(r.stdout)
    sp = space_of(report, pid)
    if not sp:
        return
    got = {e["name"]: (mask(e["rights"]), e["urefs"], e["port_id"])
           for e in sp["names"]}
    check(got == want, "ls -p %d: %s != PORT_NAMES %s" % (pid, got, want))
    check(sp["account"] and sp["account"]["usage"] > 0,
          "account missing: %s" % sp["account"])

    # The text table says the same.
    t = run([LS, "-p", str(pid)])
    check(t.returncode == 0, "machipc-ls text rc %d" % t.returncode)
    text = parse_text(t.stdout)
    check(text.get((pid, sp["space"])) == want,
          "text %s != JSON %s" % (text, want))

    # Queue and notification details of the receive rights.
    for e in sp["names"]:
        if "receive" in e["rights"]:
            check(e["queue"] is not None, "no queue for %#x" % e["name"])
    check(any(e["queue"] and e["queue"]["queued"] == 2 for e in sp["names"]),
          "no receive right with the 2 queued messages")
    check(any("no-senders" in e["requests"] for e in sp["names"]),
          "the no-senders request is not shown")
    check(any("dead-name" in e["requests"] for e in sp["names"]),
          "the dead-name request is not shown")
    check(any(e.get("members") for e in sp["names"]),
          "the port set's members are not shown")

    # The send right to the peer's port names its receiver, seen as root.
    r = run([LS, "--json"])
    report = json.loads(r.stdout)
    sp = space_of(report, pid)
    peers = [e["receiver"] for e in sp["names"] if e["receiver"]]
    check(any(p["pid"] == peer for p in peers),
          "no send right of %d resolves to receiver %d: %s" %
          (pid, peer, peers))


def case_unpriv(pid):
    # nobody may not reach the checkout (a clone in a mktemp -d directory
    # is mode 0700): it runs a copy of machipc-ls (one self-contained
    # file) from a directory of its own that it can read.
    tooldir = tempfile.mkdtemp(prefix="machipc-ls-")
    try:
        os.chmod(tooldir, 0o755)
        ls = os.path.join(tooldir, "machipc-ls")
        shutil.copy(LS, ls)
        os.chmod(ls, 0o755)
        unpriv_child(pid, ls)
    finally:
        shutil.rmtree(tooldir)


def unpriv_child(pid, ls):
    rfd, wfd = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(rfd)
        try:
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            os.chdir(os.path.dirname(ls))
            own = os.open("/dev/machipc", os.O_RDWR)
            # MACHIPC_IOC_PORT_ALLOCATE: _IOWR(0xBA, 1, 8 bytes)
            arg = bytearray(struct.pack("II", 2, 0))
            fcntl.ioctl(own, 0xc008ba01, arg)
            msgs = []
            r = run([ls, "--json"], pass_fds=(own,))
            if r.returncode != 0:
                msgs.append("ls as nobody rc %d: %s" % (r.returncode,
                                                        r.stderr))
            else:
                pids = [s["pid"] for s in json.loads(r.stdout)["spaces"]]
                if pid in pids:
                    msgs.append("nobody sees root's space of %d" % pid)
                if os.getpid() not in pids:
                    msgs.append("nobody does not see its own space: %s" %
                                pids)
            r = run([ls, "-p", str(pid), "--json"])
            if r.returncode != 1 or "permission denied" not in r.stderr:
                msgs.append("ls -p %d as nobody: rc %d, %r" %
                            (pid, r.returncode, r.stderr))
            elif json.loads(r.stdout)["spaces"]:
                msgs.append("ls -p %d as nobody listed a space" % pid)
            os.write(wfd, "\n".join(msgs).encode())
            os._exit(0)
        except Exception as e:      # noqa: BLE001 -- report anything
            os.write(wfd, ("child: %r" % e).encode())
            os._exit(1)
    os.close(wfd)
    out = b""
    while True:
        b = os.read(rfd, 4096)
        if not b:
            break
        out += b
    _, st = os.waitpid(child, 0)
    for m in out.decode().splitlines():
        check(False, m)
    check(st == 0, "unprivileged child status %#x" % st)


def load_trace(path):
    evs = []
    with open(path) as f:
        for line in f:
            evs.append(json.loads(line))
    return evs


def case_trace_demo(clients, requests):
    out = "trace.json"
    cmd = [TRACE, "--json", "-o", out, "--", DEMO, "-c", str(clients),
           "-r", str(requests), "--kill", "0", "-t", "300"]
    r = run(cmd)
    if not check(r.returncode == 0, "%s: rc %d: %s" %
                 (" ".join(cmd), r.returncode, r.stderr[-2000:])):
        return
    evs = load_trace(out)
    check(evs, "empty trace")
    server = evs[0]["pid"]
    sends = [e for e in evs if e["event"] in ("send", "notify")]
    recvs = {}
    for i, e in enumerate(evs):
        if e["event"] == "receive":
            check(e["msg"] not in recvs, "msg %d received twice" % e["msg"])
            recvs[e["msg"]] = (i, e)
    order = {id(e): i for i, e in enumerate(evs)}

    # Every message sent is received once, after, intact, where it went.
    for s in sends:
        i, rcv = recvs.get(s["msg"], (None, None))
        if not check(rcv, "msg %d (id %#x) never received" %
                     (s["msg"], s["id"])):
            continue
        check(i > order[id(s)] and rcv["ts"] >= s["ts"],
              "msg %d received before sent" % s["msg"])
        check((rcv["id"], rcv["size"], rcv["port"]) ==
              (s["id"], s["size"], s["port"]),
              "msg %d changed: %s -> %s" % (s["msg"], s, rcv))
        check(rcv["wait_ns"] >= 0, "negative wait")
        check(rcv.get("sender", {}).get("pid") == s["pid"],
              "msg %d: receiver's sender %s" % (s["msg"], rcv.get("sender")))
    check(len(recvs) == len(sends), "%d receives for %d sends" %
          (len(recvs), len(sends)))

    # Each client's conversation, in order.
    cpids = sorted({e["pid"] for e in sends
                    if e["pid"] != server and e["event"] == "send"})
    check(len(cpids) == clients, "%d clients in the trace, want %d" %
          (len(cpids), clients))
    service = None
    for c in cpids:
        # Notifications show the context that fired them: skip them.
        mine = [e for e in sends if e["pid"] == c and e["event"] == "send"]
        ids = [e["id"] for e in mine]
        want = [MSG_REGISTER] + [MSG_HELLO] * (requests - 1) + [MSG_BYE]
        check(ids == want, "client %d sent %s, want %s" %
              (c, [hex(i) for i in ids], [hex(i) for i in want]))
        reg = mine[0]
        if service is None:
            service = reg["port"]
        check(reg["port"] == service, "client %d registered elsewhere" % c)
        check(reg["rights"] == 1 and reg["reply_disp"] == "make-send-once",
              "register carries no callback right or reply: %s" % reg)
        # Request, its reply (to the reply port), next request.
        for k, req in enumerate(mine):
            reqi = order[id(req)]
            nxt = order[id(mine[k + 1])] if k + 1 < len(mine) else len(evs)
            replies = [e for e in sends[0:]
                       if e["pid"] == server and e["id"] == MSG_REPLY and
                       e["port"] == req["reply_port"] and
                       reqi < order[id(e)] < nxt]
            check(len(replies) == 1, "client %d request %d: %d replies" %
                  (c, k, len(replies)))
            check(recvs[req["msg"]][1]["pid"] == server,
                  "client %d request %d not received by the server" % (c, k))
            for rep in replies:
                check(recvs.get(rep["msg"], (0, {}))[1].get("pid") == c,
                      "reply to %d received by someone else" % c)
        session = {e["port"] for e in mine[1:]}
        check(len(session) <= 1, "client %d used sessions %s" % (c, session))
        # One callback, to this client.
        cbs = [e for e in sends if e["id"] == MSG_CALLBACK and
               recvs.get(e["msg"], (0, {}))[1].get("pid") == c]
        check(len(cbs) == 1, "client %d got %d callbacks" % (c, len(cbs)))
        # The no-senders notification of its session, after its bye.
        if session:
            sport = session.pop()
            ns = [e for e in sends if e["event"] == "notify" and
                  e["port"] == sport]
            check(len(ns) == 1 and ns[0]["id"] == MSGID_NO_SENDERS,
                  "client %d: session notifications %s" % (c, ns))
            for n in ns:
                check(order[id(n)] > order[id(mine[-1])],
                      "no-senders before the bye of %d" % c)
                rcv = recvs.get(n["msg"], (0, {}))[1]
                check(rcv.get("pid") == server and
                      rcv.get("sender", {}).get("kernel") == 1,
                      "notification not received from the kernel by the "
                      "server: %s" % rcv)
    check(len([e for e in sends if e["event"] == "notify"]) == clients,
          "unexpected notifications")

    # The text trace of a second run has the same events, kind by kind.
    t = run([TRACE, "-o", "trace.txt", "--", DEMO, "-c", str(clients),
             "-r", str(requests), "--kill", "0", "-t", "300"])
    check(t.returncode == 0, "text trace rc %d" % t.returncode)
    counts = {}
    with open("trace.txt") as f:
        for line in f:
            k = line.split()[3]
            counts[k] = counts.get(k, 0) + 1
    jcounts = {}
    for e in evs:
        jcounts[e["event"]] = jcounts.get(e["event"], 0) + 1
    for k in ("send", "receive", "notify", "port-new", "port-dead"):
        check(counts.get(k) == jcounts.get(k),
              "%s: %s text lines, %s JSON objects" %
              (k, counts.get(k), jcounts.get(k)))


def main(argv):
    if argv[:1] == ["ls"] and len(argv) == 4:
        case_ls(int(argv[1]), argv[2], int(argv[3]))
    elif argv[:1] == ["unpriv"] and len(argv) == 2:
        case_unpriv(int(argv[1]))
    elif argv[:1] == ["trace-demo"] and len(argv) == 3:
        case_trace_demo(int(argv[1]), int(argv[2]))
    else:
        sys.stderr.write(__doc__)
        return 2
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

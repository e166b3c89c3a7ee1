"""Network namespaces and veth pairs for integration tests.

    ns = Netns(unique_name("ik"))          # `ip netns add`, lo up
    ns.run(argv, check=True, timeout=..)   # subprocess.run in the namespace
    ns.popen(argv, **kw)                   # subprocess.Popen in the namespace
    veth(ns_a, "srv0", ns_b, "cli0", addr_a="10.77.0.1/24", addr_b=None)
    ns.delete()                            # idempotent; also on __exit__

Every namespace made here is deleted at interpreter exit if a test forgot
to (atexit), every process started with popen() is killed by PID when its
namespace is deleted, and so is anything else still running inside it
(`ip netns pids`: only our own processes can be in our namespaces).
veth ends are created directly inside their namespaces, so the host's
namespace never sees them and fixed names like "srv0" cannot collide.
Every subprocess has a timeout.

Fixture for test modules: `from netns import netns_factory` then
    def test_x(netns_factory):
        srv, cli = netns_factory("srv"), netns_factory("cli")
which deletes them at teardown and skips when netns is unavailable.
"""
import atexit
import ctypes
import itertools
import os
import signal
import socket
import subprocess
import threading
import time

import pytest

from conftest import pid_alive

IP_TIMEOUT = 10.0       # one `ip` command
RUN_TIMEOUT = 30.0      # default for Netns.run
KILL_WAIT = 3.0         # SIGTERM -> SIGKILL grace at teardown
IFNAMSIZ = 15           # usable characters in an interface name
CLONE_NEWNET = 0x40000000

_counter = itertools.count()
_live = {}              # name -> Netns, for the atexit sweep
_available = None


def _b36(n):
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if n == 0:
            return out


def unique_name(prefix="ik"):
    """prefix + pid + counter, at most 15 characters: usable both as a
    namespace and as an interface name, unique among concurrent pytest
    processes (the pid) and within one (the counter)."""
    tail = "%s%s" % (_b36(os.getpid()), _b36(next(_counter)))
    prefix = prefix[:max(1, IFNAMSIZ - len(tail) - 1)]
    return ("%s-%s" % (prefix, tail))[:IFNAMSIZ]


def _ip(args, check=True, timeout=IP_TIMEOUT):
    return subprocess.run(["ip"] + list(args), capture_output=True,
                          text=True, timeout=timeout, check=check,
                          stdin=subprocess.DEVNULL)


def netns_available():
    """True when we are root and can add and delete a namespace."""
    global _available
    if _available is not None:
        return _available
    _available = False
    if os.geteuid() != 0:
        return False
    name = unique_name("ikprobe")
    try:
        r = _ip(["netns", "add", name], check=False)
        if r.returncode == 0:
            _available = True
    except (OSError, subprocess.SubprocessError):
        pass
    finally:
        try:
            _ip(["netns", "del", name], check=False)
        except (OSError, subprocess.SubprocessError):
            pass
    return _available


def _kill_pids(pids, grace=KILL_WAIT):
    """SIGTERM, then SIGKILL what is still alive after `grace`."""
    pids = [p for p in pids if p > 1 and p != os.getpid()]
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for p in pids:
            try:
                os.kill(p, sig)
            except (ProcessLookupError, PermissionError):
                pass
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            pids = [p for p in pids if pid_alive(p)]
            if not pids:
                return
            time.sleep(0.02)


class Netns:
    def __init__(self, name=None):
        self.name = name or unique_name("ik")
        self.procs = []
        self.deleted = False
        _ip(["netns", "add", self.name])
        _live[self.name] = self
        try:
            self.ip("link", "set", "lo", "up")
        except Exception:
            self.delete()
            raise

    def __repr__(self):
        return "Netns(%r)" % self.name

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.delete()

    def argv(self, argv):
        return ["ip", "netns", "exec", self.name] + [str(a) for a in argv]

    def run(self, argv, check=True, timeout=RUN_TIMEOUT, **kw):
        """subprocess.run in the namespace; text output captured unless
        the caller passes stdout/stderr."""
        if "stdout" not in kw and "stderr" not in kw:
            kw.setdefault("capture_output", True)
        kw.setdefault("text", True)
        if "input" not in kw:
            kw.setdefault("stdin", subprocess.DEVNULL)
        return subprocess.run(self.argv(argv), check=check, timeout=timeout,
                              **kw)

    def popen(self, argv, **kw):
        """subprocess.Popen in the namespace. `ip netns exec` execs the
        command, so proc.pid is the command's own pid; it is killed at
        delete() if still running. start_new_session defaults to True so
        a child's signals never reach the test runner."""
        kw.setdefault("start_new_session", True)
        if "stdin" not in kw:
            kw["stdin"] = subprocess.DEVNULL
        p = subprocess.Popen(self.argv(argv), **kw)
        self.procs.append(p)
        return p

    def ip(self, *args, check=True):
        """`ip -n NAME ARGS`; returns stdout."""
        return _ip(["-n", self.name] + [str(a) for a in args],
                   check=check).stdout

    def pids(self):
        """Pids of every process in the namespace."""
        try:
            r = _ip(["netns", "pids", self.name], check=False)
        except (OSError, subprocess.SubprocessError):
            return []
        return [int(x) for x in r.stdout.split() if x.isdigit()]

    def kill_all(self):
        """Kills our popen() children, then anything else left in the
        namespace (all of it started by this test run), by pid."""
        _kill_pids([p.pid for p in self.procs if p.poll() is None])
        for p in self.procs:
            try:
                p.wait(timeout=KILL_WAIT)
            except subprocess.TimeoutExpired:
                pass
        for _ in range(3):
            left = self.pids()
            if not left:
                break
            _kill_pids(left)

    def delete(self):
        if self.deleted:
            return
        self.deleted = True
        try:
            self.kill_all()
        finally:
            # Deleting the namespace destroys its veth ends, and with them
            # the peers in other namespaces.
            _ip(["netns", "del", self.name], check=False)
            _live.pop(self.name, None)

    def call(self, fn, timeout=10.0):
        """Runs fn() on a fresh thread that has joined the namespace
        (setns affects only the calling thread) and returns its result.
        A socket made there stays in the namespace for its whole life, so
        the test process can use it directly: see socket()."""
        out = {}

        def target():
            try:
                fd = os.open("/run/netns/%s" % self.name, os.O_RDONLY)
                try:
                    libc = ctypes.CDLL(None, use_errno=True)
                    if libc.setns(fd, CLONE_NEWNET) != 0:
                        e = ctypes.get_errno()
                        raise OSError(e, "setns: %s" % os.strerror(e))
                finally:
                    os.close(fd)
                out["v"] = fn()
            except BaseException as e:          # handed to the caller
                out["e"] = e

        t = threading.Thread(target=target, daemon=True)
        t.start()
        t.join(timeout)
        if t.is_alive():
            raise TimeoutError("call in %s took over %.1fs" % (self.name,
                                                             timeout))
        if "e" in out:
            raise out["e"]
        return out["v"]

    def socket(self, family=socket.AF_INET, type=socket.SOCK_DGRAM,
               proto=0):
        """A socket that lives in this namespace."""
        return self.call(lambda: socket.socket(family, type, proto))

    # ---- small conveniences ----

    def addresses(self, ifname):
        """IPv4 addresses on ifname as ["10.77.0.100/24", ...]."""
        out = self.ip("-4", "-o", "addr", "show", "dev", ifname)
        return [f[f.index("inet") + 1] for f in
                (line.split() for line in out.splitlines()) if "inet" in f]

    def mac(self, ifname):
        out = self.ip("-o", "link", "show", "dev", ifname)
        f = out.split()
        return f[f.index("link/ether") + 1]

    def set_mac(self, ifname, mac):
        self.ip("link", "set", "dev", ifname, "address", mac)


def veth(ns_a, name_a, ns_b, name_b, addr_a=None, addr_b=None,
         mac_a=None, mac_b=None):
    """A veth pair: name_a in ns_a, name_b in ns_b (a Netns or None for
    the host namespace, then the name must be unique), both up, with
    optional IPv4 addresses ("10.77.0.1/24") and MACs. Returns
    (name_a, name_b)."""
    if ns_a is None and ns_b is None:
        raise ValueError("veth: at least one end must be in a namespace")
    for n in (name_a, name_b):
        if len(n) > IFNAMSIZ:
            raise ValueError("interface name %r longer than 15" % n)
    args = ["link", "add", name_a]
    if ns_a is not None:
        args += ["netns", ns_a.name]
    if mac_a:
        args += ["address", mac_a]
    args += ["type", "veth", "peer", "name", name_b]
    if ns_b is not None:
        args += ["netns", ns_b.name]
    if mac_b:
        args += ["address", mac_b]
    _ip(args)
    try:
        for ns, name, addr in ((ns_a, name_a, addr_a),
                               (ns_b, name_b, addr_b)):
            pre = [] if ns is None else ["-n", ns.name]
            if addr:
                _ip(pre + ["addr", "add", addr, "dev", name])
            _ip(pre + ["link", "set", name, "up"])
    except Exception:
        pre = [] if ns_a is None else ["-n", ns_a.name]
        _ip(pre + ["link", "del", name_a], check=False)
        raise
    return name_a, name_b


def wait_link_up(ns, ifname, timeout=5.0):
    """Waits until ifname reports carrier (LOWER_UP): a veth end is
    usable only once both ends are up."""
    deadline = time.monotonic() + timeout
    while True:
        out = ns.ip("-o", "link", "show", "dev", ifname, check=False)
        if "LOWER_UP" in out:
            return True
        if time.monotonic() >= deadline:
            raise TimeoutError("%s in %s not up: %s" % (ifname, ns.name, out))
        time.sleep(0.02)


@atexit.register
def _sweep():
    for ns in list(_live.values()):
        try:
            ns.delete()
        except Exception:
            pass


@pytest.fixture
def netns_factory():
    """netns_factory(prefix="ik") -> Netns; all deleted at teardown.
    Skips the test when namespaces are unavailable."""
    if not netns_available():
        pytest.skip("network namespaces unavailable (need root and ip netns)")
    made = []

    def make(prefix="ik"):
        ns = Netns(unique_name(prefix))
        made.append(ns)
        return ns

    yield make
    for ns in reversed(made):
        ns.delete()

"""Integration rig: runs the real inetkit binary on free loopback ports.

Fixtures:
  inetkit_bin     absolute path of the binary (INETKIT_BIN, else build/inetkit)
  run_inetkit     run_inetkit(*args, input=None) -> CompletedProcess (bounded)
  start_inetkit   start_inetkit(service=None, **sections) -> Site, started and
                  ready; every Site it made is stopped by PID at teardown
  site            start_inetkit() with the defaults: `inetkit up`, echo on

A Site writes its own config: [inetkit] data_dir in a fresh directory, user
nobody when running as root, [echo] enabled on a free 127.0.0.1 port.
Overrides go per section: start_inetkit(echo={"max_line": "32"}); a value of
None drops the key. Every wait here has a deadline.
"""
import os
import pwd
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0
CMD_TIMEOUT = 15.0
POLL = 0.02

IS_ROOT = os.geteuid() == 0
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                   "runtime error: ")

_ports_given = set()


def _binary():
    return os.environ.get("INETKIT_BIN") or str(REPO / "build" / "inetkit")


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on now, never the same
    twice in one run (the race with other programs is accepted)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _ports_given:
            _ports_given.add(port)
            return port
    raise RuntimeError("no free port found")


def wait_for(pred, timeout, what, interval=POLL):
    """Polls pred() until it returns something truthy; fails after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() >= deadline:
            pytest.fail("timed out after %.1fs waiting for %s" % (timeout,
                        what))
        time.sleep(interval)


def pid_alive(pid):
    """True while pid exists and is not a zombie."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("State:"):
                    return "Z" not in line.split()[1]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return True


def parse_kv(text):
    out = {}
    for line in text.splitlines():
        k, sep, v = line.partition("=")
        if sep:
            out[k.strip()] = v.strip()
    return out


def _others_can_reach(path):
    """True when every directory from / down to path is o+x."""
    p = Path(path).resolve()
    for d in [p] + list(p.parents):
        if not (d.stat().st_mode & stat.S_IXOTH):
            return False
    return True


class LineClient:
    """A plain TCP client speaking lines; every read has a deadline."""

    def __init__(self, addr, timeout=5.0):
        self.timeout = timeout
        self.sock = socket.create_connection(addr, timeout=timeout)
        self.buf = b""
        self.eof = False

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def _fill(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("no data before the deadline")
        self.sock.settimeout(left)
        try:
            chunk = self.sock.recv(65536)
        except ConnectionResetError:
            chunk = b""
        except socket.timeout:
            raise TimeoutError("no data before the deadline")
        if not chunk:
            self.eof = True
        self.buf += chunk

    def readline(self, timeout=None):
        """One line with its terminator; EOFError if the peer closed
        first, TimeoutError if nothing came in time."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while b"\n" not in self.buf:
            if self.eof:
                raise EOFError("closed; unterminated rest %r" % self.buf)
            self._fill(deadline)
        line, _, self.buf = self.buf.partition(b"\n")
        return line + b"\n"

    def request(self, line):
        """Sends line + CRLF and returns the reply line."""
        self.send(line + ("\r\n" if isinstance(line, str) else b"\r\n"))
        return self.readline()

    def read_until_eof(self, timeout=None):
        """Everything left until the peer closes; TimeoutError if it does
        not close in time."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while not self.eof:
            self._fill(deadline)
        rest, self.buf = self.buf, b""
        return rest

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Site:
    def __init__(self, binary, tmp_path, service=None, sections=None):
        self.bin = binary
        self.tmp = Path(tmp_path)
        self.service = service          # None: "inetkit up"
        self.proc = None
        self._own_dir = None
        # Config, data dir: where a child that dropped to nobody can still
        # read the config (reload) and reach data_dir/run.
        # A unix socket path has room for 107 bytes.
        too_long = len(str(self.tmp / "site/var/run/webmail.sock")) > 100
        if too_long or (IS_ROOT and not _others_can_reach(self.tmp)):
            # pytest's /tmp/pytest-of-root is 0700: use a fresh dir in
            # /tmp (1777), removed at close().
            self._own_dir = tempfile.mkdtemp(prefix="inetkit-it-",
                                             dir="/tmp")
            base = Path(self._own_dir)
        else:
            base = self.tmp / "site"
            base.mkdir(exist_ok=True)
        os.chmod(base, 0o755)
        self.dir = base
        self.data_dir = base / "var"
        self.conf = base / "inetkit.conf"
        self.stdout_path = self.tmp / "inetkit.stdout"
        self.stderr_path = self.tmp / "inetkit.stderr"
        self.sections = {
            "inetkit": {
                "data_dir": str(self.data_dir),
                "user": "nobody" if IS_ROOT else None,
                "log_level": "info",
                "stop_timeout": "5s",
            },
            "echo": {
                "enabled": "yes",
                "listen": "127.0.0.1:%d" % free_port(),
            },
        }
        self.update(**(sections or {}))
        self.write_config()

    # ---- config ----

    def update(self, **sections):
        """Merges per-section overrides into the config (not written)."""
        for name, keys in sections.items():
            self.sections.setdefault(name, {}).update(keys)

    def config_text(self):
        out = ["; written by tests/integration/conftest.py"]
        for name, keys in self.sections.items():
            out.append("[%s]" % name)
            for k, v in keys.items():
                if v is not None:
                    out.append("%s = %s" % (k, v))
            out.append("")
        return "\n".join(out)

    def write_config(self, text=None):
        """Writes the config (or `text` verbatim) atomically, mode 0644."""
        tmp = self.conf.with_suffix(".tmp")
        tmp.write_text(self.config_text() if text is None else text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, self.conf)

    # ---- process ----

    def addr(self, service="echo"):
        host, _, port = self.sections[service]["listen"].split()[0] \
            .rpartition(":")
        return host.strip("[]"), int(port)

    def ctl_path(self, service="echo"):
        return self.data_dir / "run" / ("%s.sock" % service)

    @property
    def pid(self):
        return self.proc.pid

    def start(self):
        what = ["up"] if self.service is None else [self.service]
        self._out = open(self.stdout_path, "wb")
        self._err = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(
            [self.bin] + what + ["-c", str(self.conf)],
            cwd=str(self.dir), stdin=subprocess.DEVNULL,
            stdout=self._out, stderr=self._err, start_new_session=True)
        return self

    def _ready(self, service):
        if self.proc.poll() is not None:
            pytest.fail("inetkit exited with %s before it was ready; "
                        "stderr:\n%s" % (self.proc.returncode, self.log()))
        # The control socket must accept, not merely exist: its file
        # appears at bind(), a moment before listen().
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as u:
                u.settimeout(1)
                u.connect(str(self.ctl_path(service)))
        except OSError:
            return False
        try:
            with socket.create_connection(self.addr(service), timeout=1):
                return True
        except OSError:
            return False

    def wait_ready(self, service="echo", timeout=START_TIMEOUT):
        """Ready: DATA_DIR/run/SERVICE.sock accepts a connection and so
        does the service's first TCP listener."""
        wait_for(lambda: self._ready(service), timeout,
                 "%s to be ready (log:\n%s)" % (service, self.log()))
        return self

    def stop(self, sig=signal.SIGTERM, timeout=STOP_TIMEOUT):
        """Stops what this Site started, by PID; SIGKILLs the process
        group only if something is left. Returns the exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            try:
                os.kill(self.proc.pid, sig)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                pass
        # Anything still in the group (the supervisor, or children it left
        # behind) is killed; the group id cannot be reused while members
        # remain.
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
        return self.proc.returncode

    def close(self):
        self.stop()
        for f in (getattr(self, "_out", None), getattr(self, "_err", None)):
            if f is not None:
                f.close()
        if self._own_dir is not None:
            shutil.rmtree(self._own_dir, ignore_errors=True)

    # ---- observing ----

    def log(self):
        try:
            return self.stderr_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def out(self):
        try:
            return self.stdout_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def wait_log(self, text, timeout=5.0, count=1):
        """Waits until `text` occurs at least `count` times in the log."""
        wait_for(lambda: self.log().count(text) >= count, timeout,
                 "%r x%d in the log:\n%s" % (text, count, self.log()))

    def ctl(self, service, *command):
        """Runs `inetkit ctl -c CONF SERVICE COMMAND...`; returns (rc,
        stdout + stderr). A single string command is split on spaces."""
        if len(command) == 1:
            command = tuple(command[0].split())
        r = subprocess.run([self.bin, "ctl", "-c", str(self.conf), service]
                           + list(command), capture_output=True, text=True,
                           timeout=CMD_TIMEOUT, stdin=subprocess.DEVNULL)
        return r.returncode, r.stdout + r.stderr

    def stats(self, service="echo"):
        rc, text = self.ctl(service, "stats")
        assert rc == 0, "ctl %s stats failed (%d): %s" % (service, rc, text)
        return parse_kv(text)

    def quiet_stats(self, service="echo", timeout=5.0):
        """Stats once the readiness probe (a TCP connect) has been counted
        and every session is gone: a baseline for counting deltas."""
        def quiet():
            st = self.stats(service)
            return st if (int(st.get("connections", 0)) >= 1 and
                          st.get("sessions_current") == "0") else None
        return wait_for(quiet, timeout, "%s to be quiet" % service)

    def child_pid(self, service="echo"):
        return int(self.stats(service)["pid"])

    def client(self, service="echo", timeout=5.0):
        return LineClient(self.addr(service), timeout=timeout)


@pytest.fixture(scope="session")
def inetkit_bin():
    b = _binary()
    if not os.access(b, os.X_OK):
        pytest.fail("inetkit binary %s is missing or not executable "
                    "(build it: make -C %s)" % (b, REPO))
    return b


def _services(binary):
    """{name: built?} from `inetkit help`."""
    r = subprocess.run([binary, "help"], capture_output=True, text=True,
                       timeout=CMD_TIMEOUT, stdin=subprocess.DEVNULL)
    out, in_services = {}, False
    for line in r.stdout.splitlines():
        if line.startswith("Services"):
            in_services = True
        elif in_services and line.startswith("  "):
            out[line.split()[0]] = "(not built yet)" not in line
    return out


@pytest.fixture(scope="session")
def services(inetkit_bin):
    s = _services(inetkit_bin)
    assert "echo" in s and s["echo"], "echo missing from inetkit help"
    return s


@pytest.fixture(scope="session")
def unbuilt(services):
    """A registered service that is not built yet (they get built one by
    one; the tests about them follow along)."""
    names = [n for n, built in services.items() if not built]
    if not names:
        pytest.skip("every registered service is built")
    return names[0]


@pytest.fixture
def run_inetkit(inetkit_bin):
    def run(*args, input=None, timeout=CMD_TIMEOUT, cwd=None):
        return subprocess.run([inetkit_bin] + [str(a) for a in args],
                              input=input, capture_output=True, text=True,
                              timeout=timeout, cwd=cwd,
                              stdin=None if input is not None
                              else subprocess.DEVNULL)
    return run


@pytest.fixture
def start_inetkit(inetkit_bin, tmp_path):
    sites = []

    def start(service=None, wait=True, **sections):
        sub = tmp_path / ("site%d" % len(sites))
        sub.mkdir()
        s = Site(inetkit_bin, sub, service=service, sections=sections)
        sites.append(s)
        s.start()
        if wait:
            s.wait_ready()
        return s

    yield start
    bad = []
    for s in sites:
        s.close()
        # Sanitizer builds (make asan) report into the captured stderr.
        for mark in SANITIZER_MARKS:
            if mark in s.log():
                bad.append("%s in %s:\n%s" % (mark, s.stderr_path, s.log()))
                break
    if bad:
        pytest.fail("\n\n".join(bad), pytrace=False)


@pytest.fixture
def site(start_inetkit):
    return start_inetkit()


@pytest.fixture
def nobody():
    try:
        return pwd.getpwnam("nobody")
    except KeyError:
        pytest.skip("no user nobody")

"""Helpers for test_ftpd.py: an FTP site on free loopback ports, a raw
control-connection client that checks the reply format, data-connection
helpers (PASV, EPSV, PORT, EPRT), and runners for the clients nobody here
wrote: Python's ftplib, curl and lftp. Every wait has a deadline.

An FtpSite is a conftest Site with [echo] off and [ftp] on 127.0.0.1 (a free
control port and a free block of passive ports below the kernel's ephemeral
range), a users file made with `inetkit passwd` (the password on stdin) and
a root directory per user with the test files:

    alice   ftp=rw                            ftp/alice
    bob     read-only (no extra field)        ftp/bob
    carol   ftp=rw ftp_upload_max=100K        ftp/carol
    nohome  no home field: cannot log in

plus ftp/anon (anonymous_root), ftp/outside (a directory beneath no root,
the target of alice's symlinks leading out) and alice's symlinks escape ->
/etc, passwd-link -> /etc/passwd, outdir -> ftp/outside.

By default the site runs `inetkit ftpd -c FILE` as root with `user` empty
(the spec's "tests" setting); mode="up" runs `inetkit up` instead.
"""
import ftplib
import hashlib
import os
import random
import re
import shutil
import socket
import ssl
import struct
import subprocess
import time
from pathlib import Path

import pytest

from conftest import SANITIZER_MARKS, Site, free_port, wait_for

HOST = "127.0.0.1"
OTHER = "127.0.0.2"         # another loopback address: "a foreign host"
REPLY_TIMEOUT = 10.0        # one control reply
DATA_TIMEOUT = 30.0         # one data transfer over loopback
TOOL_TIMEOUT = 60.0         # one curl / lftp run
PASV_SPAN = 100             # passive ports per site

USERS = {
    "alice": {"password": "alice-Secret-1", "extra": "ftp=rw"},
    "bob": {"password": "bob-Secret-2", "extra": None},
    "carol": {"password": "carol-Secret-3",
              "extra": "ftp=rw ftp_upload_max=100K"},
    "nohome": {"password": "nohome-Secret-4", "extra": "ftp=rw",
               "home": ""},
}
CAROL_MAX = 100 * 1024

HELLO = b"hello, world\n"
BIN = bytes(range(256)) * 64                        # every byte value
LINES = b"".join(b"line %05d of the text file\n" % i for i in range(4000))
MTIME = 1614834367          # 2021-03-04 05:06:07 UTC: hello.txt's mtime

_hash_cache = {}
_pasv_given = []


# ---- users and ports ----

def passwd_line(binary, name, password):
    """`inetkit passwd NAME` with the password on stdin: "NAME:HASH".
    Cached per (name, password): yescrypt takes a while."""
    key = (name, password)
    if key not in _hash_cache:
        r = subprocess.run([binary, "passwd", name], input=password + "\n",
                           capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, "inetkit passwd failed: %s" % r.stderr
        line = r.stdout.strip()
        assert line.startswith(name + ":$"), line
        _hash_cache[key] = line
    return _hash_cache[key]


def free_port_range(n=PASV_SPAN):
    """n consecutive TCP ports free on 127.0.0.1, below the ephemeral range
    (so no client socket of this run takes one), not overlapping a block
    given before in this run. Returns (lo, hi)."""
    rng = random.Random()
    for _ in range(200):
        lo = rng.randrange(20000, 32000 - n)
        hi = lo + n - 1
        if any(lo <= h and l <= hi for l, h in _pasv_given):
            continue
        ok = True
        for p in range(lo, hi + 1):
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                try:
                    s.bind((HOST, p))
                except OSError:
                    ok = False
                    break
        if ok:
            _pasv_given.append((lo, hi))
            return lo, hi
    raise RuntimeError("no block of %d free ports found" % n)


def sha(data):
    return hashlib.sha256(data).hexdigest()


def file_sha(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                break
            h.update(b)
    return h.hexdigest()


# ---- the site ----

class FtpSite(Site):
    def __init__(self, binary, tmp_path, mode="ftpd", ftp=None,
                 inetkit=None, users=None):
        super().__init__(binary, tmp_path,
                         service="ftpd" if mode == "ftpd" else None,
                         sections={"echo": {"enabled": "no"},
                                   "inetkit": {"user": None}})
        self.mode = mode
        self.port = free_port()
        self.pasv = free_port_range()
        self.etc = self.dir / "etc"
        self.etc.mkdir()
        self.users_path = self.etc / "users"
        self.ftp_dir = self.dir / "ftp"
        self.users = {}
        for name, u in (users if users is not None else USERS).items():
            u = dict(u)
            u.setdefault("home", str(self.ftp_dir / name))
            self.users[name] = u
        self._make_tree()
        self.write_users()
        f = {"enabled": "yes",
             "listen": "%s:%d" % (HOST, self.port),
             "users": str(self.users_path),
             "anonymous_root": str(self.ftp_dir / "anon"),
             "pasv_ports": "%d-%d" % self.pasv}
        f.update(ftp or {})
        self.update(ftp=f, inetkit=inetkit or {})
        self.write_config()

    # -- files --

    def _make_tree(self):
        for d in ("alice", "bob", "carol", "anon", "outside"):
            (self.ftp_dir / d).mkdir(parents=True)
        a = self.root("alice")
        (a / "hello.txt").write_bytes(HELLO)
        os.utime(a / "hello.txt", (MTIME, MTIME))
        (a / "bin.dat").write_bytes(BIN)
        (a / "empty.txt").write_bytes(b"")
        (a / "lines.txt").write_bytes(LINES)
        (a / "sub" / "deeper").mkdir(parents=True)
        (a / "sub" / "inner.txt").write_bytes(b"inner\n")
        (a / "sub" / "deeper" / "leaf.txt").write_bytes(b"leaf\n")
        (a / "grüße.txt").write_bytes(b"utf-8 name\n")
        rng = random.Random(6)
        for i in range(30):
            p = a / "tree" / ("d%d" % (i % 3)) / ("f%02d.bin" % i)
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(rng.randbytes(rng.randrange(0, 3000)))
        out = self.ftp_dir / "outside"
        (out / "secret.txt").write_bytes(b"outside every root\n")
        os.symlink("/etc", a / "escape")
        os.symlink("/etc/passwd", a / "passwd-link")
        os.symlink(str(out), a / "outdir")
        b = self.root("bob")
        (b / "readme.txt").write_bytes(b"bob's file\n")
        (b / "sub").mkdir()
        (self.root("carol") / "keep.txt").write_bytes(b"carol\n")
        n = self.root("anon")
        (n / "welcome.txt").write_bytes(b"welcome, anonymous\n")
        (n / "pub").mkdir()
        (n / "pub" / "file.bin").write_bytes(BIN[:1000])
        self.open_up(self.ftp_dir)

    def open_up(self, top):
        """Makes a tree readable (and traversable) by others: for a child
        that dropped to nobody."""
        for dirpath, dirs, files in os.walk(top):
            os.chmod(dirpath, 0o755)
            for f in files:
                p = os.path.join(dirpath, f)
                if not os.path.islink(p):
                    os.chmod(p, 0o644)

    def root(self, user):
        return Path(self.ftp_dir / user)

    def write_users(self):
        """Writes the users file atomically (0644, as a child running as
        nobody must read it on reload). Line format (core/auth.h):
        user:HASH:uid:gid:gecos:home:shell:extra."""
        lines = []
        for name, u in self.users.items():
            h = passwd_line(self.bin, name, u["password"])
            extra = u.get("extra") or ""
            lines.append("%s::::%s::%s" % (h, u.get("home") or "", extra))
        tmp = self.users_path.with_suffix(".tmp")
        tmp.write_text("\n".join(lines) + "\n")
        os.chmod(tmp, 0o644)
        os.replace(tmp, self.users_path)

    def password(self, user):
        return self.users[user]["password"]

    # -- process --

    def start_ftp(self, wait=True):
        self.start()
        if wait:
            self.wait_ready("ftp")
        return self

    @property
    def addr_ftp(self):
        return (HOST, self.port)

    def url(self, path="", user="alice", password=None):
        if user is None:
            cred = ""
        else:
            cred = "%s:%s@" % (user, password or self.password(user))
        return "ftp://%s%s:%d/%s" % (cred, HOST, self.port, path)

    def control(self, greet=True, source=None, timeout=REPLY_TIMEOUT):
        return FtpControl(self.addr_ftp, greet=greet, source=source,
                          timeout=timeout)

    def session(self, user="alice", source=None):
        """A raw control connection, greeted and logged in, TYPE I."""
        c = self.control(source=source)
        r = c.login(user, self.password(user))
        assert r.code == 230, "login %s: %s\nlog:\n%s" % (user, r,
                                                         self.log())
        c.ok("TYPE I", 200)
        return c

    def ftplib(self, user="alice", tls=False, timeout=20):
        """An ftplib client logged in as user (FTP_TLS after AUTH TLS and
        PROT P when tls)."""
        if tls:
            f = ReuseFTP_TLS(context=client_tls_context(), timeout=timeout)
        else:
            f = ftplib.FTP(timeout=timeout)
        f.connect(HOST, self.port)
        if tls:
            f.auth()
        f.login(user, self.password(user))
        if tls:
            f.prot_p()
        return f

    def sessions(self):
        """`inetkit ctl ftp sessions` lines, or None if it failed."""
        rc, text = self.ctl("ftp", "sessions")
        if rc != 0:
            return None
        return [l for l in text.splitlines() if l.strip()]

    def wait_no_sessions(self, timeout=5.0):
        """Until the server has seen every earlier connection go (the
        readiness probe included)."""
        def idle():
            s = self.sessions()
            return s is not None and len(s) == 0
        wait_for(idle, timeout, "no ftp sessions (ctl ftp sessions: %r)"
                 % (self.sessions(),))

    def check_sanitizers(self):
        log = self.log()
        for mark in SANITIZER_MARKS:
            if mark in log:
                return "%s in %s" % (mark, self.stderr_path)
        return None


# ---- fixtures (imported by test_ftpd.py) ----

@pytest.fixture(scope="session")
def ftp_built(services):
    if not services.get("ftp"):
        pytest.skip("the ftp service is not built yet (inetkit help)")


@pytest.fixture
def start_ftp(inetkit_bin, tmp_path, ftp_built):
    """start_ftp(mode="ftpd"|"up", ftp={...}, inetkit={...}, users=...,
    start=True) -> a started, ready FtpSite. Each is stopped by PID at
    teardown; its log is printed then (pytest shows it for a failed test)
    and a sanitizer report in it fails the test."""
    sites = []

    def start(mode="ftpd", ftp=None, inetkit=None, users=None, start=True):
        sub = tmp_path / ("ftp%d" % len(sites))
        sub.mkdir()
        s = FtpSite(inetkit_bin, sub, mode=mode, ftp=ftp, inetkit=inetkit,
                    users=users)
        sites.append(s)
        if start:
            s.start_ftp()
        return s

    yield start
    bad = []
    for s in sites:
        s.close()
        print("---- %s (%s) ----\n%s" % (s.stderr_path, s.mode, s.log()))
        why = s.check_sanitizers()
        if why:
            bad.append(why)
    if bad:
        pytest.fail("\n".join(bad), pytrace=False)


@pytest.fixture
def ftp(start_ftp):
    """A site with the defaults: `inetkit ftpd`, alice/bob/carol."""
    return start_ftp()


@pytest.fixture(scope="session")
def big_file(tmp_path_factory):
    """A 50 MB file of random bytes (made once per run)."""
    p = tmp_path_factory.mktemp("ftp-big") / "big50.bin"
    with open(p, "wb") as f:
        for _ in range(50):
            f.write(os.urandom(1 << 20))
    return p


# ---- replies and the raw control client ----

class Reply:
    def __init__(self, lines):
        self.lines = lines                  # without CRLF
        self.code = int(lines[0][:3])

    @property
    def text(self):
        return "\n".join(self.lines)

    def __repr__(self):
        return "Reply(%r)" % self.text

    __str__ = __repr__


REPLY_FIRST = re.compile(r"^(\d{3})([ -])")


class FtpControl:
    """A control connection speaking raw lines; every read has a deadline.
    reply() checks the RFC 959 format: "ddd text" or "ddd-text" ...
    "ddd text" with the same code."""

    def __init__(self, addr, greet=True, source=None, timeout=REPLY_TIMEOUT):
        self.timeout = timeout
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        if source:
            self.sock.bind((source, 0))
        self.sock.connect(addr)
        self.buf = b""
        self.eof = False
        self.greeting = self.reply() if greet else None

    @property
    def local(self):
        return self.sock.getsockname()

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def _fill(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("no reply before the deadline; have %r"
                               % self.buf[:200])
        self.sock.settimeout(left)
        try:
            chunk = self.sock.recv(65536)
        except (ConnectionResetError, BrokenPipeError):
            chunk = b""
        except socket.timeout:
            raise TimeoutError("no reply before the deadline; have %r"
                               % self.buf[:200])
        if not chunk:
            self.eof = True
        self.buf += chunk

    def readline(self, deadline):
        while b"\n" not in self.buf:
            if self.eof:
                raise EOFError("closed; unterminated rest %r" % self.buf)
            self._fill(deadline)
        line, _, self.buf = self.buf.partition(b"\n")
        assert line.endswith(b"\r"), "reply line without CRLF: %r" % line
        return line[:-1].decode("utf-8")

    def reply(self, timeout=None):
        deadline = time.monotonic() + (timeout or self.timeout)
        first = self.readline(deadline)
        m = REPLY_FIRST.match(first)
        assert m, "not an FTP reply line: %r" % first
        lines = [first]
        if m.group(2) == "-":
            end = m.group(1) + " "
            for _ in range(100000):
                line = self.readline(deadline)
                lines.append(line)
                if line.startswith(end):
                    break
        return Reply(lines)

    def cmd(self, line, timeout=None):
        self.send(line + ("\r\n" if isinstance(line, str) else b"\r\n"))
        return self.reply(timeout)

    def ok(self, line, *codes):
        r = self.cmd(line)
        assert r.code in codes, "%s -> %s (wanted %s)" % (line, r, codes)
        return r

    def login(self, user, password):
        r = self.cmd("USER " + user)
        if r.code != 331:
            return r
        return self.cmd("PASS " + password)

    def pending(self, wait=0.3):
        """Bytes the server sent unasked within `wait` seconds."""
        try:
            self._fill(time.monotonic() + wait)
        except TimeoutError:
            pass
        return self.buf

    def wait_closed(self, timeout=5.0):
        """Reads until the server closes; returns everything it sent."""
        deadline = time.monotonic() + timeout
        while not self.eof:
            self._fill(deadline)
        rest, self.buf = self.buf, b""
        return rest

    # -- data connections --

    def pasv(self):
        r = self.ok("PASV", 227)
        m = re.search(r"(\d+),(\d+),(\d+),(\d+),(\d+),(\d+)", r.lines[0])
        assert m, "no address in %s" % r
        n = [int(x) for x in m.groups()]
        return "%d.%d.%d.%d" % tuple(n[:4]), n[4] * 256 + n[5]

    def epsv(self, arg=None):
        r = self.ok("EPSV" + (" " + arg if arg else ""), 229)
        m = re.search(r"\((.)\1\1(\d+)\1\)", r.lines[0])
        assert m, "no (|||port|) in %s" % r
        return int(m.group(2))

    def data(self, how="pasv", source=None):
        return DataConn(self, how, source)

    def transfer(self, command, how="pasv", upload=None,
                 timeout=DATA_TIMEOUT):
        """One transfer command over a fresh data connection. Returns
        (preliminary reply, bytes received or None, final reply); when the
        command is refused at once both replies are that refusal."""
        d = self.data(how)
        try:
            r1 = self.cmd(command)
            if r1.code not in (125, 150):
                return r1, None, r1
            s = d.connected(timeout)
            got = None
            if upload is None:
                got = recv_all(s, timeout)
            else:
                s.sendall(upload)
            s.close()
            r2 = self.reply(timeout)
            return r1, got, r2
        finally:
            d.close()

    def retr(self, path, how="pasv"):
        r1, got, r2 = self.transfer("RETR " + path, how)
        assert r1.code in (125, 150) and r2.code in (226, 250), \
            "RETR %s: %s / %s" % (path, r1, r2)
        return got

    def stor(self, path, data, how="pasv", cmd="STOR"):
        r1, _, r2 = self.transfer("%s %s" % (cmd, path) if path else cmd,
                                  how, upload=data)
        return r1, r2

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class DataConn:
    """The data side of one transfer: passive (connect now) or active
    (listen now, accept after the transfer command)."""

    def __init__(self, ctl, how, source=None):
        self.ctl, self.how = ctl, how
        self.sock = self.listener = None
        if how in ("pasv", "epsv"):
            if how == "pasv":
                host, port = ctl.pasv()
                # Like curl and ftplib: the control connection's host.
                host = ctl.sock.getpeername()[0]
            else:
                host, port = ctl.sock.getpeername()[0], ctl.epsv()
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.sock.settimeout(REPLY_TIMEOUT)
            if source:
                self.sock.bind((source, 0))
            self.sock.connect((host, port))
        elif how in ("port", "eprt"):
            self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.listener.bind((ctl.local[0], 0))
            self.listener.listen(1)
            h, p = self.listener.getsockname()
            if how == "port":
                ctl.ok("PORT %s,%d,%d" % (h.replace(".", ","), p >> 8,
                                          p & 255), 200)
            else:
                ctl.ok("EPRT |1|%s|%d|" % (h, p), 200)
        else:
            raise ValueError(how)

    def connected(self, timeout=REPLY_TIMEOUT):
        if self.sock is None:
            self.listener.settimeout(timeout)
            self.sock, _ = self.listener.accept()
        self.sock.settimeout(timeout)
        return self.sock

    def close(self):
        for s in (self.sock, self.listener):
            if s is not None:
                try:
                    s.close()
                except OSError:
                    pass


def recv_all(sock, timeout=DATA_TIMEOUT, limit=None):
    """Everything until EOF; TimeoutError when it does not end in time."""
    deadline = time.monotonic() + timeout
    parts, n = [], 0
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("data did not end within %.0fs (%d bytes)"
                               % (timeout, n))
        sock.settimeout(left)
        try:
            b = sock.recv(1 << 20)
        except socket.timeout:
            continue
        if not b:
            return b"".join(parts)
        parts.append(b)
        n += len(b)
        if limit is not None and n >= limit:
            return b"".join(parts)


def rst_close(sock):
    """Closes with a TCP reset: a cut, not an orderly end."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                        struct.pack("ii", 1, 0))
    except OSError:
        pass
    sock.close()


# ---- TLS ----

def client_tls_context():
    """Opportunistic: the dev certificate is self-signed."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


class ReuseFTP_TLS(ftplib.FTP_TLS):
    """ftplib's FTP_TLS, resuming the control connection's TLS session on
    data connections as curl and lftp do (servers may insist on it)."""

    def ntransfercmd(self, cmd, rest=None):
        conn, size = ftplib.FTP.ntransfercmd(self, cmd, rest)
        if self._prot_p:
            conn = self.context.wrap_socket(conn, server_hostname=self.host,
                                            session=self.sock.session)
        return conn, size


# ---- external clients ----

def curl(*args, timeout=TOOL_TIMEOUT, input=None):
    """Runs curl with bounded connects and transfers, no proxy; returns
    the CompletedProcess (bytes)."""
    argv = ["curl", "-sS", "--connect-timeout", "5", "--max-time",
            str(int(timeout) - 5), "--noproxy", "*", "-g"] + \
        [str(a) for a in args]
    return subprocess.run(argv, input=input, capture_output=True,
                          timeout=timeout,
                          stdin=None if input is not None
                          else subprocess.DEVNULL)


LFTP_SETTINGS = [
    "set net:timeout 10", "set net:max-retries 1",
    "set net:reconnect-interval-base 1", "set net:persist-retries 0",
    "set cmd:fail-exit yes", "set xfer:clobber yes", "set xfer:log no",
    "set ftp:ssl-allow no",
]


def lftp(site, script, user="alice", settings=(), timeout=TOOL_TIMEOUT,
         cwd=None, home=None):
    """Runs `lftp -c` logged in as user (None: anonymous) with commands
    `script` (a string or a list, joined by ';'). HOME points to a scratch
    dir so no rc file or history of the machine is used or written."""
    if isinstance(script, (list, tuple)):
        script = "; ".join(script)
    if user is None:
        login = "open -p %d %s" % (site.port, HOST)
    else:
        login = "open -u %s,%s -p %d %s" % (user, site.password(user),
                                            site.port, HOST)
    cmds = "; ".join(LFTP_SETTINGS + list(settings) + [login, script])
    home = home or str(site.tmp / "lftp-home")
    os.makedirs(home, exist_ok=True)
    env = {k: v for k, v in os.environ.items()
           if not k.lower().endswith("_proxy")}
    env.update(HOME=home, LFTP_HOME=home, XDG_CONFIG_HOME=home,
               XDG_DATA_HOME=home, XDG_CACHE_HOME=home)
    return subprocess.run(["lftp", "-c", cmds], capture_output=True,
                          text=True, timeout=timeout, cwd=cwd, env=env,
                          stdin=subprocess.DEVNULL)


def tree_snapshot(top):
    """{relative path: sha256 or "dir"} of a local tree (no symlinks)."""
    out = {}
    top = Path(top)
    for dirpath, dirs, files in os.walk(top):
        for d in dirs:
            out[os.path.relpath(os.path.join(dirpath, d), top)] = "dir"
        for f in files:
            p = os.path.join(dirpath, f)
            out[os.path.relpath(p, top)] = file_sha(p)
    return out


def copy_into(src, dst):
    shutil.copyfile(src, dst)
    os.chmod(dst, 0o644)

"""`inetkit ftp`, the client (src/ftp/ftpc.c, client.c), against servers
nobody here wrote and against our own: Debian's vsftpd (run in the
foreground with a private config, anonymous downloads from a temporary
anon_root and uploads into a directory owned by the ftp user; a second
instance with ssl_enable and a self-signed certificate), `inetkit ftpd`
with a user from `inetkit passwd`, and a small scripted server here that
refuses EPSV and MLSD, to see the fallbacks.

Covered: get/put byte-exact (binary, a few MB of random bytes), TYPE A
line ends, ls by MLSD and by LIST, mirror both ways, resume (--continue)
both ways, active mode, EPSV -> PASV, TLS (--tls --insecure, --ca,
opportunistic, refused), the exit codes, the shell driven through stdin
(no prompt, no progress bar) and the progress bar on a pseudo-terminal.
Only loopback; every wait is bounded; what is started is stopped by PID
(vsftpd's session children by its process group)."""
import hashlib
import os
import pty
import pwd
import random
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest

from conftest import SANITIZER_MARKS, Site, free_port

HOST = "127.0.0.1"
RUN_TIMEOUT = 60.0
START_TIMEOUT = 10.0
BIG = random.Random(8).randbytes(3 * 1024 * 1024 + 123)
TEXT_LF = b"".join(b"line %04d of some text\n" % i for i in range(500))
PASSWORD = "alice-Client-7"

_blocks = []


def sha(b):
    return hashlib.sha256(b).hexdigest()


def free_range(n=20):
    """n consecutive free ports below the ephemeral range, not given out
    before in this run."""
    rng = random.Random()
    for _ in range(200):
        lo = rng.randrange(33000, 39000)
        hi = lo + n - 1
        if any(lo <= h and l <= hi for l, h in _blocks):
            continue
        ok = True
        for p in range(lo, hi + 1):
            with socket.socket() as s:
                try:
                    s.bind((HOST, p))
                except OSError:
                    ok = False
                    break
        if ok:
            _blocks.append((lo, hi))
            return lo, hi
    raise RuntimeError("no free port block")


def port_open(port):
    try:
        with socket.create_connection((HOST, port), timeout=1):
            return True
    except OSError:
        return False


# ---- running the client ----

class Ftpc:
    def __init__(self, binary):
        self.bin = binary

    def __call__(self, *args, input=None, cwd=None, env=None, text=True,
                 timeout=RUN_TIMEOUT):
        e = dict(os.environ)
        e.pop("FTP_PASSWORD", None)
        e.update(env or {})
        r = subprocess.run([self.bin, "ftp"] + [str(a) for a in args],
                           input=input, capture_output=True, text=text,
                           timeout=timeout, cwd=cwd, env=e,
                           stdin=None if input is not None
                           else subprocess.DEVNULL)
        err = r.stderr if text else r.stderr.decode(errors="replace")
        for mark in SANITIZER_MARKS:
            assert mark not in err, err
        return r


@pytest.fixture(scope="module")
def ftpc(inetkit_bin):
    return Ftpc(inetkit_bin)


def ok(r):
    assert r.returncode == 0, "exit %d\nstdout:\n%s\nstderr:\n%s" % (
        r.returncode, r.stdout, r.stderr)
    return r


def sent(r):
    """The commands the client sent, from -v's "--> " lines."""
    return [l[4:] for l in r.stderr.splitlines() if l.startswith("--> ")]


def verbs(r):
    return [c.split(" ", 1)[0].upper() for c in sent(r)]


# ---- vsftpd ----

class Vsftpd:
    """vsftpd in the foreground: anonymous, read from root/pub, write
    into root/incoming (owned by ftp). vsftpd refuses a writable chroot
    root, so root itself is root's and 0755."""

    def __init__(self, tmp, tls=False):
        self.dir = Path(tmp)
        self.root = self.dir / "root"
        self.pub = self.root / "pub"
        self.incoming = self.root / "incoming"
        self.pub.mkdir(parents=True)
        self.incoming.mkdir()
        ftp = pwd.getpwnam("ftp")
        os.chown(self.incoming, ftp.pw_uid, ftp.pw_gid)
        for d in (self.dir, self.root, self.pub, self.incoming):
            os.chmod(d, 0o755)
        (self.pub / "big.bin").write_bytes(BIG)
        (self.pub / "text.txt").write_bytes(TEXT_LF)
        (self.pub / "crlf.txt").write_bytes(TEXT_LF.replace(b"\n",
                                                            b"\r\n"))
        for f in self.pub.iterdir():
            os.chmod(f, 0o644)
        self.port = free_port()
        lo, hi = free_range()
        Path("/var/run/vsftpd/empty").mkdir(parents=True, exist_ok=True)
        conf = [
            "listen=YES", "listen_address=%s" % HOST,
            "listen_port=%d" % self.port, "background=NO",
            "anonymous_enable=YES", "anon_root=%s" % self.root,
            "no_anon_password=YES", "local_enable=NO", "write_enable=YES",
            "anon_upload_enable=YES", "anon_mkdir_write_enable=YES",
            "anon_other_write_enable=YES", "anon_umask=022",
            "pasv_enable=YES", "pasv_min_port=%d" % lo,
            "pasv_max_port=%d" % hi, "port_enable=YES",
            "connect_from_port_20=NO", "seccomp_sandbox=NO",
            "secure_chroot_dir=/var/run/vsftpd/empty",
            "xferlog_enable=YES", "vsftpd_log_file=%s" % (self.dir / "log"),
            "ftp_username=ftp", "ssl_enable=%s" % ("YES" if tls else "NO"),
        ]
        if tls:
            self.cert = self.dir / "cert.pem"
            key = self.dir / "key.pem"
            subprocess.run(
                ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                 "-keyout", str(key), "-out", str(self.cert), "-days", "2",
                 "-subj", "/CN=localhost", "-addext",
                 "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                check=True, capture_output=True, timeout=60)
            conf += ["rsa_cert_file=%s" % self.cert,
                     "rsa_private_key_file=%s" % key, "allow_anon_ssl=YES",
                     "force_anon_data_ssl=NO", "force_anon_logins_ssl=NO",
                     "require_ssl_reuse=YES", "ssl_ciphers=HIGH"]
        self.conf = self.dir / "vsftpd.conf"
        self.conf.write_text("\n".join(conf) + "\n")
        # vsftpd reports config errors on fd 0 ("500 OOPS: ...").
        self.err_path = self.dir / "oops"
        self.err = open(self.err_path, "w+")
        self.proc = subprocess.Popen(["vsftpd", str(self.conf)],
                                     stdin=self.err, stdout=self.err,
                                     stderr=self.err,
                                     start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT
        while not port_open(self.port):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail("vsftpd did not start: %s" %
                            self.err_path.read_text())
            time.sleep(0.02)

    def url(self, path=""):
        return "ftp://%s:%d/%s" % (HOST, self.port, path)

    def upload_dir(self, name):
        """A fresh directory under incoming/ the ftp user may write."""
        d = self.incoming / name
        d.mkdir()
        ftp = pwd.getpwnam("ftp")
        os.chown(d, ftp.pw_uid, ftp.pw_gid)
        return d

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        try:    # the session children, in its group
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.wait(timeout=5)
        self.err.close()


def _vsftpd(tls):
    if shutil.which("vsftpd") is None:
        pytest.skip("vsftpd is not installed")
    try:
        pwd.getpwnam("ftp")
    except KeyError:
        pytest.skip("no ftp user for vsftpd")
    tmp = tempfile.mkdtemp(prefix="ik-ftpc-vs-", dir="/tmp")
    v = Vsftpd(tmp, tls=tls)
    try:
        yield v
    finally:
        v.stop()
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="module")
def vsftpd():
    yield from _vsftpd(False)


@pytest.fixture(scope="module")
def vsftpd_tls():
    yield from _vsftpd(True)


# ---- inetkit ftpd ----

@pytest.fixture(scope="module")
def ftpd(inetkit_bin, tmp_path_factory):
    r = subprocess.run([inetkit_bin, "help"], capture_output=True,
                       text=True, timeout=10)
    if not any(l.split()[:1] == ["ftp"] and "not built" not in l
               for l in r.stdout.splitlines()):
        pytest.skip("inetkit ftpd is not built yet")
    tmp = Path(tempfile.mkdtemp(prefix="ik-ftpc-ik-", dir="/tmp"))
    os.chmod(tmp, 0o755)
    home = tmp / "alice"
    home.mkdir()
    (home / "big.bin").write_bytes(BIG)
    (home / "text.txt").write_bytes(TEXT_LF)
    anon = tmp / "anon"
    anon.mkdir()
    (anon / "pub.txt").write_bytes(b"public\n")
    r = subprocess.run([inetkit_bin, "passwd", "alice"],
                       input=PASSWORD + "\n", capture_output=True, text=True,
                       timeout=30)
    assert r.returncode == 0, r.stderr
    users = tmp / "users"
    users.write_text("%s::::%s::ftp=rw\n" % (r.stdout.strip(), home))
    lo, hi = free_range()
    site = Site(inetkit_bin, tmp, service="ftpd", sections={
        "echo": {"enabled": "no"},
        "inetkit": {"user": None},
        "ftp": {"enabled": "yes", "listen": "%s:%d" % (HOST, free_port()),
                "users": str(users), "anonymous": "yes",
                "anonymous_root": str(anon),
                "pasv_ports": "%d-%d" % (lo, hi)}})
    site.home = home
    site.port = site.addr("ftp")[1]
    site.pwfile = tmp / "pw"
    site.pwfile.write_text(PASSWORD + "\n")
    site.url = lambda path="": "ftp://alice@%s:%d/%s" % (HOST, site.port,
                                                        path)
    site.start()
    try:
        site.wait_ready("ftp")
        yield site
    finally:
        site.close()
        log = site.log()
        shutil.rmtree(tmp, ignore_errors=True)
    for mark in SANITIZER_MARKS:
        assert mark not in log, log


def alice(ftpd):
    return ["--password-file", ftpd.pwfile]


# ---- a scripted server: EPSV and MLSD refused ----

class OldServer:
    """A one-session-at-a-time FTP server that knows PASV but not EPSV,
    and lists MLST in FEAT but answers MLSD with 500. Its PASV reply names
    10.255.255.1: a client must use the control connection's address."""

    FILES = {"old.bin": random.Random(3).randbytes(200000)}
    LISTING = (b"-rw-r--r--    1 0        0          200000 Jan 02 03:04 "
               b"old.bin\r\n")

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind((HOST, 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self.commands = []
        self.stop_flag = False
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        self.sock.settimeout(0.2)
        deadline = time.monotonic() + 120
        while not self.stop_flag and time.monotonic() < deadline:
            try:
                c, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            try:
                self.session(c)
            except OSError:
                pass
            finally:
                c.close()

    def session(self, c):
        c.settimeout(10)
        f = c.makefile("rb")
        send = lambda s: c.sendall(s.encode() + b"\r\n")
        send("220-old server\r\n220 ready")
        data = None
        for _ in range(100):
            line = f.readline()
            if not line:
                return
            cmd = line.decode().rstrip("\r\n")
            self.commands.append(cmd)
            verb, _, arg = cmd.partition(" ")
            verb = verb.upper()
            if verb == "USER":
                send("331 password please")
            elif verb == "PASS":
                send("230 in")
            elif verb == "FEAT":
                send("211-Features:\r\n MLST type*;size*;\r\n SIZE\r\n"
                     "211 End")
            elif verb == "TYPE":
                send("200 ok")
            elif verb in ("EPSV", "MLSD", "EPRT"):
                send("500 '%s': command not understood" % verb)
            elif verb == "PASV":
                data = socket.socket()
                data.bind((HOST, 0))
                data.listen(1)
                p = data.getsockname()[1]
                send("227 Entering Passive Mode (10,255,255,1,%d,%d)" %
                     (p >> 8, p & 255))
            elif verb == "SIZE" and arg in self.FILES:
                send("213 %d" % len(self.FILES[arg]))
            elif verb in ("RETR", "LIST") and data is not None:
                body = (self.FILES.get(arg) if verb == "RETR"
                        else self.LISTING)
                if body is None:
                    send("550 no such file")
                    data.close()
                    data = None
                    continue
                send("150 here it comes")
                data.settimeout(10)
                d, _ = data.accept()
                d.sendall(body)
                d.close()
                data.close()
                data = None
                send("226 done")
            elif verb == "QUIT":
                send("221 bye")
                return
            else:
                send("502 not here")

    def close(self):
        self.stop_flag = True
        self.sock.close()
        self.thread.join(timeout=5)


@pytest.fixture
def old_server():
    s = OldServer()
    yield s
    s.close()


# ==== vsftpd ====

def test_get_put_binary_byte_exact(vsftpd, ftpc, tmp_path):
    ok(ftpc("get", vsftpd.url("pub/big.bin"), tmp_path / "big.bin"))
    assert sha((tmp_path / "big.bin").read_bytes()) == sha(BIG)
    # to stdout
    r = ftpc("get", vsftpd.url("pub/big.bin"), "-", text=False)
    assert r.returncode == 0 and sha(r.stdout) == sha(BIG)
    # a directory URL keeps the local name
    up = vsftpd.upload_dir("binput")
    data = random.Random(11).randbytes(2 * 1024 * 1024 + 7)
    (tmp_path / "up.bin").write_bytes(data)
    ok(ftpc("put", tmp_path / "up.bin", vsftpd.url("incoming/binput/")))
    assert sha((up / "up.bin").read_bytes()) == sha(data)
    ok(ftpc("put", tmp_path / "up.bin",
            vsftpd.url("incoming/binput/renamed.bin")))
    assert (up / "renamed.bin").read_bytes() == data
    # not a terminal: no progress bar
    r = ok(ftpc("get", vsftpd.url("pub/big.bin"), tmp_path / "again.bin"))
    assert r.stderr == "" and r.stdout == ""


def test_ascii_mode_converts(vsftpd, ftpc, tmp_path):
    """vsftpd stores and sends bytes as they are (ascii_*_enable=NO), so
    what it keeps shows the client's conversion."""
    up = vsftpd.upload_dir("ascii")
    (tmp_path / "lf.txt").write_bytes(TEXT_LF)
    ok(ftpc("--ascii", "put", tmp_path / "lf.txt",
            vsftpd.url("incoming/ascii/lf.txt")))
    assert (up / "lf.txt").read_bytes() == TEXT_LF.replace(b"\n", b"\r\n")
    # ;type=a in the URL does the same
    ok(ftpc("put", tmp_path / "lf.txt",
            vsftpd.url("incoming/ascii/lf2.txt;type=a")))
    assert (up / "lf2.txt").read_bytes() == TEXT_LF.replace(b"\n", b"\r\n")
    # CRLF on the wire comes back as LF; binary keeps the CRs
    ok(ftpc("--ascii", "get", vsftpd.url("pub/crlf.txt"), tmp_path / "a"))
    assert (tmp_path / "a").read_bytes() == TEXT_LF
    ok(ftpc("get", vsftpd.url("pub/crlf.txt"), tmp_path / "b"))
    assert (tmp_path / "b").read_bytes() == TEXT_LF.replace(b"\n", b"\r\n")
    r = ok(ftpc("-v", "--ascii", "get", vsftpd.url("pub/crlf.txt"),
                tmp_path / "c"))
    assert "TYPE A" in sent(r)


def test_ls_falls_back_to_list(vsftpd, ftpc):
    r = ok(ftpc("-v", "ls", vsftpd.url("pub/")))
    assert "LIST" in verbs(r) and "MLSD" not in verbs(r)
    rows = {l.split()[-1]: l.split() for l in r.stdout.splitlines()}
    assert set(rows) == {"big.bin", "text.txt", "crlf.txt"}
    assert rows["big.bin"][0] == "-"
    assert rows["big.bin"][1] == str(len(BIG))
    r = ok(ftpc("ls", vsftpd.url("")))
    rows = {l.split()[-1]: l.split()[0] for l in r.stdout.splitlines()}
    assert rows == {"pub": "d", "incoming": "d"}
    r = ftpc("ls", vsftpd.url("nonexistent/"))
    assert r.returncode == 0 and r.stdout == ""    # vsftpd: empty, 226


def test_mirror_both_ways(vsftpd, ftpc, tmp_path):
    src = tmp_path / "src"
    rng = random.Random(5)
    files = {"top.txt": b"top\n", "a/one.bin": rng.randbytes(70000),
             "a/b/two.bin": rng.randbytes(1234), "a/b/empty": b"",
             "c/three.txt": b"three\n"}
    for name, body in files.items():
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        (src / name).write_bytes(body)
    (src / "d_empty").mkdir()
    vsftpd.upload_dir("mirror")
    ok(ftpc("mirror", "-R", src, vsftpd.url("incoming/mirror/tree")))
    remote = vsftpd.incoming / "mirror" / "tree"
    for name, body in files.items():
        assert (remote / name).read_bytes() == body, name
    assert (remote / "d_empty").is_dir()

    dst = tmp_path / "dst"
    ok(ftpc("mirror", vsftpd.url("incoming/mirror/tree"), dst))
    for name, body in files.items():
        assert (dst / name).read_bytes() == body, name
        # the time to the second, by MDTM (LIST shows minutes)
        assert int((dst / name).stat().st_mtime) == \
            int((remote / name).stat().st_mtime), name
    assert (dst / "d_empty").is_dir()
    # a second run finds everything up to date
    r = ok(ftpc("-v", "mirror", vsftpd.url("incoming/mirror/tree"), dst))
    assert "RETR" not in verbs(r)
    # a changed local file goes up again, alone
    (src / "a" / "one.bin").write_bytes(b"changed")
    r = ok(ftpc("-v", "mirror", "-R", src,
                vsftpd.url("incoming/mirror/tree")))
    assert [c for c in sent(r) if c.startswith("STOR")] == \
        ["STOR incoming/mirror/tree/a/one.bin"]
    assert (remote / "a" / "one.bin").read_bytes() == b"changed"


def test_resume_both_ways(vsftpd, ftpc, tmp_path):
    part = tmp_path / "big.bin"
    part.write_bytes(BIG[:1000000])
    r = ok(ftpc("-v", "--continue", "get", vsftpd.url("pub/big.bin"), part))
    assert "REST 1000000" in sent(r)
    assert sha(part.read_bytes()) == sha(BIG)
    # complete already: nothing moves
    r = ok(ftpc("-v", "-c", "get", vsftpd.url("pub/big.bin"), part))
    assert "RETR" not in verbs(r)
    # without --continue the file is fetched whole again
    part.write_bytes(b"garbage" * 10)
    ok(ftpc("get", vsftpd.url("pub/big.bin"), part))
    assert sha(part.read_bytes()) == sha(BIG)

    up = vsftpd.upload_dir("resume")
    (up / "big.bin").write_bytes(BIG[:777777])
    ftp = pwd.getpwnam("ftp")
    os.chown(up / "big.bin", ftp.pw_uid, ftp.pw_gid)
    r = ok(ftpc("-v", "--continue", "put", part,
                vsftpd.url("incoming/resume/big.bin")))
    # vsftpd offers REST STREAM: REST + STOR from the remote size
    assert "REST 777777" in sent(r) and "STOR" in verbs(r)
    assert sha((up / "big.bin").read_bytes()) == sha(BIG)
    # nothing there yet: a plain STOR
    r = ok(ftpc("-v", "-c", "put", part, vsftpd.url("incoming/resume/new")))
    assert "REST" not in verbs(r)
    assert sha((up / "new").read_bytes()) == sha(BIG)


def test_active_mode(vsftpd, ftpc, tmp_path):
    r = ok(ftpc("-v", "--active", "get", vsftpd.url("pub/big.bin"),
                tmp_path / "a.bin"))
    assert "PORT" in verbs(r) and "EPSV" not in verbs(r)
    port_arg = [c for c in sent(r) if c.startswith("PORT ")][0]
    assert port_arg.startswith("PORT 127,0,0,1,")
    assert (tmp_path / "a.bin").read_bytes() == BIG
    up = vsftpd.upload_dir("active")
    ok(ftpc("--active", "put", tmp_path / "a.bin",
            vsftpd.url("incoming/active/")))
    assert (up / "a.bin").read_bytes() == BIG
    r = ok(ftpc("--active", "ls", vsftpd.url("pub/")))
    assert "big.bin" in r.stdout


def test_passive_uses_epsv(vsftpd, ftpc, tmp_path):
    r = ok(ftpc("-v", "get", vsftpd.url("pub/text.txt"), tmp_path / "t"))
    assert "EPSV" in verbs(r) and "PASV" not in verbs(r)


def test_exit_codes(vsftpd, ftpc, tmp_path):
    # a missing file: 1, and no local file made
    r = ftpc("get", vsftpd.url("pub/missing.bin"), tmp_path / "m")
    assert r.returncode == 1, r.stderr
    assert "550" in r.stderr and not (tmp_path / "m").exists()
    # an existing local file is left alone when the RETR is refused
    (tmp_path / "keep").write_bytes(b"keep me")
    assert ftpc("get", vsftpd.url("pub/missing"),
                tmp_path / "keep").returncode == 1
    assert (tmp_path / "keep").read_bytes() == b"keep me"
    # no server: 3
    r = ftpc("ls", "ftp://%s:%d/" % (HOST, free_port()))
    assert r.returncode == 3, r.stderr
    # login refused (vsftpd here is anonymous only): 4
    r = ftpc("ls", "ftp://alice:pw@%s:%d/" % (HOST, vsftpd.port))
    assert r.returncode == 4, r.stderr
    assert "530" in r.stderr
    # usage: 2
    assert ftpc("get").returncode == 2
    assert ftpc("get", "http://x/y").returncode == 2
    assert ftpc("get", "ftp://h/a%0d%0aDELE%20x").returncode == 2
    assert ftpc("--bogus-option", "ls", vsftpd.url()).returncode == 2
    # a failed upload (no write permission in pub): 1
    (tmp_path / "f").write_bytes(b"x")
    assert ftpc("put", tmp_path / "f", vsftpd.url("pub/")).returncode == 1


def test_shell_through_stdin(vsftpd, ftpc, tmp_path):
    up = vsftpd.upload_dir("shell")
    (tmp_path / "local.txt").write_bytes(b"from the shell\n")
    for i in range(3):
        (tmp_path / ("m%d.dat" % i)).write_bytes(b"m%d" % i)
    script = "\n".join([
        "open %s:%d" % (HOST, vsftpd.port),
        "binary",
        "cd pub",
        "pwd",
        "ls",
        "size big.bin",
        "get big.bin",
        "get text.txt copy.txt",
        "mget *.txt",
        "cd /incoming/shell",
        "put local.txt",
        "put local.txt other.txt",
        "mput m*.dat",
        "mkdir newdir",
        "rename other.txt newdir/moved.txt",
        "rm local.txt",
        "dir",
        "passive",
        "active",
        "get m1.dat m1.back",
        "quit",
        "pwd",      # never runs
    ]) + "\n"
    r = ok(ftpc(input=script, cwd=tmp_path))
    out = r.stdout.splitlines()
    assert "ftp>" not in r.stdout            # no prompt off a terminal
    assert "\r" not in r.stderr              # no progress bar
    assert out[0] == "/pub"
    assert str(len(BIG)) in out
    assert out.count("/pub") == 1            # the second pwd never ran
    assert (tmp_path / "big.bin").read_bytes() == BIG
    assert (tmp_path / "copy.txt").read_bytes() == TEXT_LF
    assert (tmp_path / "crlf.txt").exists() and \
        (tmp_path / "text.txt").exists()
    assert (up / "newdir" / "moved.txt").read_bytes() == b"from the shell\n"
    assert not (up / "local.txt").exists()
    assert sorted(p.name for p in up.glob("m*.dat")) == \
        ["m0.dat", "m1.dat", "m2.dat"]
    assert (tmp_path / "m1.back").read_bytes() == b"m1"
    # the raw LIST shows the directory made
    assert any(l.startswith("d") and l.endswith(" newdir") for l in out)


def test_shell_opens_a_url(vsftpd, ftpc, tmp_path):
    r = ok(ftpc(vsftpd.url("pub/"), input="pwd\nget text.txt\n",
                cwd=tmp_path))
    assert r.stdout.splitlines() == ["/pub"]
    assert (tmp_path / "text.txt").read_bytes() == TEXT_LF


def test_shell_failure_status_and_going_on(vsftpd, ftpc, tmp_path):
    script = ("open %s:%d\nget nope.bin\nget pub/text.txt t.txt\nbogus\n"
              % (HOST, vsftpd.port))
    r = ftpc(input=script, cwd=tmp_path)
    assert r.returncode == 1, r.stderr
    assert (tmp_path / "t.txt").read_bytes() == TEXT_LF
    assert "unknown command bogus" in r.stderr
    # commands before open say so
    r = ftpc(input="ls\n", cwd=tmp_path)
    assert r.returncode == 1 and "not connected" in r.stderr
    # the first failure decides: cannot connect
    r = ftpc(input="open %s:%d\nls\n" % (HOST, free_port()), cwd=tmp_path)
    assert r.returncode == 3


def test_silent_server_times_out(ftpc):
    """A server that accepts and never greets: --timeout bounds the wait
    and the status says it could not connect."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        s.listen(1)
        t0 = time.monotonic()
        r = ftpc("--timeout", "1", "ls", "ftp://%s:%d/" %
                 (HOST, s.getsockname()[1]), timeout=20)
        assert r.returncode == 3, r.stderr
        assert 0.9 < time.monotonic() - t0 < 10
        assert "timed out" in r.stderr.lower()


def test_progress_bar_on_a_terminal(vsftpd, inetkit_bin, tmp_path):
    """stderr on a pseudo-terminal: a bar with a percentage, a rate and a
    final summary line; --quiet silences it."""
    def run(*extra):
        master, slave = pty.openpty()
        p = subprocess.Popen([inetkit_bin, "ftp"] + list(extra) +
                             ["get", vsftpd.url("pub/big.bin"),
                              str(tmp_path / "p.bin")],
                             stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=slave)
        os.close(slave)
        out = b""
        deadline = time.monotonic() + RUN_TIMEOUT
        while time.monotonic() < deadline:
            rl, _, _ = select.select([master], [], [], 0.5)
            if rl:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                out += chunk
            elif p.poll() is not None:
                break
        os.close(master)
        assert p.wait(timeout=10) == 0, out
        return out.decode(errors="replace")

    out = run()
    assert "100%" in out and "/s" in out and "big.bin" in out, out
    assert (tmp_path / "p.bin").read_bytes() == BIG
    assert run("--quiet") == ""


# ==== vsftpd with TLS ====

def test_tls_required_insecure(vsftpd_tls, ftpc, tmp_path):
    v = vsftpd_tls
    r = ok(ftpc("-v", "--tls", "--insecure", "get", v.url("pub/big.bin"),
                tmp_path / "big.bin"))
    assert ["AUTH TLS", "PBSZ 0", "PROT P"] == \
        [c for c in sent(r) if c.split()[0] in ("AUTH", "PBSZ", "PROT")]
    assert "(TLS on the data connection: TLS" in r.stderr
    assert "session resumed)" in r.stderr
    assert (tmp_path / "big.bin").read_bytes() == BIG
    # upload and listing over PROT P data connections that resume the
    # control session (vsftpd's require_ssl_reuse=YES refuses others)
    up = v.upload_dir("tls")
    ok(ftpc("--tls", "--insecure", "put", tmp_path / "big.bin",
            v.url("incoming/tls/")))
    assert sha((up / "big.bin").read_bytes()) == sha(BIG)
    r = ok(ftpc("--tls", "--insecure", "--active", "ls", v.url("pub/")))
    assert "big.bin" in r.stdout


def test_tls_verification(vsftpd_tls, ftpc, tmp_path):
    v = vsftpd_tls
    # self-signed and no --ca: refused, status 5
    r = ftpc("--tls", "ls", v.url("pub/"))
    assert r.returncode == 5, r.stderr
    assert "certificate" in r.stderr
    # the certificate as the CA: verified (127.0.0.1 is in its SAN)
    ok(ftpc("--tls", "--ca", v.cert, "ls", v.url("pub/")))
    # --ca without --tls is a usage error
    assert ftpc("--ca", v.cert, "ls", v.url()).returncode == 2


def test_tls_opportunistic_and_never(vsftpd_tls, vsftpd, ftpc, tmp_path):
    r = ok(ftpc("-v", "ls", vsftpd_tls.url("pub/")))
    assert "AUTH TLS" in sent(r) and "PROT P" in sent(r)
    r = ok(ftpc("-v", "--no-tls", "ls", vsftpd_tls.url("pub/")))
    assert "AUTH" not in verbs(r)
    # a server without TLS: fine by default, status 5 with --tls
    r = ok(ftpc("-v", "ls", vsftpd.url("pub/")))
    assert "AUTH" not in verbs(r)
    r = ftpc("--tls", "--insecure", "ls", vsftpd.url("pub/"))
    assert r.returncode == 5, r.stderr


# ==== the scripted server: fallbacks ====

def test_epsv_refused_falls_back_to_pasv(old_server, ftpc, tmp_path):
    url = "ftp://%s:%d/" % (HOST, old_server.port)
    r = ok(ftpc("-v", "get", url + "old.bin", tmp_path / "old.bin"))
    assert (tmp_path / "old.bin").read_bytes() == OldServer.FILES["old.bin"]
    v = verbs(r)
    assert v.index("EPSV") < v.index("PASV") < v.index("RETR")
    # the PASV reply named 10.255.255.1; the client used the server's
    # address, or the transfer would have failed
    assert "10.255.255.1" in r.stderr
    # MLST in FEAT but MLSD refused: LIST, parsed
    r = ok(ftpc("-v", "ls", url))
    v = verbs(r)
    assert v.index("MLSD") < v.index("LIST")
    assert r.stdout.split()[1:2] == ["200000"] and \
        r.stdout.split()[-1] == "old.bin"
    # within one session EPSV is not asked again after its refusal
    r = ok(ftpc("-v", input="open %s:%d\nget old.bin a\nget old.bin b\n"
                % (HOST, old_server.port), cwd=tmp_path))
    assert verbs(r).count("EPSV") == 1 and verbs(r).count("PASV") == 2


# ==== inetkit ftpd ====

def test_inetkit_get_put_and_mlsd(ftpd, ftpc, tmp_path):
    ok(ftpc(*alice(ftpd), "get", ftpd.url("big.bin"), tmp_path / "b"))
    assert (tmp_path / "b").read_bytes() == BIG
    data = random.Random(12).randbytes(2 * 1024 * 1024 + 1)
    (tmp_path / "up.bin").write_bytes(data)
    ok(ftpc(*alice(ftpd), "put", tmp_path / "up.bin", ftpd.url()))
    assert sha((ftpd.home / "up.bin").read_bytes()) == sha(data)
    r = ok(ftpc("-v", *alice(ftpd), "ls", ftpd.url()))
    assert "MLSD" in verbs(r) and "LIST" not in verbs(r)
    rows = {l.split()[-1]: l.split() for l in r.stdout.splitlines()}
    assert rows["up.bin"][:2] == ["-", str(len(data))]
    assert rows["big.bin"][:2] == ["-", str(len(BIG))]
    # the password from the environment works too
    ok(ftpc("ls", ftpd.url(), env={"FTP_PASSWORD": PASSWORD}))
    # TYPE A: ftpd sends CRLF, the client writes LF
    r = ok(ftpc("-v", *alice(ftpd), "--ascii", "get", ftpd.url("text.txt"),
                tmp_path / "t"))
    assert "TYPE A" in sent(r)
    assert (tmp_path / "t").read_bytes() == TEXT_LF


def test_inetkit_tls(ftpd, ftpc, tmp_path):
    # opportunistic by default: FEAT offers AUTH TLS
    r = ok(ftpc("-v", *alice(ftpd), "get", ftpd.url("big.bin"),
                tmp_path / "b"))
    assert "AUTH TLS" in sent(r) and "PROT P" in sent(r)
    assert "session resumed)" in r.stderr
    assert (tmp_path / "b").read_bytes() == BIG
    # required and verified against the dev certificate as CA
    cert = ftpd.data_dir / "tls" / "dev-cert.pem"
    ok(ftpc(*alice(ftpd), "--tls", "--ca", cert, "put", tmp_path / "b",
            ftpd.url("tls.bin")))
    assert (ftpd.home / "tls.bin").read_bytes() == BIG
    ok(ftpc(*alice(ftpd), "--tls", "--insecure", "--active", "ls",
            ftpd.url()))
    assert ftpc(*alice(ftpd), "--tls", "ls", ftpd.url()).returncode == 5


def test_inetkit_login_refused(ftpd, ftpc, tmp_path):
    (tmp_path / "bad").write_text("wrong-password\n")
    r = ftpc("--password-file", tmp_path / "bad", "ls", ftpd.url())
    assert r.returncode == 4, r.stderr
    # the URL's password, also wrong
    r = ftpc("ls", "ftp://alice:nope@%s:%d/" % (HOST, ftpd.port))
    assert r.returncode == 4
    # an unreadable password file is a usage error
    r = ftpc("--password-file", tmp_path / "missing", "ls", ftpd.url())
    assert r.returncode == 2


def test_inetkit_mirror_resume_active(ftpd, ftpc, tmp_path):
    src = tmp_path / "src"
    (src / "x" / "y").mkdir(parents=True)
    (src / "x" / "a.bin").write_bytes(BIG[:50000])
    (src / "x" / "y" / "b.txt").write_bytes(b"b\n")
    ok(ftpc(*alice(ftpd), "mirror", "-R", src, ftpd.url("m")))
    assert (ftpd.home / "m" / "x" / "a.bin").read_bytes() == BIG[:50000]
    ok(ftpc(*alice(ftpd), "mirror", ftpd.url("m"), tmp_path / "dst"))
    assert (tmp_path / "dst" / "x" / "y" / "b.txt").read_bytes() == b"b\n"
    # MLSD times are exact: a second run moves nothing either way
    r = ok(ftpc("-v", *alice(ftpd), "mirror", ftpd.url("m"),
                tmp_path / "dst"))
    assert "RETR" not in verbs(r)
    r = ok(ftpc("-v", *alice(ftpd), "mirror", "-R", src, ftpd.url("m")))
    assert "STOR" not in verbs(r)

    part = tmp_path / "part.bin"
    part.write_bytes(BIG[:123456])
    r = ok(ftpc("-v", *alice(ftpd), "-c", "get", ftpd.url("big.bin"),
                part))
    assert "REST 123456" in sent(r)
    assert part.read_bytes() == BIG
    (ftpd.home / "half.bin").write_bytes(BIG[:2000000])
    r = ok(ftpc("-v", *alice(ftpd), "-c", "put", part,
                ftpd.url("half.bin")))
    assert "REST 2000000" in sent(r)
    assert sha((ftpd.home / "half.bin").read_bytes()) == sha(BIG)

    r = ok(ftpc("-v", *alice(ftpd), "--active", "get", ftpd.url("big.bin"),
                tmp_path / "act.bin"))
    assert "PORT" in verbs(r)
    assert (tmp_path / "act.bin").read_bytes() == BIG


def test_inetkit_shell_user_command(ftpd, ftpc, tmp_path):
    """A script may log in with "user NAME PASSWORD" after open; without
    it the first command logs in anonymously."""
    r = ok(ftpc(input="open %s:%d\nuser alice %s\npwd\nls\nquit\n"
                % (HOST, ftpd.port, PASSWORD), cwd=tmp_path))
    assert r.stdout.splitlines()[0] == "/"
    assert "big.bin" in r.stdout
    r = ok(ftpc(input="open %s:%d\nls\nget pub.txt\n" % (HOST, ftpd.port),
                cwd=tmp_path))
    assert "pub.txt" in r.stdout
    assert (tmp_path / "pub.txt").read_bytes() == b"public\n"
    r = ftpc(input="open %s:%d\nuser alice wrong\n" % (HOST, ftpd.port),
             cwd=tmp_path)
    assert r.returncode == 4

"""The FTP server (src/ftp/, `inetkit ftpd`) driven over loopback by a raw
control connection that checks codes and reply formats, and by clients
nobody here wrote: Python's ftplib, curl and lftp. Active and passive data
connections, TLS (AUTH TLS, PROT P), the path jail, the access rules from
the users file, the limits from [ftp], and the process under `inetkit up`.
See ftp_util.py for the site every test starts (users alice rw, bob
read-only, carol rw with a 100K upload cap)."""
import hashlib
import io
import os
import re
import signal
import socket
import ssl
import threading
import time

import pytest

from conftest import IS_ROOT, wait_for
from ftp_util import (BIN, CAROL_MAX, HELLO, HOST, LINES, MTIME, OTHER,
                      client_tls_context, copy_into, curl,
                      file_sha, lftp, recv_all, rst_close, sha,
                      tree_snapshot)
from ftp_util import big_file, ftp, ftp_built, start_ftp  # noqa: F401

MDTM_HELLO = time.strftime("%Y%m%d%H%M%S", time.gmtime(MTIME))


def pwd_of(c):
    r = c.ok("PWD", 257)
    return quoted_path(r)


def quoted_path(r):
    """The path in a 257 reply: "..." with "" for a quote (RFC 959
    appendix II)."""
    m = re.match(r'^257 "((?:[^"]|"")*)"', r.lines[0])
    assert m, "no quoted path in %s" % r
    return m.group(1).replace('""', '"')


def make_sparse(path, size):
    with open(path, "wb") as f:
        f.truncate(size)


def mode_of(p):
    return os.lstat(p).st_mode & 0o7777


def lines_of(data):
    """Lines of a listing sent as NVT-ASCII: each must end in CRLF."""
    assert data is not None
    if not data:
        return []
    assert data.endswith(b"\r\n"), "listing does not end in CRLF: %r" % \
        data[-40:]
    body = data[:-2].split(b"\r\n")
    for line in body:
        assert b"\n" not in line and b"\r" not in line, \
            "bare CR or LF in listing line %r" % line
    return [l.decode("utf-8") for l in body]


def parse_mlsx(line):
    """'fact=value;...; name' -> (facts with lowercase names, name)."""
    facts_s, sep, name = line.partition(" ")
    assert sep and facts_s.endswith(";"), "not an MLSx entry: %r" % line
    facts = {}
    for f in facts_s[:-1].split(";"):
        k, eq, v = f.partition("=")
        assert eq, "fact without '=' in %r" % line
        facts[k.lower()] = v
    return facts, name


def feat_lines(c):
    r = c.cmd("FEAT")
    assert r.code == 211, r
    assert len(r.lines) >= 3 and r.lines[0].startswith("211-") and \
        r.lines[-1].startswith("211 "), "FEAT is not multi-line: %s" % r
    for l in r.lines[1:-1]:
        assert l.startswith(" "), "FEAT line without leading space: %r" % l
    return [l[1:] for l in r.lines[1:-1]]


def feats(c):
    return {l.split()[0].upper(): l for l in feat_lines(c)}


# ---- greeting, login, the simple commands ----

def test_greeting_login_and_simple_commands(ftp):
    with ftp.control() as c:
        assert c.greeting.code == 220, c.greeting
        assert c.cmd("USER alice").code == 331
        assert c.cmd("PASS " + ftp.password("alice")).code == 230
        assert pwd_of(c) == "/"
        c.ok("NOOP", 200)
        r = c.ok("SYST", 215)
        assert r.lines[0].startswith("215 UNIX"), r
        # Commands are case-insensitive (RFC 959 5.3).
        c.ok("noop", 200)
        c.ok("pwd", 257)
        r = c.cmd("QUIT")
        assert r.code == 221, r
        assert c.wait_closed() == b""


def test_wrong_password_refused_then_right_one_works(ftp):
    with ftp.control() as c:
        r = c.login("alice", "not-the-password")
        assert r.code == 530, r
        # Still not logged in on this connection.
        assert c.cmd("PWD").code == 530
    with ftp.control() as c:
        assert c.login("alice", ftp.password("alice")).code == 230


def test_unknown_user_and_user_without_home_refused(ftp):
    for user, pw in (("nosuch", "whatever-1"),
                     ("nohome", ftp.password("nohome")),
                     ("alice", ftp.password("bob"))):
        with ftp.control() as c:
            r = c.login(user, pw)
            assert r.code == 530, "%s: %s" % (user, r)
            assert c.cmd("PWD").code == 530


def test_commands_before_login_refused(ftp):
    root = ftp.root("alice")
    before = tree_snapshot(root)
    with ftp.control() as c:
        assert c.cmd("PASS " + ftp.password("alice")).code == 503
        for cmd in ("PWD", "CWD sub", "CDUP", "LIST", "NLST", "MLSD",
                    "MLST hello.txt", "RETR hello.txt", "STOR x.txt",
                    "STOU", "APPE hello.txt", "DELE hello.txt", "MKD d",
                    "RMD sub", "RNFR hello.txt", "RNTO y.txt",
                    "SIZE hello.txt", "MDTM hello.txt", "PASV", "EPSV",
                    "PORT 127,0,0,1,100,100", "EPRT |1|127.0.0.1|25700|",
                    "REST 10", "SITE CHMOD 777 hello.txt"):
            r = c.cmd(cmd)
            assert r.code == 530, "%s before login: %s" % (cmd, r)
        # The session is still usable.
        assert c.login("alice", ftp.password("alice")).code == 230
    assert tree_snapshot(root) == before


def test_quit_before_login(ftp):
    with ftp.control() as c:
        assert c.cmd("QUIT").code == 221
        assert c.wait_closed() == b""


# ---- directories ----

def test_pwd_cwd_cdup(ftp):
    with ftp.session() as c:
        c.ok("CWD sub", 250)
        assert pwd_of(c) == "/sub"
        c.ok("CWD deeper", 250)
        assert pwd_of(c) == "/sub/deeper"
        c.ok("CDUP", 200, 250)
        assert pwd_of(c) == "/sub"
        c.ok("CWD /sub/deeper", 250)
        c.ok("CWD ..", 250)
        assert pwd_of(c) == "/sub"
        c.ok("CWD nosuch", 550)
        c.ok("CWD /hello.txt", 550)
        assert pwd_of(c) == "/sub"
        # Relative names resolve against the current directory.
        assert c.retr("inner.txt") == b"inner\n"
        c.ok("CWD /", 250)
        assert pwd_of(c) == "/"
        # At the top, CDUP goes nowhere.
        c.cmd("CDUP")
        assert pwd_of(c) == "/"


def test_mkd_rmd(ftp):
    root = ftp.root("alice")
    with ftp.session() as c:
        r = c.ok("MKD newdir", 257)
        assert quoted_path(r) == "/newdir"
        assert (root / "newdir").is_dir()
        c.ok("MKD newdir", 550)
        c.ok("MKD nosuch/child", 550)
        c.ok("CWD newdir", 250)
        assert quoted_path(c.ok("MKD child", 257)) == "/newdir/child"
        c.ok("CWD /", 250)
        c.ok("RMD newdir", 550)             # not empty
        c.ok("RMD newdir/child", 250)
        c.ok("RMD newdir", 250)
        assert not (root / "newdir").exists()
        c.ok("RMD hello.txt", 550)
        assert (root / "hello.txt").is_file()
        c.ok("RMD nosuch", 550)
        # A quote in the name is doubled in the reply.
        assert quoted_path(c.ok('MKD a"b', 257)) == '/a"b'
        assert (root / 'a"b').is_dir()


def test_dele(ftp):
    root = ftp.root("alice")
    with ftp.session() as c:
        c.ok("DELE hello.txt", 250)
        assert not (root / "hello.txt").exists()
        c.ok("DELE hello.txt", 550)
        c.ok("DELE sub", 550)
        assert (root / "sub").is_dir()


def test_rnfr_rnto(ftp):
    root = ftp.root("alice")
    with ftp.session() as c:
        c.ok("RNFR hello.txt", 350)
        c.ok("RNTO renamed.txt", 250)
        assert (root / "renamed.txt").read_bytes() == HELLO
        assert not (root / "hello.txt").exists()
        c.ok("RNTO again.txt", 503)         # no RNFR before it
        c.ok("RNFR nosuch", 550)
        c.ok("RNFR renamed.txt", 350)
        c.ok("RNTO sub/moved.txt", 250)
        assert (root / "sub" / "moved.txt").read_bytes() == HELLO
        c.ok("RNFR sub/deeper", 350)
        c.ok("RNTO /deep2", 250)
        assert (root / "deep2" / "leaf.txt").read_bytes() == b"leaf\n"
        # RNTO must follow RNFR at once; another command in between
        # cancels it.
        c.ok("RNFR bin.dat", 350)
        c.ok("NOOP", 200)
        c.ok("RNTO bin2.dat", 503)
        assert (root / "bin.dat").exists() and \
            not (root / "bin2.dat").exists()


def test_size_and_mdtm(ftp):
    with ftp.session() as c:
        assert c.ok("SIZE hello.txt", 213).lines[0] == "213 %d" % len(HELLO)
        assert c.ok("SIZE bin.dat", 213).lines[0] == "213 %d" % len(BIN)
        assert c.ok("SIZE empty.txt", 213).lines[0] == "213 0"
        c.ok("SIZE sub", 550)
        c.ok("SIZE nosuch", 550)
        r = c.ok("MDTM hello.txt", 213)
        assert re.match(r"^213 %s(\.\d+)?$" % MDTM_HELLO, r.lines[0]), r
        c.ok("MDTM nosuch", 550)


def test_site_chmod(ftp):
    a, b = ftp.root("alice"), ftp.root("bob")
    with ftp.session() as c:
        c.ok("SITE CHMOD 600 hello.txt", 200)
        assert mode_of(a / "hello.txt") == 0o600
        c.ok("SITE CHMOD 750 sub", 200)
        assert mode_of(a / "sub") == 0o750
        c.ok("SITE CHMOD 644 nosuch", 550)
        r = c.cmd("SITE CHMOD 9x9 hello.txt")
        assert r.code in (500, 501, 504, 550), r
        assert mode_of(a / "hello.txt") == 0o600
        r = c.cmd("SITE FROBNICATE")
        assert r.code in (500, 501, 502, 504), r
    # Not for a read-only user.
    before = mode_of(b / "readme.txt")
    with ftp.session("bob") as c:
        r = c.cmd("SITE CHMOD 600 readme.txt")
        assert r.code in (550, 553), r
    assert mode_of(b / "readme.txt") == before


def test_type_mode_stru(ftp):
    with ftp.session() as c:
        c.ok("TYPE A", 200)
        c.ok("TYPE I", 200)
        c.ok("TYPE A N", 200)
        c.ok("TYPE L 8", 200, 504)
        c.ok("TYPE X", 501, 504)
        c.ok("MODE S", 200)
        c.ok("MODE B", 501, 504)
        c.ok("MODE Z", 501, 504)
        c.ok("STRU F", 200)
        c.ok("STRU R", 501, 504)
        c.ok("STRU P", 501, 504)
        # Refused parameters leave the session in stream/file mode.
        c.ok("TYPE I", 200)
        assert c.retr("bin.dat") == BIN


# ---- informational commands and the reply formats ----

def test_feat_before_and_after_login(ftp):
    with ftp.control() as c:
        f = feats(c)                # lftp asks before logging in
        for name in ("MDTM", "SIZE", "MLST", "REST", "UTF8", "AUTH",
                     "PBSZ", "PROT"):
            assert name in f, "%s missing from FEAT: %s" % (name, f)
        assert f["REST"].split()[1:] == ["STREAM"], f["REST"]
        assert "TLS" in f["AUTH"].split()[1:], f["AUTH"]
        facts = [x.rstrip("*").lower()
                 for x in f["MLST"].split()[1].split(";") if x]
        for fact in ("type", "size", "modify"):
            assert fact in facts, "MLST facts %s" % f["MLST"]
        assert c.login("alice", ftp.password("alice")).code == 230
        assert feats(c).keys() == f.keys()


def test_opts_utf8_and_a_utf8_name(ftp):
    with ftp.session() as c:
        c.ok("OPTS UTF8 ON", 200)
        r = c.cmd("OPTS NOSUCHOPTION ON")
        assert r.code in (451, 500, 501, 502, 504), r
        assert c.retr("grüße.txt") == b"utf-8 name\n"
        _, data, r2 = c.transfer("NLST")
        names = {os.path.basename(n) for n in lines_of(data)}
        assert "grüße.txt" in names, names
        r1, r2 = c.stor("ünïcode-up.txt", b"x")
        assert r2.code in (226, 250), r2
        assert (ftp.root("alice") / "ünïcode-up.txt").read_bytes() == b"x"


def test_help(ftp):
    with ftp.session() as c:
        r = c.cmd("HELP")
        assert r.code == 214, r
        words = set(re.findall(r"[A-Z]{3,4}", r.text))
        for cmd in ("RETR", "STOR", "LIST", "MLSD", "EPSV", "FEAT"):
            assert cmd in words, "%s missing from HELP:\n%s" % (cmd, r)
        r = c.cmd("HELP RETR")
        assert r.code in (211, 214), r


def test_stat(ftp):
    with ftp.session() as c:
        r = c.cmd("STAT")
        assert r.code == 211, r
        assert len(r.lines) >= 2, "STAT without argument: %s" % r
        r = c.cmd("STAT sub")
        assert r.code in (211, 212, 213), r
        assert "inner.txt" in r.text and "deeper" in r.text, r
        r = c.cmd("STAT hello.txt")
        assert r.code in (211, 212, 213), r
        assert "hello.txt" in r.text, r


def test_unknown_command_and_noop(ftp):
    with ftp.session() as c:
        r = c.cmd("XYZZY plugh")
        assert r.code in (500, 502), r
        c.ok("NOOP", 200)
        assert pwd_of(c) == "/"


def test_overlong_line_refused_session_survives(ftp):
    with ftp.control() as c:
        # Before login too.
        assert c.cmd("USER " + "u" * 3000).code == 500
        assert c.login("alice", ftp.password("alice")).code == 230
        # Under max_line (1024): an ordinary command (no such directory,
        # or a name too long for the file system).
        assert c.cmd("CWD " + "d" * 900).code in (550, 553)
        assert c.cmd("NOOP " + "x" * 5000).code == 500
        c.ok("NOOP", 200)
        assert c.pending() == b"", "extra replies for one long line"
        # A very long line and a good one in the same send.
        c.send("A" * 100000 + "\r\nPWD\r\n")
        assert c.reply().code == 500
        assert c.reply().code == 257
        assert c.pending() == b""


# ---- listings ----

def test_list_and_nlst(ftp):
    with ftp.session() as c:
        _, data, r2 = c.transfer("LIST")
        assert r2.code in (226, 250), r2
        lines = lines_of(data)
        by_name = {l.split()[-1]: l for l in lines if l.split()}
        for name in ("hello.txt", "bin.dat", "empty.txt", "sub", "tree",
                     "lines.txt"):
            assert name in by_name, "%s not in LIST:\n%s" % (name, data)
        assert re.match(r"^-[rwxsStT-]{9}\s.*\s%d\s.*hello\.txt$"
                        % len(HELLO), by_name["hello.txt"]), \
            by_name["hello.txt"]
        assert by_name["sub"].startswith("d"), by_name["sub"]
        _, data, _ = c.transfer("LIST sub")
        names = {l.split()[-1] for l in lines_of(data) if l.split()}
        assert {"inner.txt", "deeper"} <= names, data
        _, data, _ = c.transfer("NLST")
        names = {os.path.basename(n) for n in lines_of(data)}
        assert {"hello.txt", "bin.dat", "empty.txt", "sub", "tree",
                "lines.txt"} <= names, names
        _, data, _ = c.transfer("NLST sub")
        names = {os.path.basename(n) for n in lines_of(data)}
        assert names == {"inner.txt", "deeper"}, names
        # A missing directory: an error, or at least an empty listing.
        r1, data, r2 = c.transfer("NLST nosuch")
        assert r1.code in (450, 550) or (data == b"" and r2.code == 226), \
            (r1, data, r2)


def test_mlsd_facts(ftp):
    root = ftp.root("alice")
    with ftp.session() as c:
        advertised = feats(c)["MLST"].split()[1]
        _, data, r2 = c.transfer("MLSD sub")
        assert r2.code in (226, 250), r2
        entries = {}
        for line in lines_of(data):
            facts, name = parse_mlsx(line)
            assert "type" in facts, line
            if facts["type"].lower() in ("cdir", "pdir"):
                continue
            entries[name] = facts
        assert set(entries) == {"inner.txt", "deeper"}, entries
        f, d = entries["inner.txt"], entries["deeper"]
        assert f["type"].lower() == "file" and d["type"].lower() == "dir"
        assert f["size"] == "6"
        mt = time.strftime("%Y%m%d%H%M%S", time.gmtime(
            (root / "sub" / "inner.txt").stat().st_mtime))
        assert f["modify"].split(".")[0] == mt, (f, mt)
        if "unique" in f:
            assert f["unique"] != d["unique"]
        # Every fact the FEAT line marks as on (*) is there.
        on = [x[:-1].lower() for x in advertised.split(";") if
              x.endswith("*")]
        for fact in on:
            if fact != "size":
                assert fact in f and fact in d, (fact, f, d)
        # perm (RFC 3659 7.5.5): alice may read and write her file.
        if "perm" in f:
            assert "r" in f["perm"] and "w" in f["perm"], f
        _, data, _ = c.transfer("MLSD")
        top = {parse_mlsx(l)[1]: parse_mlsx(l)[0] for l in lines_of(data)}
        assert top["hello.txt"]["modify"].split(".")[0] == MDTM_HELLO
        assert top["hello.txt"]["size"] == str(len(HELLO))
        assert top["sub"]["type"].lower() == "dir"
        r1, data, _ = c.transfer("MLSD hello.txt")
        assert r1.code in (501, 550), "MLSD of a file: %s" % r1
    with ftp.session("bob") as c:
        _, data, _ = c.transfer("MLSD")
        top = {parse_mlsx(l)[1]: parse_mlsx(l)[0] for l in lines_of(data)}
        if "perm" in top["readme.txt"]:
            p = top["readme.txt"]["perm"]
            assert "r" in p and "w" not in p and "d" not in p, p


def test_mlst(ftp):
    with ftp.session() as c:
        r = c.cmd("MLST hello.txt")
        assert r.code == 250, r
        assert len(r.lines) == 3 and r.lines[0].startswith("250-") and \
            r.lines[2].startswith("250 "), "MLST format: %s" % r
        assert r.lines[1].startswith(" ") and \
            not r.lines[1].startswith("  "), r.lines[1]
        facts, name = parse_mlsx(r.lines[1][1:])
        assert name.endswith("hello.txt"), name
        assert facts["type"].lower() == "file"
        assert facts["size"] == str(len(HELLO))
        assert facts["modify"].split(".")[0] == MDTM_HELLO
        r = c.ok("MLST sub", 250)
        assert parse_mlsx(r.lines[1][1:])[0]["type"].lower() == "dir"
        r = c.ok("MLST", 250)
        assert parse_mlsx(r.lines[1][1:])[0]["type"].lower() in \
            ("cdir", "dir")
        c.ok("MLST nosuch", 550)


# ---- transfers ----

@pytest.mark.parametrize("how", ["pasv", "epsv", "port", "eprt"])
def test_retr_and_stor(ftp, how):
    with ftp.session() as c:
        assert c.retr("bin.dat", how) == BIN
        data = os.urandom(300000)
        r1, r2 = c.stor("up-%s.bin" % how, data, how)
        assert r1.code in (125, 150) and r2.code in (226, 250), (r1, r2)
        assert (ftp.root("alice") / ("up-%s.bin" % how)).read_bytes() == data
        # STOR replaces an existing file.
        r1, r2 = c.stor("hello.txt", b"replaced\n", how)
        assert r2.code in (226, 250), r2
        assert (ftp.root("alice") / "hello.txt").read_bytes() == \
            b"replaced\n"


def test_retr_errors(ftp):
    with ftp.session() as c:
        # Without PASV/PORT first there is nowhere to send the data.
        r = c.cmd("RETR hello.txt")
        if r.code in (125, 150):
            r = c.reply(15)
        assert r.code in (425, 503), r
        for path in ("nosuch.txt", "sub"):
            r1, data, _ = c.transfer("RETR " + path)
            assert r1.code == 550 and data is None, (path, r1)
        r1, _, _ = c.transfer("STOR nosuch/dir/x.txt", upload=b"x")
        assert r1.code in (550, 553), r1
        c.ok("NOOP", 200)


def test_stou(ftp):
    root = ftp.root("alice")
    before = set(os.listdir(root))
    with ftp.session() as c:
        got = []
        for body in (b"unique one\n", b"unique two\n"):
            r1, r2 = c.stor(None, body, cmd="STOU")
            assert r1.code in (125, 150) and r2.code in (226, 250), (r1, r2)
            new = set(os.listdir(root)) - before - set(n for n, _ in got)
            assert len(new) == 1, new
            name = new.pop()
            assert (root / name).read_bytes() == body
            # RFC 1123 4.1.2.9: the reply names the file.
            assert name in r1.text or name in r2.text, (name, r1, r2)
            got.append((name, body))
        assert got[0][0] != got[1][0]


def test_appe(ftp):
    root = ftp.root("alice")
    with ftp.session() as c:
        r1, r2 = c.stor("hello.txt", b"more\n", cmd="APPE")
        assert r2.code in (226, 250), r2
        assert (root / "hello.txt").read_bytes() == HELLO + b"more\n"
        r1, r2 = c.stor("fresh.txt", b"new\n", cmd="APPE")
        assert r2.code in (226, 250), r2
        assert (root / "fresh.txt").read_bytes() == b"new\n"


def test_rest_both_ways(ftp):
    root = ftp.root("alice")
    with ftp.session() as c:
        c.ok("REST 100", 350)
        assert c.retr("bin.dat") == BIN[100:]
        # The marker applies to one transfer only.
        assert c.retr("bin.dat") == BIN
        c.ok("REST %d" % len(BIN), 350)
        assert c.retr("bin.dat") == b""
        data = os.urandom(300000)
        (root / "part.bin").write_bytes(data[:123457])
        c.ok("REST 123457", 350)
        r1, r2 = c.stor("part.bin", data[123457:])
        assert r2.code in (226, 250), r2
        assert (root / "part.bin").read_bytes() == data
        r = c.cmd("REST abc")
        assert r.code in (500, 501), r


@pytest.mark.parametrize("style", ["plain", "telnet-synch"])
def test_abor_during_retr(ftp, style):
    make_sparse(ftp.root("alice") / "zeros.bin", 256 << 20)
    with ftp.session() as c:
        d = c.data("pasv")
        try:
            r1 = c.cmd("RETR zeros.bin")
            assert r1.code in (125, 150), r1
            s = d.connected()
            assert s.recv(65536)
            time.sleep(0.3)         # the server fills the socket buffers
            if style == "plain":
                c.send("ABOR\r\n")
            else:
                # RFC 959 4.1.3, as lftp sends it: Telnet IP, then Synch
                # (IAC and DM, the DM as urgent data), then ABOR.
                c.sock.sendall(b"\xff\xf4\xff")
                c.sock.send(b"\xf2", socket.MSG_OOB)
                c.send("ABOR\r\n")
            codes = [c.reply(15).code]
            if codes[0] == 426:
                codes.append(c.reply(15).code)
            assert codes == [426, 226], codes
            # The data connection was closed: what is in flight ends soon
            # (a server still sending would deliver all 256 MB).
            try:
                rest = recv_all(s, 15, limit=64 << 20)
                assert len(rest) < 64 << 20, "data still flowing after ABOR"
            except ConnectionResetError:
                pass
        finally:
            d.close()
        c.ok("NOOP", 200)
        assert c.retr("hello.txt") == HELLO


def test_abor_with_ftplib(ftp):
    # ftplib sends "ABOR\r\n" with MSG_OOB: the server must read urgent
    # data inline (or otherwise still see the whole line).
    make_sparse(ftp.root("alice") / "zeros.bin", 256 << 20)
    f = ftp.ftplib()
    try:
        f.voidcmd("TYPE I")
        conn = f.transfercmd("RETR zeros.bin")
        try:
            assert conn.recv(65536)
            time.sleep(0.3)
            resp = f.abort()
            codes = [resp[:3]]
            if resp.startswith("426"):
                codes.append(f.getmultiline()[:3])
            assert codes == ["426", "226"], codes
        finally:
            conn.close()
        assert f.voidcmd("NOOP").startswith("200")
    finally:
        f.close()


def test_abor_without_transfer(ftp):
    with ftp.session() as c:
        r = c.cmd("ABOR")
        assert r.code in (225, 226), r
        c.ok("NOOP", 200)


# ---- data connections: formats and who may use them ----

def test_pasv_and_epsv_replies(ftp):
    lo, hi = ftp.pasv
    with ftp.session() as c:
        for _ in range(5):
            r = c.ok("PASV", 227)
            m = re.search(r"\((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)",
                          r.lines[0])
            assert m, "227 without (h1,h2,h3,h4,p1,p2): %s" % r
            n = [int(x) for x in m.groups()]
            assert n[:4] == [127, 0, 0, 1], r
            assert lo <= n[4] * 256 + n[5] <= hi, (r, ftp.pasv)
        for arg in (None, "1"):
            port = c.epsv(arg)
            assert lo <= port <= hi, (port, ftp.pasv)
        r = c.cmd("EPSV 2")         # IPv6 on an IPv4 connection
        assert r.code == 522, r
        assert c.retr("hello.txt", "pasv") == HELLO


def test_pasv_address_setting(start_ftp):
    s = start_ftp(ftp={"pasv_address": "127.0.0.3"})
    with s.session() as c:
        r = c.ok("PASV", 227)
        assert "(127,0,0,3," in r.lines[0], r
        # EPSV carries no address; the data still flows.
        assert c.retr("hello.txt", "epsv") == HELLO


def test_epsv_all(ftp):
    with ftp.session() as c:
        c.ok("EPSV ALL", 200)
        # RFC 2428 section 4: from now on only EPSV sets up data.
        for cmd in ("PASV", "PORT 127,0,0,1,100,100",
                    "EPRT |1|127.0.0.1|25700|"):
            r = c.cmd(cmd)
            assert r.code // 100 == 5, "%s after EPSV ALL: %s" % (cmd, r)
        assert c.retr("hello.txt", "epsv") == HELLO


def test_port_and_eprt_syntax(ftp):
    with ftp.session() as c:
        for bad in ("PORT 127,0,0,1,100", "PORT 127,0,0,1,300,1",
                    "PORT x", "EPRT |1|127.0.0.1|", "EPRT garbage"):
            r = c.cmd(bad)
            assert r.code in (500, 501, 522), "%s: %s" % (bad, r)
        r = c.cmd("EPRT |3|127.0.0.1|2000|")
        assert r.code == 522, r
        assert c.retr("hello.txt", "port") == HELLO


@pytest.mark.parametrize("how", ["PORT", "EPRT"])
def test_bounce_to_another_address_refused(ftp, how):
    lst = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lst.bind((OTHER, 0))
    lst.listen(1)
    port = lst.getsockname()[1]
    try:
        with ftp.session() as c:
            arg = ("PORT 127,0,0,2,%d,%d" % (port >> 8, port & 255)
                   if how == "PORT" else "EPRT |1|127.0.0.2|%d|" % port)
            r = c.cmd(arg)
            assert r.code // 100 == 5, "%s: %s" % (arg, r)
            r = c.cmd("RETR bin.dat")
            assert r.code not in (125, 150), "RETR after a refused %s: " \
                "%s" % (how, r)
            lst.settimeout(1.0)
            with pytest.raises(socket.timeout):
                lst.accept()
            c.ok("NOOP", 200)
        # EPRT to ::1 is another address too (and another family).
        with ftp.session() as c:
            r = c.cmd("EPRT |2|::1|%d|" % port)
            assert r.code // 100 == 5, r
    finally:
        lst.close()


@pytest.mark.parametrize("how", ["pasv", "epsv"])
def test_passive_connection_from_another_address_refused(start_ftp, how):
    s = start_ftp(ftp={"data_timeout": "3s"})
    with s.session() as c:
        port = c.pasv()[1] if how == "pasv" else c.epsv()
        foreign = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        foreign.bind((OTHER, 0))
        legit = None
        try:
            foreign.settimeout(5)
            foreign.connect((HOST, port))
            c.send("RETR bin.dat\r\n")
            # The foreign side must get none of the file.
            got = b""
            deadline = time.monotonic() + 2.0
            while time.monotonic() < deadline:
                foreign.settimeout(max(0.05, deadline - time.monotonic()))
                try:
                    b = foreign.recv(65536)
                except socket.timeout:
                    break
                except ConnectionResetError:
                    break
                if not b:
                    break
                got += b
            assert got == b"", "data sent to 127.0.0.2: %r" % got[:40]
            # The transfer failed, or still waits for the real client.
            try:
                legit = socket.create_connection((HOST, port), timeout=2)
            except OSError:
                legit = None
            r = c.reply(15)
            if r.code in (125, 150):
                data = b""
                if legit is not None:
                    try:
                        data = recv_all(legit, 15)
                    except ConnectionResetError:
                        data = b""
                r2 = c.reply(15)
                if r2.code in (226, 250):
                    assert data == BIN
                else:
                    assert r2.code in (425, 426), r2
            else:
                assert r.code in (425, 426), r
        finally:
            foreign.close()
            if legit is not None:
                legit.close()
        c.ok("NOOP", 200)
        assert c.retr("hello.txt", how) == HELLO


# ---- the path jail ----

def test_traversal_refused(ftp):
    root = ftp.root("alice")
    os.symlink(str(ftp.ftp_dir / "outside" / "secret.txt"),
               root / "secret-link")
    outside = ftp.ftp_dir / "outside"
    secret = (outside / "secret.txt").read_bytes()
    bob_before = tree_snapshot(ftp.root("bob"))
    bad = []
    with ftp.session() as c:
        for path in ("../../etc/passwd", "../../../../../../../etc/passwd",
                     "/../../etc/passwd", "/etc/passwd", "passwd-link",
                     "escape/passwd", "outdir/secret.txt", "secret-link",
                     "../outside/secret.txt", "../bob/readme.txt",
                     "sub/../../bob/readme.txt", "/../bob/readme.txt"):
            r1, data, _ = c.transfer("RETR " + path)
            if r1.code != 550:
                bad.append("RETR %s: %s %r" % (path, r1, (data or b"")[:60]))
        for cmd in ("SIZE passwd-link", "MDTM passwd-link",
                    "SIZE ../bob/readme.txt", "MLST passwd-link",
                    "MLST escape", "CWD escape", "CWD outdir", "CWD /etc",
                    "CWD ../bob", "DELE outdir/secret.txt",
                    "DELE ../bob/readme.txt", "RMD ../bob/sub",
                    "MKD outdir/made", "MKD ../made", "MKD escape/made",
                    "RNFR ../bob/readme.txt", "RNFR outdir/secret.txt",
                    "SITE CHMOD 777 secret-link",
                    "SITE CHMOD 777 ../bob/readme.txt"):
            r = c.cmd(cmd)
            if r.code not in (550, 553):
                bad.append("%s: %s" % (cmd, r))
            if r.code == 350:
                c.cmd("NOOP")   # drop a pending RNFR
        # Renaming a file out of the root.
        c.ok("RNFR hello.txt", 350)
        r = c.cmd("RNTO ../outside/stolen.txt")
        if r.code not in (550, 553):
            bad.append("RNTO ../outside/stolen.txt: %s" % r)
        c.ok("RNFR bin.dat", 350)
        r = c.cmd("RNTO outdir/stolen.txt")
        if r.code not in (550, 553):
            bad.append("RNTO outdir/stolen.txt: %s" % r)
        # Writing through a symlink or .. out of the root.
        for cmd in ("STOR outdir/new.txt", "STOR ../outside/new2.txt",
                    "STOR secret-link", "APPE secret-link",
                    "STOR ../bob/new.txt"):
            r1, _, r2 = c.transfer(cmd, upload=b"written from ftp\n")
            if r1.code not in (550, 553):
                bad.append("%s: %s / %s" % (cmd, r1, r2))
        # Listings of what lies outside (each with a name only the
        # outside has).
        for cmd, mark in (("LIST escape", b"hostname"),
                          ("NLST escape", b"hostname"),
                          ("MLSD escape", b"hostname"),
                          ("LIST escape/", b"hostname"),
                          ("LIST outdir", b"secret.txt"),
                          ("MLSD outdir", b"secret.txt"),
                          ("LIST ../bob", b"readme"),
                          ("NLST ../../etc", b"hostname"),
                          ("LIST /etc", b"hostname")):
            r1, data, _ = c.transfer(cmd)
            if data and mark in data:
                bad.append("%s listed %r" % (cmd, data[:80]))
        # Climbing above the root stays at the root.
        c.cmd("CWD ../../..")
        if pwd_of(c) != "/":
            bad.append("PWD after CWD ../../..: %s" % pwd_of(c))
        r1, data, _ = c.transfer("RETR etc/passwd")
        if r1.code != 550:
            bad.append("RETR etc/passwd after CWD ../../..: %s" % r1)
        # Absolute paths name the user's root.
        assert c.retr("/hello.txt") == HELLO
        assert c.retr("/sub/../hello.txt") == HELLO
    assert sorted(os.listdir(outside)) == ["secret.txt"], \
        os.listdir(outside)
    assert (outside / "secret.txt").read_bytes() == secret
    assert mode_of(outside / "secret.txt") == 0o644
    assert not (ftp.ftp_dir / "made").exists()
    assert tree_snapshot(ftp.root("bob")) == bob_before
    assert not bad, "\n".join(bad)


def test_traversal_with_curl(ftp):
    # curl sends each path component as a CWD (its default multicwd).
    for url in (ftp.url("../../etc/passwd"), ftp.url("%2Fetc/passwd"),
                ftp.url("escape/passwd"), ftp.url("outdir/secret.txt")):
        r = curl("--path-as-is", url)
        assert r.returncode != 0 and b"root:" not in r.stdout and \
            b"outside" not in r.stdout, (url, r.returncode, r.stdout[:80])


# ---- access rules ----

def test_read_only_user(ftp):
    root = ftp.root("bob")
    before = tree_snapshot(root)
    with ftp.session("bob") as c:
        assert c.retr("readme.txt") == b"bob's file\n"
        for cmd in ("STOR new.txt", "APPE readme.txt", "STOU",
                    "STOR readme.txt"):
            r1, _, _ = c.transfer(cmd, upload=b"x")
            assert r1.code in (550, 553), "%s: %s" % (cmd, r1)
        for cmd in ("DELE readme.txt", "MKD newdir", "RMD sub"):
            r = c.cmd(cmd)
            assert r.code in (550, 553), "%s: %s" % (cmd, r)
        r = c.cmd("RNFR readme.txt")
        if r.code == 350:
            r = c.cmd("RNTO renamed.txt")
        assert r.code in (550, 553), "rename: %s" % r
    assert tree_snapshot(root) == before
    r = curl("-T", "-", ftp.url("piped.txt", user="bob"), input=b"x")
    assert r.returncode != 0
    assert not (root / "piped.txt").exists()


def test_upload_limit(ftp):
    root = ftp.root("carol")
    with ftp.session("carol") as c:
        small = os.urandom(10000)
        r1, r2 = c.stor("small.bin", small)
        assert r2.code in (226, 250), r2
        assert (root / "small.bin").read_bytes() == small
        big = os.urandom(1 << 20)
        d = c.data("pasv")
        try:
            r1 = c.cmd("STOR big.bin")
            if r1.code in (125, 150):
                s = d.connected()
                try:
                    s.sendall(big)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                s.close()
                r = c.reply(15)
            else:
                r = r1
            assert r.code == 552, r
        finally:
            d.close()
        p = root / "big.bin"
        assert not p.exists() or p.stat().st_size <= CAROL_MAX, \
            p.stat().st_size
        c.ok("NOOP", 200)
    # The cap is per user: alice uploads the same without trouble.
    with ftp.session() as c:
        r1, r2 = c.stor("big.bin", big)
        assert r2.code in (226, 250), r2


def test_anonymous_off_by_default(ftp):
    for user in ("anonymous", "ftp"):
        with ftp.control() as c:
            r = c.login(user, "guest@example.test")
            assert r.code == 530, "%s: %s" % (user, r)
    r = curl(ftp.url("welcome.txt", user=None))
    assert r.returncode != 0 and b"welcome" not in r.stdout


def test_anonymous_read_only_when_on(start_ftp):
    s = start_ftp(ftp={"anonymous": "yes"})
    root = s.root("anon")
    before = tree_snapshot(root)
    for user in ("anonymous", "ftp"):
        with s.control() as c:
            r = c.login(user, "guest@example.test")
            assert r.code == 230, "%s: %s" % (user, r)
            c.ok("TYPE I", 200)
            assert c.retr("welcome.txt") == b"welcome, anonymous\n"
            assert c.retr("/pub/file.bin") == BIN[:1000]
            for cmd in ("STOR new.txt", "APPE welcome.txt", "STOU"):
                r1, _, _ = c.transfer(cmd, upload=b"x")
                assert r1.code in (550, 553), "%s: %s" % (cmd, r1)
            for cmd in ("DELE welcome.txt", "MKD d", "RMD pub",
                        "SITE CHMOD 777 welcome.txt"):
                assert c.cmd(cmd).code in (550, 553), cmd
            r1, _, _ = c.transfer("RETR ../alice/hello.txt")
            assert r1.code == 550, r1
    assert tree_snapshot(root) == before
    # curl's default login is anonymous.
    r = curl(s.url("welcome.txt", user=None))
    assert r.returncode == 0 and r.stdout == b"welcome, anonymous\n", r
    r = lftp(s, "cat welcome.txt", user=None)
    assert r.returncode == 0 and r.stdout == "welcome, anonymous\n", r
    # Real users are unaffected.
    with s.session() as c:
        assert c.retr("hello.txt") == HELLO


# ---- limits ----

def test_login_attempts_rate_limited_per_ip(start_ftp):
    s = start_ftp(ftp={"login_attempts": "3"})
    for _ in range(3):
        with s.control() as c:
            assert c.login("alice", "wrong-password").code == 530
    # Now even the right password is refused from 127.0.0.1 ...
    with s.control(greet=False) as c:
        r = c.reply()
        if r.code == 220:
            r = c.login("alice", s.password("alice"))
            assert r.code in (421, 530), r
        else:
            assert r.code == 421, r
    # ... for every user, not just alice.
    with s.control(greet=False) as c:
        r = c.reply()
        if r.code == 220:
            assert c.login("bob", s.password("bob")).code in (421, 530)
    # Another address is unaffected.
    with s.control(source=OTHER) as c:
        assert c.login("alice", s.password("alice")).code == 230


def test_max_per_ip(start_ftp):
    s = start_ftp(ftp={"max_per_ip": "2"})
    s.wait_no_sessions()
    c1, c2 = s.control(), s.control()
    try:
        assert c1.greeting.code == 220 and c2.greeting.code == 220
        with s.control(greet=False) as c3:
            r = c3.reply()
            assert r.code == 421, r
            assert c3.wait_closed() == b""
        with s.control(source=OTHER) as c4:
            assert c4.greeting.code == 220
            assert c4.login("alice", s.password("alice")).code == 230
        c1.ok("NOOP", 200)
        c1.close()

        def again():
            with s.control(greet=False) as c:
                return c.reply().code == 220
        wait_for(again, 5, "a connection once one of two left")
    finally:
        c1.close()
        c2.close()


def test_max_clients(start_ftp):
    s = start_ftp(ftp={"max_clients": "2"})
    s.wait_no_sessions()
    with s.control() as c1, s.control(source=OTHER) as c2:
        assert c1.greeting.code == 220 and c2.greeting.code == 220
        with s.control(greet=False, source="127.0.0.3") as c3:
            r = c3.reply()
            assert r.code == 421, r
            assert c3.wait_closed() == b""
        c1.ok("NOOP", 200)


def test_idle_timeout(start_ftp):
    s = start_ftp(ftp={"idle_timeout": "1s"})
    with s.session() as c:
        t0 = time.monotonic()
        rest = c.wait_closed(timeout=8)
        waited = time.monotonic() - t0
        assert rest.startswith(b"421"), rest
        assert 0.8 <= waited < 8, waited
    with s.control() as c:              # not logged in: the same
        assert c.wait_closed(timeout=8).startswith(b"421")
    # Commands keep a session alive.
    with s.session() as c:
        end = time.monotonic() + 2.5
        while time.monotonic() < end:
            c.ok("NOOP", 200)
            time.sleep(0.4)


def test_data_timeout_stalled_reader(start_ftp):
    s = start_ftp(ftp={"data_timeout": "1s"})
    make_sparse(s.root("alice") / "zeros.bin", 256 << 20)
    with s.session() as c:
        d = c.data("pasv")
        try:
            assert c.cmd("RETR zeros.bin").code in (125, 150)
            d.connected()                   # and never read
            t0 = time.monotonic()
            r = c.reply(15)
            assert r.code == 426, r
            assert time.monotonic() - t0 < 14
        finally:
            d.close()
        c.ok("NOOP", 200)


def test_data_timeout_no_connection(start_ftp):
    s = start_ftp(ftp={"data_timeout": "1s"})
    with s.session() as c:
        c.pasv()                            # and never connect
        r = c.cmd("RETR hello.txt", timeout=15)
        if r.code in (125, 150):
            r = c.reply(15)
        assert r.code in (425, 426), r
        c.ok("NOOP", 200)


# ---- TLS ----

def tls_wrap_control(c):
    """AUTH TLS on a raw control connection; c.tls is the context (data
    connections resume the session with it)."""
    c.ok("AUTH TLS", 234)
    assert c.buf == b""
    c.tls = client_tls_context()
    c.sock = c.tls.wrap_socket(c.sock)
    return c


def test_ftps_curl_ssl_reqd(ftp, tmp_path):
    out = tmp_path / "bin.out"
    r = curl("--ssl-reqd", "-k", "-v", "-o", out, ftp.url("bin.dat"))
    assert r.returncode == 0, r.stderr
    assert out.read_bytes() == BIN
    err = r.stderr.decode(errors="replace")
    # curl asks AUTH SSL first, then AUTH TLS (RFC 4217 allows both).
    assert re.search(r"^> AUTH (TLS|SSL)", err, re.M) and \
        "> PROT P" in err, err
    assert "> PASS" in err
    up = tmp_path / "up.bin"
    up.write_bytes(os.urandom(2 << 20))
    r = curl("--ssl-reqd", "-k", "-T", up, ftp.url("tls-up.bin"))
    assert r.returncode == 0, r.stderr
    assert file_sha(ftp.root("alice") / "tls-up.bin") == file_sha(up)
    # (Not curl -P - here: curl 7.88 never starts TLS on an active data
    # connection, against vsftpd too; ftplib covers active mode below.)
    r = curl("--ssl-reqd", "-k", ftp.url(""))
    assert r.returncode == 0 and b"hello.txt" in r.stdout, r
    # The dev certificate was made under data_dir/tls.
    assert any((ftp.data_dir / "tls").iterdir())


def test_ftps_ftplib_and_lftp(ftp, tmp_path):
    f = ftp.ftplib(tls=True)
    try:
        assert isinstance(f.sock, ssl.SSLSocket)
        for pasv in (True, False):
            f.set_pasv(pasv)
            got = io.BytesIO()
            f.retrbinary("RETR bin.dat", got.write)
            assert got.getvalue() == BIN, "pasv=%s" % pasv
        data = os.urandom(100000)
        f.storbinary("STOR ftplib-tls.bin", io.BytesIO(data))
        assert (ftp.root("alice") / "ftplib-tls.bin").read_bytes() == data
        assert "hello.txt" in f.nlst()
        f.quit()
    finally:
        f.close()
    r = lftp(ftp, "cat hello.txt",
             settings=["set ftp:ssl-allow yes", "set ftp:ssl-force yes",
                       "set ftp:ssl-protect-data yes",
                       "set ssl:verify-certificate no"])
    assert r.returncode == 0 and r.stdout == HELLO.decode(), r


def test_prot_p_data_is_encrypted(ftp):
    with ftp.control() as c:
        tls_wrap_control(c)
        assert c.login("alice", ftp.password("alice")).code == 230
        c.ok("TYPE I", 200)
        r = c.cmd("PROT P")
        assert r.code == 503, "PROT before PBSZ: %s" % r
        c.ok("PBSZ 0", 200)
        c.ok("PROT P", 200)
        # A plain reader of the data connection sees no plaintext.
        d = c.data("pasv")
        try:
            r1 = c.cmd("RETR hello.txt")
            raw = b""
            if r1.code in (125, 150):
                s = d.connected(2)
                deadline = time.monotonic() + 1.0
                while time.monotonic() < deadline:
                    try:
                        b = s.recv(4096)
                    except (socket.timeout, ConnectionResetError):
                        break
                    if not b:
                        break
                    raw += b
        finally:
            d.close()
        assert HELLO not in raw, raw
        if r1.code in (125, 150):
            c.reply(15)                     # 425/426/226: any end
        # With TLS on the data connection the file comes through.
        d = c.data("pasv")
        try:
            assert c.cmd("RETR hello.txt").code in (125, 150)
            s = c.tls.wrap_socket(d.connected(), session=c.sock.session)
            d.sock = s
            assert recv_all(s, 15) == HELLO
            assert c.reply(15).code in (226, 250)
        finally:
            d.close()


def test_require_tls(start_ftp, tmp_path):
    s = start_ftp(ftp={"require_tls": "yes", "anonymous": "yes"})
    with s.control() as c:
        r = c.login("alice", s.password("alice"))
        assert r.code in (530, 534), r
        assert c.cmd("PWD").code == 530
    r = curl(s.url("hello.txt"))
    assert r.returncode != 0 and r.stdout == b""
    r = curl("--ssl-reqd", "-k", s.url("hello.txt"))
    assert r.returncode == 0 and r.stdout == HELLO, r
    f = s.ftplib(tls=True)
    try:
        got = io.BytesIO()
        f.retrbinary("RETR hello.txt", got.write)
        assert got.getvalue() == HELLO
        f.quit()
    finally:
        f.close()
    # Anonymous is the exception.
    with s.control() as c:
        assert c.login("anonymous", "guest@example.test").code == 230


def test_tls_off(start_ftp):
    s = start_ftp(ftp={"tls": "no"})
    with s.control() as c:
        assert "AUTH" not in feats(c)
        r = c.cmd("AUTH TLS")
        assert r.code in (500, 502, 504, 534), r
        assert c.login("alice", s.password("alice")).code == 230
    r = curl("--ssl-reqd", "-k", s.url("hello.txt"))
    assert r.returncode != 0


# ---- real files: large, empty, text, cut and resumed ----

def test_50mb_random_file_both_ways(ftp, big_file, tmp_path):
    want = file_sha(big_file)
    root = ftp.root("alice")
    copy_into(big_file, root / "big.bin")
    # curl: EPSV, then PASV.
    out = tmp_path / "dl.bin"
    r = curl("-o", out, ftp.url("big.bin"))
    assert r.returncode == 0, r.stderr
    assert file_sha(out) == want
    r = curl("-T", big_file, ftp.url("up-curl.bin"))
    assert r.returncode == 0, r.stderr
    assert file_sha(root / "up-curl.bin") == want
    # ftplib, active (PORT).
    f = ftp.ftplib(timeout=30)
    try:
        f.set_pasv(False)
        h = hashlib.sha256()
        f.retrbinary("RETR big.bin", h.update, blocksize=1 << 20)
        assert h.hexdigest() == want
        with open(big_file, "rb") as fp:
            f.storbinary("STOR up-ftplib.bin", fp, blocksize=1 << 20)
        f.quit()
    finally:
        f.close()
    assert file_sha(root / "up-ftplib.bin") == want


def test_empty_file(ftp, tmp_path):
    root = ftp.root("alice")
    with ftp.session() as c:
        c.ok("SIZE empty.txt", 213)
        for how in ("pasv", "port"):
            assert c.retr("empty.txt", how) == b""
        r1, r2 = c.stor("up-empty.txt", b"")
        assert r2.code in (226, 250), r2
    assert (root / "up-empty.txt").stat().st_size == 0
    r = curl(ftp.url("empty.txt"))
    assert r.returncode == 0 and r.stdout == b"", r
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    r = curl("-T", empty, ftp.url("curl-empty.txt"))
    assert r.returncode == 0, r.stderr
    assert (root / "curl-empty.txt").stat().st_size == 0
    f = ftp.ftplib()
    try:
        got = []
        f.retrbinary("RETR empty.txt", got.append)
        assert b"".join(got) == b""
        f.storbinary("STOR ftplib-empty.txt", io.BytesIO(b""))
        f.quit()
    finally:
        f.close()
    assert (root / "ftplib-empty.txt").stat().st_size == 0


def test_type_a_conversion(ftp):
    root = ftp.root("alice")
    with ftp.session() as c:
        c.ok("TYPE A", 200)
        assert c.retr("lines.txt") == LINES.replace(b"\n", b"\r\n")
        up = b"".join(b"ascii line %d\r\n" % i for i in range(50000))
        r1, r2 = c.stor("up-ascii.txt", up)
        assert r2.code in (226, 250), r2
        assert (root / "up-ascii.txt").read_bytes() == \
            up.replace(b"\r\n", b"\n")
        # CR and LF in separate segments.
        d = c.data("pasv")
        try:
            assert c.cmd("STOR split.txt").code in (125, 150)
            s = d.connected()
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            for part in (b"abc\r", b"\ndef\r", b"\n", b"\r", b"\n"):
                s.sendall(part)
                time.sleep(0.05)
            s.close()
            assert c.reply(15).code in (226, 250)
        finally:
            d.close()
        assert (root / "split.txt").read_bytes() == b"abc\ndef\n\n"
        c.ok("TYPE I", 200)
        assert c.retr("lines.txt") == LINES
    # ftplib's retrlines (TYPE A) sees the lines.
    f = ftp.ftplib()
    try:
        got = []
        f.retrlines("RETR lines.txt", got.append)
        assert got == LINES.decode().split("\n")[:-1]
        f.quit()
    finally:
        f.close()


def test_resume_download_after_a_cut(ftp, tmp_path):
    data = os.urandom(8 << 20)
    (ftp.root("alice") / "resume.bin").write_bytes(data)
    c = ftp.session()
    d = c.data("pasv")
    assert c.cmd("RETR resume.bin").code in (125, 150)
    part = recv_all(d.connected(), 15, limit=1 << 20)
    rst_close(d.sock)
    rst_close(c.sock)
    assert 0 < len(part) < len(data) and data.startswith(part)
    local = tmp_path / "resume.bin"
    local.write_bytes(part)
    r = curl("-C", "-", "-o", local, ftp.url("resume.bin"))
    assert r.returncode == 0, r.stderr
    assert local.read_bytes() == data
    # ftplib: REST, then RETR.
    f = ftp.ftplib()
    try:
        got = io.BytesIO(data[:3333333])
        got.seek(0, 2)
        f.retrbinary("RETR resume.bin", got.write, rest=3333333)
        assert got.getvalue() == data
        f.quit()
    finally:
        f.close()
    # lftp get -c.
    local2 = tmp_path / "resume2.bin"
    local2.write_bytes(data[:5555555])
    r = lftp(ftp, "get -c resume.bin -o %s" % local2)
    assert r.returncode == 0, r.stderr
    assert local2.read_bytes() == data


def wait_size_stable(p, timeout=10.0):
    """The size of p once it stopped changing for 0.6 s."""
    last, since = -1, time.monotonic()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        n = p.stat().st_size if p.exists() else -1
        if n != last:
            last, since = n, time.monotonic()
        elif time.monotonic() - since >= 0.6:
            return n
        time.sleep(0.1)
    pytest.fail("%s kept changing for %.0fs" % (p, timeout))


def test_resume_upload_after_a_cut(ftp, tmp_path):
    data = os.urandom(8 << 20)
    local = tmp_path / "up.bin"
    local.write_bytes(data)
    remote = ftp.root("alice") / "up.bin"
    c = ftp.session()
    d = c.data("pasv")
    assert c.cmd("STOR up.bin").code in (125, 150)
    s = d.connected()
    s.sendall(data[:3 << 20])
    time.sleep(0.5)
    rst_close(s)
    rst_close(c.sock)
    n = wait_size_stable(remote)
    assert n > 0, "the server dropped the partial upload"
    assert n <= 3 << 20 and remote.read_bytes() == data[:n]
    # curl -C - -T: SIZE, then APPE of the rest.
    r = curl("-C", "-", "-T", local, ftp.url("up.bin"))
    assert r.returncode == 0, r.stderr
    assert remote.read_bytes() == data
    # ftplib: REST, then STOR.
    with open(remote, "r+b") as fp:
        fp.truncate(1234567)
    f = ftp.ftplib()
    try:
        with open(local, "rb") as fp:
            fp.seek(1234567)
            f.storbinary("STOR up.bin", fp, rest=1234567)
        f.quit()
    finally:
        f.close()
    assert remote.read_bytes() == data
    # lftp put -c.
    with open(remote, "r+b") as fp:
        fp.truncate(2222222)
    r = lftp(ftp, "put -c %s -o up.bin" % local)
    assert r.returncode == 0, r.stderr
    assert remote.read_bytes() == data


# ---- the clients at large ----

def test_ftplib_walkthrough(ftp):
    root = ftp.root("alice")
    f = ftp.ftplib()
    try:
        assert f.getwelcome().startswith("220")
        assert f.pwd() == "/"
        assert f.mkd("work") in ("/work", "work")
        f.cwd("work")
        assert f.pwd() == "/work"
        f.storbinary("STOR a.bin", io.BytesIO(BIN))
        assert f.size("a.bin") == len(BIN)
        f.rename("a.bin", "b.bin")
        assert f.nlst() in (["b.bin"], ["/work/b.bin"], ["work/b.bin"])
        entries = dict(f.mlsd())
        assert entries["b.bin"]["type"].lower() == "file"
        assert entries["b.bin"]["size"] == str(len(BIN))
        for pasv in (True, False):
            f.set_pasv(pasv)
            got = io.BytesIO()
            f.retrbinary("RETR b.bin", got.write)
            assert got.getvalue() == BIN
            listing = []
            f.retrlines("LIST", listing.append)
            assert any(l.endswith(" b.bin") for l in listing), listing
        assert f.sendcmd("MDTM /hello.txt").startswith("213 " + MDTM_HELLO)
        f.delete("b.bin")
        f.cwd("..")
        f.rmd("work")
        assert not (root / "work").exists()
        assert f.quit().startswith("221")
    finally:
        f.close()


def test_curl_operations(ftp, tmp_path):
    root = ftp.root("alice")
    r = curl(ftp.url(""))
    assert r.returncode == 0 and b"hello.txt" in r.stdout, r
    r = curl("-l", ftp.url("sub/"))
    assert r.returncode == 0, r.stderr
    assert set(r.stdout.decode().split()) == {"inner.txt", "deeper"}, r
    for opts in ([], ["--ftp-method", "nocwd"],
                 ["--ftp-method", "singlecwd"], ["--disable-epsv"],
                 ["-P", "-"], ["-P", "-", "--disable-eprt"]):
        r = curl(*(opts + [ftp.url("sub/deeper/leaf.txt")]))
        assert r.returncode == 0 and r.stdout == b"leaf\n", (opts, r)
    # SIZE and MDTM, as curl -I shows them.
    r = curl("-I", ftp.url("hello.txt"))
    assert r.returncode == 0, r.stderr
    head = r.stdout.decode()
    assert "Content-Length: %d" % len(HELLO) in head, head
    assert "Last-Modified: Thu, 04 Mar 2021 05:06:07 GMT" in head, head
    up = tmp_path / "up.bin"
    up.write_bytes(os.urandom(70000))
    r = curl("--ftp-create-dirs", "-T", up, ftp.url("new/dir/up.bin"))
    assert r.returncode == 0, r.stderr
    assert (root / "new" / "dir" / "up.bin").read_bytes() == up.read_bytes()
    r = curl("--append", "-T", up, ftp.url("new/dir/up.bin"))
    assert r.returncode == 0, r.stderr
    assert (root / "new" / "dir" / "up.bin").read_bytes() == \
        up.read_bytes() * 2
    r = curl("-Q", "RNFR lines.txt", "-Q", "RNTO lines2.txt", "-Q",
             "DELE empty.txt", ftp.url(""))
    assert r.returncode == 0, r.stderr
    assert (root / "lines2.txt").exists() and not (root / "empty.txt").exists()
    r = curl(ftp.url("nosuch.txt"))
    assert r.returncode == 78, r             # RETR: 550
    r = curl(ftp.url("hello.txt", password="wrong"))
    assert r.returncode == 67, r             # login denied


def test_lftp_operations(ftp, tmp_path):
    root = ftp.root("alice")
    r = lftp(ftp, "cls -1")
    assert r.returncode == 0, r.stderr
    assert {"hello.txt", "bin.dat", "sub/", "tree/"} <= \
        set(r.stdout.split()), r.stdout
    down = tmp_path / "down"
    r = lftp(ftp, "mirror tree %s" % down)
    assert r.returncode == 0, r.stderr
    assert tree_snapshot(down) == tree_snapshot(root / "tree")
    r = lftp(ftp, "mirror -R %s up" % down)
    assert r.returncode == 0, r.stderr
    assert tree_snapshot(root / "up") == tree_snapshot(root / "tree")
    r = lftp(ftp, ["mkdir made", "rmdir made", "mv bin.dat moved.dat",
                   "rm moved.dat", "chmod 600 hello.txt"])
    assert r.returncode == 0, r.stderr
    assert not (root / "made").exists() and not (root / "bin.dat").exists()
    assert not (root / "moved.dat").exists()
    assert mode_of(root / "hello.txt") == 0o600
    for setting in ("set ftp:passive-mode off", "set ftp:prefer-epsv yes"):
        out = tmp_path / "lines.out"
        r = lftp(ftp, "get lines.txt -o %s" % out, settings=[setting])
        assert r.returncode == 0, (setting, r.stderr)
        assert out.read_bytes() == LINES
    # pget: four connections, each from its own REST offset.
    big = os.urandom(6 << 20)
    (root / "pget.bin").write_bytes(big)
    out = tmp_path / "pget.out"
    r = lftp(ftp, "pget -n 4 pget.bin -o %s" % out)
    assert r.returncode == 0, r.stderr
    assert sha(out.read_bytes()) == sha(big)


def test_50_concurrent_clients(start_ftp):
    s = start_ftp(ftp={"max_per_ip": "60", "max_clients": "100"})
    n = 50
    payloads = [os.urandom(128 * 1024 + i * 1000) for i in range(n)]
    results = [None] * n
    barrier = threading.Barrier(n, timeout=60)

    def worker(i):
        f = None
        try:
            f = s.ftplib(timeout=30)
            f.set_pasv(i % 2 == 0)          # half active, half passive
            barrier.wait()                  # all 50 logged in at once
            name = "c%02d.bin" % i
            f.storbinary("STOR " + name, io.BytesIO(payloads[i]))
            got = io.BytesIO()
            f.retrbinary("RETR " + name, got.write)
            f.quit()
            results[i] = ("ok" if got.getvalue() == payloads[i]
                          else "read back %d bytes, differ" %
                          len(got.getvalue()))
        except Exception as e:              # reported below, per client
            results[i] = "%s: %s" % (type(e).__name__, e)
            barrier.abort()
        finally:
            if f is not None:
                f.close()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True)
               for i in range(n)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 90
    for t in threads:
        t.join(max(0, deadline - time.monotonic()))
    assert not any(t.is_alive() for t in threads), "clients still running"
    bad = ["client %d: %s" % (i, r) for i, r in enumerate(results)
           if r != "ok"]
    assert not bad, "\n".join(bad)
    for i in range(n):
        assert (s.root("alice") / ("c%02d.bin" % i)).read_bytes() == \
            payloads[i]


# ---- the process: privileges, reload, control, stop ----

@pytest.mark.skipif(not IS_ROOT, reason="privilege drop needs root")
def test_runs_as_nobody_under_up(start_ftp, nobody, tmp_path):
    s = start_ftp(mode="up", inetkit={"user": "nobody"}, start=False)
    for dirpath, dirs, files in os.walk(s.root("alice")):
        for p in [dirpath] + [os.path.join(dirpath, f) for f in files]:
            os.lchown(p, nobody.pw_uid, nobody.pw_gid)
    s.start_ftp()
    child = int(s.stats("ftp")["pid"])
    assert child != s.pid
    with open("/proc/%d/status" % child) as f:
        status = f.read()
    uids = re.search(r"^Uid:\s+(.*)$", status, re.M).group(1).split()
    gids = re.search(r"^Gid:\s+(.*)$", status, re.M).group(1).split()
    groups = re.search(r"^Groups:\s*(.*)$", status, re.M).group(1).split()
    assert uids == [str(nobody.pw_uid)] * 4, uids
    assert gids == [str(nobody.pw_gid)] * 4, gids
    assert "0" not in groups, groups
    with open("/proc/%d/status" % s.pid) as f:
        assert re.search(r"^Uid:\s+0\s", f.read(), re.M)
    r = curl(s.url("bin.dat"))
    assert r.returncode == 0 and r.stdout == BIN, r.stderr
    up = tmp_path / "up.bin"
    up.write_bytes(os.urandom(50000))
    r = curl("-T", up, s.url("up-nobody.bin"))
    assert r.returncode == 0, r.stderr
    p = s.root("alice") / "up-nobody.bin"
    assert p.read_bytes() == up.read_bytes()
    assert p.stat().st_uid == nobody.pw_uid
    # Still jailed as nobody: /etc/passwd is readable by nobody.
    with s.session() as c:
        r1, _, _ = c.transfer("RETR passwd-link")
        assert r1.code == 550, r1


def login_code(s, user, password, source=None):
    with s.control(source=source) as c:
        return c.login(user, password).code


@pytest.mark.parametrize("mode,how", [("ftpd", "sighup"), ("up", "ctl")])
def test_reload_picks_up_users(start_ftp, mode, how):
    inetkit = {"user": "nobody"} if (mode == "up" and IS_ROOT) else None
    s = start_ftp(mode=mode, inetkit=inetkit,
                  ftp={"login_attempts": "1000"})
    keep = s.session("alice")
    dave_pw, bob_pw = "dave-Secret-5", s.password("bob")
    assert login_code(s, "dave", dave_pw) == 530
    assert login_code(s, "bob", bob_pw) == 230
    droot = s.ftp_dir / "dave"
    droot.mkdir()
    (droot / "dave.txt").write_bytes(b"dave's\n")
    s.open_up(droot)
    s.users["dave"] = {"password": dave_pw, "extra": "ftp=rw",
                       "home": str(droot)}
    del s.users["bob"]
    s.write_users()

    def reload():
        if how == "sighup":
            os.kill(s.pid, signal.SIGHUP)
        else:
            rc, out = s.ctl("ftp", "reload")
            return rc, out
    reload()
    wait_for(lambda: login_code(s, "dave", dave_pw) == 230, 10,
             "dave's login after the reload")
    wait_for(lambda: login_code(s, "bob", bob_pw) == 530, 10,
             "bob refused after the reload")
    with s.session("dave") as c:
        assert c.retr("dave.txt") == b"dave's\n"
    # A session from before the reload goes on.
    keep.ok("NOOP", 200)
    assert keep.retr("hello.txt") == HELLO
    keep.close()
    # A broken users file is refused as a whole: the old users stay.
    s.users_path.write_text("this line has no colon\n")
    os.chmod(s.users_path, 0o644)
    res = reload()
    if how == "ctl":
        assert res[0] != 0, res
    time.sleep(0.5)
    assert login_code(s, "dave", dave_pw) == 230
    assert login_code(s, "alice", s.password("alice")) == 230


def test_ctl_sessions_and_stats(ftp):
    with ftp.session("alice") as c:
        port = c.local[1]
        lines = ftp.sessions()
        assert lines is not None, ftp.ctl("ftp", "sessions")
        mine = [l for l in lines if l.startswith("127.0.0.1:%d " % port)]
        assert len(mine) == 1, lines
        m = re.match(r"^127\.0\.0\.1:%d user=alice state=\S+ since=(\d+)"
                     r"( |$)" % port, mine[0])
        assert m, mine[0]
        assert abs(int(m.group(1)) - time.time()) < 120
    st = ftp.stats("ftp")
    assert st.get("service") == "ftp" and int(st["pid"]) == ftp.pid, st


def test_sigterm_with_a_session_open(ftp):
    c = ftp.session()
    try:
        t0 = time.monotonic()
        rc = ftp.stop()
        assert rc == 0, ftp.log()
        assert time.monotonic() - t0 < 6.5
        rest = c.wait_closed(timeout=5)
        assert rest in (b"",) or rest.startswith(b"421"), rest
    finally:
        c.close()

"""A quick smoke test of `inetkit ftpd` with Python's ftplib: login, PASV
RETR and STOR, active PORT, paths leading out of the root refused, AUTH
TLS with PROT P. The full suite is test_ftpd.py; this one is small enough
to run after every change to src/ftp."""
import ftplib
import io
import os

import pytest

from conftest import free_port

PASSWORD = "smoke-Secret-9"


@pytest.fixture
def ftp_site(start_inetkit, run_inetkit, tmp_path):
    """ftpd on a free port with one read-write user whose root holds
    hello.txt and a symlink out to /etc/passwd."""
    top = tmp_path / "ftp"
    root = top / "alice"
    (root / "sub").mkdir(parents=True)
    (root / "hello.txt").write_bytes(b"hello, ftp\r\nline two\n")
    os.symlink("/etc/passwd", root / "passwd-link")
    (top / "outside.txt").write_bytes(b"not yours\n")
    for d, _, files in os.walk(top):
        os.chmod(d, 0o777)
        for f in files:
            os.chmod(os.path.join(d, f), 0o666)
    os.chmod(tmp_path, 0o755)
    r = run_inetkit("passwd", "alice", input=PASSWORD + "\n")
    assert r.returncode == 0, r.stderr
    users = tmp_path / "users"
    users.write_text("%s::::%s::ftp=rw\n" % (r.stdout.strip(), root))
    os.chmod(users, 0o644)
    lo = free_port()
    site = start_inetkit(
        "ftpd", echo={"enabled": "no"},
        inetkit={"user": None},
        ftp={"enabled": "yes", "listen": "127.0.0.1:%d" % free_port(),
             "users": str(users), "pasv_ports": "%d-%d" % (lo, lo)},
        wait=False)
    site.wait_ready("ftp")
    site.root = root
    return site


def connect(site, cls=ftplib.FTP):
    f = cls()
    f.connect(*site.addr("ftp"), timeout=10)
    return f


def test_login_list_retr_stor(ftp_site):
    f = connect(ftp_site)
    assert f.getwelcome().startswith("220")
    with pytest.raises(ftplib.error_perm, match="^530"):
        f.login("alice", "wrong")
    f.login("alice", PASSWORD)
    assert f.pwd() == "/"
    names = f.nlst()
    assert "hello.txt" in names and "sub" in names
    got = io.BytesIO()
    f.retrbinary("RETR hello.txt", got.write)
    assert got.getvalue() == b"hello, ftp\r\nline two\n"
    data = os.urandom(300000)
    f.storbinary("STOR sub/up.bin", io.BytesIO(data))
    assert (ftp_site.root / "sub" / "up.bin").read_bytes() == data
    assert f.size("sub/up.bin") == len(data)
    f.cwd("sub")
    assert f.pwd() == "/sub"
    assert f.quit().startswith("221")


def test_ascii_mode_converts_line_ends(ftp_site):
    f = connect(ftp_site)
    f.login("alice", PASSWORD)
    got = []
    f.retrlines("RETR hello.txt", got.append)
    assert got == ["hello, ftp", "line two"]
    f.storlines("STOR lines.txt", io.BytesIO(b"one\r\ntwo\r\n"))
    assert (ftp_site.root / "lines.txt").read_bytes() == b"one\ntwo\n"
    f.quit()


def test_active_port(ftp_site):
    f = connect(ftp_site)
    f.login("alice", PASSWORD)
    f.set_pasv(False)
    got = io.BytesIO()
    f.retrbinary("RETR hello.txt", got.write)
    assert got.getvalue().startswith(b"hello, ftp")
    f.quit()


@pytest.mark.parametrize("path", ["../outside.txt", "/../outside.txt",
                                  "sub/../../outside.txt", "passwd-link"])
def test_paths_out_of_the_root_refused(ftp_site, path):
    f = connect(ftp_site)
    f.login("alice", PASSWORD)
    with pytest.raises(ftplib.error_perm, match="^550"):
        f.retrbinary("RETR " + path, lambda b: None)
    with pytest.raises(ftplib.error_perm, match="^550"):
        f.cwd("..")
    assert f.pwd() == "/"
    f.quit()


def test_port_to_another_address_refused(ftp_site):
    f = connect(ftp_site)
    f.login("alice", PASSWORD)
    with pytest.raises(ftplib.error_perm, match="^500"):
        f.sendcmd("PORT 127,0,0,2,200,10")
    f.quit()


def test_commands_before_login_refused(ftp_site):
    f = connect(ftp_site)
    with pytest.raises(ftplib.error_perm, match="^530"):
        f.sendcmd("PWD")
    with pytest.raises(ftplib.error_perm, match="^530"):
        f.sendcmd("RETR hello.txt")
    f.quit()


def test_auth_tls_prot_p(ftp_site):
    f = connect(ftp_site, ftplib.FTP_TLS)
    f.auth()
    f.login("alice", PASSWORD)
    f.prot_p()
    got = io.BytesIO()
    f.retrbinary("RETR hello.txt", got.write)
    assert got.getvalue().startswith(b"hello, ftp")
    f.storbinary("STOR tls.bin", io.BytesIO(b"z" * 70000))
    assert (ftp_site.root / "tls.bin").read_bytes() == b"z" * 70000
    f.quit()


def test_commands_during_a_transfer(ftp_site):
    """STAT answers at once; NOOP waits for the transfer's 226; an ABOR
    behind Telnet IP and Synch (IAC IP IAC DM) stops the next one."""
    data = os.urandom(8 << 20)
    (ftp_site.root / "big.bin").write_bytes(data)
    f = connect(ftp_site)
    f.login("alice", PASSWORD)
    f.voidcmd("TYPE I")
    conn = f.transfercmd("RETR big.bin")
    f.sock.sendall(b"STAT\r\nNOOP\r\n")
    assert f.getline().startswith("213 ")
    got = bytearray()
    while True:
        b = conn.recv(1 << 20)
        if not b:
            break
        got += b
    conn.close()
    assert bytes(got) == data
    assert f.getline().startswith("226 ")
    assert f.getline().startswith("200 ")

    # Larger than what loopback socket buffers hold, so the transfer is
    # still running when ABOR comes.
    with open(ftp_site.root / "huge.bin", "wb") as out:
        for _ in range(64):
            out.write(data[:1 << 20])
    conn = f.transfercmd("RETR huge.bin")
    assert conn.recv(4096)
    f.sock.sendall(b"\xff\xf4\xff\xf2ABOR\r\n")
    assert f.getline().startswith("426 ")
    assert f.getline().startswith("226 ")
    conn.close()
    assert f.sendcmd("NOOP").startswith("200")
    f.quit()

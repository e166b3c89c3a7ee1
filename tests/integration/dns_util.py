"""Helpers for test_dns_auth.py: a DNS site on free loopback ports with
the zones of tests/integration/data, dig/kdig runners, raw UDP and TCP
exchanges. Every wait has a deadline."""
import os
import re
import shutil
import socket
import struct
import subprocess
import time
from pathlib import Path

import dns.flags
import dns.message
import dns.query
import dns.rdatatype
import dns.zone

from conftest import SANITIZER_MARKS, Site, free_port

DATA = Path(__file__).resolve().parent / "data"
ZONE_FILES = ("example.test.zone", "many-a.inc", "big-txt.inc",
              "deep.example.test.zone", "other.test.zone")
Q_TIMEOUT = 3.0         # one DNS exchange
TOOL_TIMEOUT = 15.0     # one dig/kdig run (it has +time=2 +tries=1 too)


def free_port_both():
    """A port free for TCP and UDP on 127.0.0.1 and ::1 (DNS takes all
    four)."""
    for _ in range(50):
        port = free_port()
        try:
            for fam, host in ((socket.AF_INET, "127.0.0.1"),
                              (socket.AF_INET6, "::1")):
                for typ in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
                    with socket.socket(fam, typ) as s:
                        s.bind((host, port))
        except OSError:
            continue
        return port
    raise RuntimeError("no port free for UDP and TCP on both loopbacks")


class DnsSite(Site):
    """A conftest Site running `inetkit up` with [dns] on 127.0.0.1 and
    [::1], echo off, and the test zones copied beside its config (where
    a child running as nobody can read them)."""

    def __init__(self, binary, tmp_path, dns=None, zones=None):
        super().__init__(binary, tmp_path, sections={
            "echo": {"enabled": "no"}})
        self.port = free_port_both()
        self.zone_dir = self.dir / "zones"
        self.zone_dir.mkdir()
        os.chmod(self.zone_dir, 0o755)
        for name in ZONE_FILES:
            dst = self.zone_dir / name
            shutil.copyfile(DATA / name, dst)
            os.chmod(dst, 0o644)
        d = {"enabled": "yes",
             "listen": "127.0.0.1:%d [::1]:%d" % (self.port, self.port),
             "threads": "2", "udp_size": "1232",
             "tcp_idle_timeout": "10s", "query_log": "no"}
        d.update(dns or {})
        if zones is None:
            zones = default_zones()
        secs = {"dns": d}
        for apex, keys in zones.items():
            keys = dict(keys)
            if "file" in keys and not os.path.isabs(keys["file"]):
                keys["file"] = str(self.zone_dir / keys["file"])
            secs["zone %s" % apex] = keys
        self.update(**secs)
        self.write_config()

    def zone_path(self, name):
        return self.zone_dir / name

    def write_zone(self, name, text):
        """Replaces a zone file atomically (a new inode, a new size or
        mtime: what reload compares), readable by nobody."""
        dst = self.zone_dir / name
        tmp = dst.with_suffix(".new")
        tmp.write_text(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, dst)

    def start_dns(self):
        self.start()
        self.wait_ready("dns")
        return self

    @property
    def addr4(self):
        return ("127.0.0.1", self.port)

    @property
    def addr6(self):
        return ("::1", self.port)

    def dns_stats(self):
        return self.stats("dns")

    def check_sanitizers(self):
        log = self.log()
        for mark in SANITIZER_MARKS:
            assert mark not in log, "%s in %s:\n%s" % (mark,
                                                       self.stderr_path, log)


def default_zones():
    return {
        "example.test": {"file": "example.test.zone",
                         "allow_axfr": "127.0.0.1 ::1"},
        "deep.example.test": {"file": "deep.example.test.zone"},
        "other.test": {"file": "other.test.zone"},
    }


# ---- queries ----

def make_query(qname, qtype="A", edns=None, payload=1232, rd=False,
               want_id=None):
    q = dns.message.make_query(qname, qtype, use_edns=False)
    if edns is not None:
        # After make_query, whose want_dnssec() step drops the version.
        q.use_edns(edns, payload=payload)
    if not rd:
        q.flags &= ~dns.flags.RD
    if want_id is not None:
        q.id = want_id
    return q


def udp(site, qname, qtype="A", edns=None, payload=1232, addr=None):
    """One UDP exchange with dnspython; returns (response, wire size)."""
    host, port = addr or site.addr4
    q = make_query(qname, qtype, edns=edns, payload=payload)
    wire = udp_raw(q.to_wire(), (host, port))
    assert wire is not None, "no UDP reply to %s %s" % (qname, qtype)
    r = dns.message.from_wire(wire, ignore_trailing=False)
    assert r.id == q.id
    return r, len(wire)


def tcp(site, qname, qtype="A", edns=None, addr=None):
    q = make_query(qname, qtype, edns=edns)
    return dns.query.tcp(q, (addr or site.addr4)[0],
                         port=(addr or site.addr4)[1], timeout=Q_TIMEOUT)


def udp_raw(data, addr, timeout=Q_TIMEOUT):
    """Sends one datagram; the reply bytes, or None if none came."""
    fam = socket.AF_INET6 if ":" in addr[0] else socket.AF_INET
    with socket.socket(fam, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(data, addr)
        try:
            return s.recv(65535)
        except socket.timeout:
            return None


def frame(msg):
    return struct.pack("!H", len(msg)) + msg


class TcpConn:
    """A raw DNS-over-TCP connection (RFC 1035 4.2.2 framing)."""

    def __init__(self, addr, timeout=Q_TIMEOUT):
        self.sock = socket.create_connection(addr, timeout=timeout)
        self.buf = b""
        self.eof = False

    def send(self, data):
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

    def read_msg(self, timeout=Q_TIMEOUT):
        """One length-prefixed message; EOFError if closed first."""
        deadline = time.monotonic() + timeout
        while True:
            if len(self.buf) >= 2:
                n = struct.unpack("!H", self.buf[:2])[0]
                if len(self.buf) >= 2 + n:
                    msg, self.buf = self.buf[2:2 + n], self.buf[2 + n:]
                    return msg
            if self.eof:
                raise EOFError("closed with %d bytes pending" %
                               len(self.buf))
            self._fill(deadline)

    def wait_eof(self, timeout):
        """Reads (and discards) until the peer closes; TimeoutError if
        it does not in time."""
        deadline = time.monotonic() + timeout
        while not self.eof:
            self._fill(deadline)

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# ---- dig / kdig ----

def run_tool(argv, timeout=TOOL_TIMEOUT):
    return subprocess.run(argv, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


def dig(site, *args, host="127.0.0.1"):
    r = run_tool(["dig", "@" + host, "-p", str(site.port), "+norec",
                  "+time=2", "+tries=1"] + list(args))
    return r.stdout + r.stderr


def kdig(site, *args, host="127.0.0.1"):
    r = run_tool(["kdig", "@" + host, "-p", str(site.port), "+norec",
                  "+time=2", "+retry=0"] + list(args))
    return r.stdout + r.stderr


def dig_header(out):
    """(status, set of flags) from dig's or kdig's comment lines."""
    st = re.search(r"status: (\w+)", out)
    fl = re.search(r"(?i:flags): ([a-z ]*);", out)
    assert st and fl, "no header in:\n" + out
    return st.group(1), set(fl.group(1).split())


def rr_lines(out):
    """The record lines of dig output (comments and blanks dropped) as
    (owner, ttl, type, rdata) tuples."""
    rows = []
    for line in out.splitlines():
        if not line.strip() or line.startswith(";"):
            continue
        parts = line.split(None, 4)
        if len(parts) == 5 and parts[2] == "IN":
            rows.append((parts[0], int(parts[1]), parts[3], parts[4]))
    return rows


# ---- zone files as dnspython reads them ----

def zone_text_inlined(path):
    """The zone file with its $INCLUDE lines replaced by the files they
    name (dnspython resolves includes against the working directory)."""
    out = []
    for line in Path(path).read_text().splitlines():
        m = re.match(r"^\$INCLUDE\s+(\S+)", line)
        if m:
            out.append(zone_text_inlined(Path(path).parent / m.group(1)))
        else:
            out.append(line)
    return "\n".join(out) + "\n"


def zone_records(path, origin):
    """{(owner, type, rdata text)} of a master file, per dnspython."""
    z = dns.zone.from_text(zone_text_inlined(path), origin=origin,
                           relativize=False)
    recs = set()
    for name, ttl, rd in z.iterate_rdatas():
        recs.add((name.to_text().lower(), dns.rdatatype.to_text(rd.rdtype),
                  rd.to_text()))
    return recs


def sane_reply(wire):
    """True for something that parses as a DNS header with QR set."""
    return len(wire) >= 12 and wire[2] & 0x80


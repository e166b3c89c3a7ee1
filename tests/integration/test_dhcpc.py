"""inetkit dhcpc against servers nobody here wrote (dnsmasq) and against
inetkit dhcpd, in network namespaces joined by veth pairs: the lease is
applied (address, default route, resolv.conf) or handed to a script with
udhcpc's verbs and variables; renewal is unicast at T1 (checked on the
wire) and moves the server's expiry; --release frees the lease; an
address another host answers ARP for is DECLINEd; a wrong INIT-REBOOT
address is NAKed; --timeout gives up. Skips without root or netns.

Every process is started with Netns.popen and stopped by PID; every wait
has a deadline. The client is always given --resolv-conf in a temporary
directory, so the host's /etc/resolv.conf is never written.
"""
import os
import re
import signal
import subprocess
import sys
import threading
import time

import pytest

from dhcp_util import wait_until
from netns import netns_available, unique_name, veth, wait_link_up, Netns

SERVER_IP = "10.77.0.1"
WAIT = 15.0

BOUND_RE = re.compile(r"^dhcpc: bound (10\.77\.0\.\d+)/24 from 10\.77\.0\.1 "
                      r"lease (\d+)s$", re.M)

pytestmark = pytest.mark.skipif(
    not (os.geteuid() == 0 and netns_available()),
    reason="needs root and network namespaces")



class Proc:
    """A process in a namespace whose stdout and stderr are collected by
    threads, so waits on its output never block past their deadline."""

    def __init__(self, ns, argv):
        self.p = ns.popen(argv, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE)
        self.out, self.err = [], []
        self._threads = [threading.Thread(target=self._pump, args=(f, buf),
                                          daemon=True)
                         for f, buf in ((self.p.stdout, self.out),
                                        (self.p.stderr, self.err))]
        for t in self._threads:
            t.start()

    @staticmethod
    def _pump(f, buf):
        for line in iter(f.readline, b""):
            buf.append(line.decode(errors="replace"))

    def text(self):
        return "".join(self.out)

    def log(self):
        return "".join(self.out) + "".join(self.err)

    def wait_out(self, pattern, timeout=WAIT):
        rx = re.compile(pattern, re.M)
        return wait_until(lambda: rx.search(self.text()), timeout,
                          "%r in the output of %s:\n%s" % (
                              pattern, self.p.args, self.log()))

    def wait_exit(self, timeout=WAIT):
        try:
            rc = self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError("still running after %.1fs:\n%s"
                                 % (timeout, self.log()))
        for t in self._threads:
            t.join(timeout=2.0)
        return rc

    def stop(self, sig=signal.SIGTERM, timeout=5.0):
        if self.p.poll() is None:
            try:
                os.kill(self.p.pid, sig)
            except ProcessLookupError:
                pass
        try:
            return self.wait_exit(timeout)
        except AssertionError:
            os.kill(self.p.pid, signal.SIGKILL)
            self.p.wait(timeout=5.0)
            raise

    def alive(self):
        return self.p.poll() is None


class Dnsmasq:
    """dnsmasq as the DHCP server on `ifname` of `ns`, logging to a file;
    its lease file is what the tests read back."""

    def __init__(self, ns, ifname, tmp, first="10.77.0.100",
                 last="10.77.0.150", extra=()):
        self.leasefile = tmp / "dnsmasq.leases"
        self.logfile = tmp / "dnsmasq.log"
        self.leasefile.write_text("")
        argv = ["dnsmasq", "--no-daemon", "--conf-file=/dev/null",
                "--port=0", "--interface=" + ifname, "--bind-interfaces",
                "--dhcp-range=%s,%s,255.255.255.0,12s" % (first, last),
                "--dhcp-option=option:router," + SERVER_IP,
                "--dhcp-option=option:dns-server," + SERVER_IP,
                "--dhcp-option=option:domain-name,lab.test",
                "--dhcp-leasefile=%s" % self.leasefile,
                "--pid-file=%s" % (tmp / "dnsmasq.pid"),
                "--dhcp-authoritative", "--no-ping",
                "--log-facility=%s" % self.logfile, "--log-dhcp"]
        self.p = ns.popen(argv + list(extra), stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL)
        wait_until(lambda: "sockets bound" in self.log(), WAIT,
                   "dnsmasq to start")

    def log(self):
        try:
            return self.logfile.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def leases(self):
        """{mac: (expiry, ip)} from the lease file."""
        out = {}
        for line in self.leasefile.read_text().splitlines():
            f = line.split()
            if len(f) >= 3:
                out[f[1]] = (int(f[0]), f[2])
        return out

    def close(self):
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(timeout=5.0)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait(timeout=5.0)


# A sniffer for DHCP messages to port 67 arriving on an interface: one
# line per message, "DST_MAC DST_IP CIADDR TYPE".
SNIFF = r"""
import socket, struct, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
s.bind((sys.argv[1], 0))
s.settimeout(0.2)
end = time.monotonic() + float(sys.argv[2])
print("ready", flush=True)
while time.monotonic() < end:
    try:
        f, addr = s.recvfrom(65535)
    except socket.timeout:
        continue
    if addr[2] == socket.PACKET_OUTGOING or len(f) < 14 + 28:
        continue
    ip = f[14:]
    if ip[9] != 17:
        continue
    udp = ip[(ip[0] & 15) * 4:]
    if len(udp) < 8 + 240 or struct.unpack("!H", udp[2:4])[0] != 67:
        continue
    d = udp[8:]
    t, i = 0, 240
    while i + 1 < len(d) and d[i] != 255:
        if d[i] == 0:
            i += 1
            continue
        if d[i] == 53 and d[i + 1] == 1:
            t = d[i + 2]
        i += 2 + d[i + 1]
    print(f[0:6].hex(":"), socket.inet_ntoa(ip[16:20]),
          socket.inet_ntoa(d[12:16]), t, flush=True)
"""


@pytest.fixture
def inetkit(inetkit_bin):
    return os.path.abspath(inetkit_bin)


@pytest.fixture
def lan(tmp_path):
    """srv (srv0 = 10.77.0.1/24) and cli (cli0) joined by a veth pair."""
    made = []
    try:
        srv = Netns(unique_name("dcs"))
        made.append(srv)
        cli = Netns(unique_name("dcc"))
        made.append(cli)
        veth(srv, "srv0", cli, "cli0", addr_a=SERVER_IP + "/24")
        wait_link_up(cli, "cli0")
        wait_link_up(srv, "srv0")
        yield srv, cli
    finally:
        for ns in reversed(made):
            ns.delete()


_started = []
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                   "runtime error: ")


@pytest.fixture(autouse=True)
def sanitizer_check():
    """Fails a test whose dhcpc printed a sanitizer report (make asan)."""
    _started.clear()
    yield
    for c in _started:
        if c.alive():
            c.stop()
        for mark in SANITIZER_MARKS:
            assert mark not in c.log(), c.log()


def dhcpc(inetkit, cli, tmp, *args):
    argv = [inetkit, "dhcpc", "cli0", "--resolv-conf",
            str(tmp / "resolv.conf")] + [str(a) for a in args]
    c = Proc(cli, argv)
    _started.append(c)
    return c


def routes(ns):
    return ns.ip("-4", "route", "show")


# ---- against dnsmasq ----

def test_once_applies_lease(inetkit, lan, tmp_path):
    srv, cli = lan
    dm = Dnsmasq(srv, "srv0", tmp_path)
    try:
        c = dhcpc(inetkit, cli, tmp_path, "--once", "--timeout", "20")
        assert c.wait_exit(25) == 0, c.log()
        m = BOUND_RE.search(c.text())
        assert m, c.log()
        addr = m.group(1)
        assert int(m.group(2)) == 120          # dnsmasq's 2-minute floor
        assert cli.addresses("cli0") == [addr + "/24"]
        assert re.search(r"^default via 10\.77\.0\.1 dev cli0", routes(cli),
                         re.M), routes(cli)
        rc = (tmp_path / "resolv.conf").read_text()
        assert "nameserver 10.77.0.1\n" in rc
        assert "search lab.test\n" in rc
        assert dm.leases()[cli.mac("cli0")][1] == addr
        # The address carries the lease's lifetime.
        out = cli.ip("-4", "addr", "show", "dev", "cli0")
        assert re.search(r"valid_lft (1[01]\d|120)sec", out), out
    finally:
        dm.close()


SCRIPT = """#!/bin/sh
{
  printf '%%s' "$1"
  for v in interface ip subnet mask router dns domain lease serverid t1 t2
  do
    eval "x=\\${$v-UNSET}"
    printf ' %%s=%%s' "$v" "$x"
  done
  echo
} >> %s
"""


def test_script_gets_udhcpc_env(inetkit, lan, tmp_path):
    srv, cli = lan
    dm = Dnsmasq(srv, "srv0", tmp_path)
    record = tmp_path / "script.out"
    script = tmp_path / "hook.sh"
    script.write_text(SCRIPT % record)
    script.chmod(0o755)
    try:
        c = dhcpc(inetkit, cli, tmp_path, "--once", "--script", script,
                  "--timeout", "20")
        assert c.wait_exit(25) == 0, c.log()
        addr = BOUND_RE.search(c.text()).group(1)
        lines = record.read_text().splitlines()
        assert lines[0].startswith("deconfig interface=cli0 ip=UNSET"), lines
        assert len(lines) == 2, lines
        got = dict(kv.split("=", 1) for kv in lines[1].split()[1:])
        assert lines[1].split()[0] == "bound"
        assert got == {
            "interface": "cli0", "ip": addr, "subnet": "255.255.255.0",
            "mask": "24", "router": SERVER_IP, "dns": SERVER_IP,
            "domain": "lab.test", "lease": "120", "serverid": SERVER_IP,
            "t1": "60", "t2": "105"}, lines
        # The script applies the lease, not dhcpc.
        assert cli.addresses("cli0") == []
        assert not (tmp_path / "resolv.conf").exists()
    finally:
        dm.close()


def test_renews_unicast_at_t1(inetkit, lan, tmp_path):
    srv, cli = lan
    sniff = Proc(srv, [sys.executable, "-c", SNIFF, "srv0", "30"])
    sniff.wait_out("^ready$")
    # dnsmasq's leases last at least 2 minutes; T1/T2 options shorten
    # the wait for the renewal.
    dm = Dnsmasq(srv, "srv0", tmp_path, extra=(
        "--dhcp-option=option:T1,3", "--dhcp-option=option:T2,100"))
    c = dhcpc(inetkit, cli, tmp_path, "-v")
    try:
        addr = c.wait_out(BOUND_RE.pattern).group(1)
        mac = cli.mac("cli0")
        first = wait_until(lambda: dm.leases().get(mac), WAIT,
                           "the lease in dnsmasq's file")[0]
        c.wait_out(r"^dhcpc: renewed %s/24 from 10\.77\.0\.1 lease 120s$"
                   % re.escape(addr))
        wait_until(lambda: dm.leases()[mac][0] > first, WAIT,
                   "a later expiry in dnsmasq's lease file")
        # On the wire: a REQUEST (3) to the server's own MAC and address
        # with ciaddr set (RFC 2131 4.4.5), not a broadcast.
        srv_mac = srv.mac("srv0")
        want = "%s %s %s 3" % (srv_mac, SERVER_IP, addr)
        sniff.wait_out("^" + re.escape(want) + "$")
        assert "%s 255.255.255.255 0.0.0.0 1" % "ff:ff:ff:ff:ff:ff" in \
            sniff.text()    # and the DISCOVER before was broadcast
        assert c.alive()
    finally:
        c.stop()
        sniff.stop()
        dm.close()


def test_release_on_sigterm(inetkit, lan, tmp_path):
    srv, cli = lan
    dm = Dnsmasq(srv, "srv0", tmp_path)
    c = dhcpc(inetkit, cli, tmp_path, "--release")
    try:
        addr = c.wait_out(BOUND_RE.pattern).group(1)
        mac = cli.mac("cli0")
        wait_until(lambda: mac in dm.leases(), WAIT, "dnsmasq's lease")
        assert c.stop(signal.SIGTERM) == 0
        assert re.search(r"^dhcpc: released %s/24 to 10\.77\.0\.1$"
                         % re.escape(addr), c.text(), re.M), c.log()
        wait_until(lambda: mac not in dm.leases(), WAIT,
                   "the lease to leave dnsmasq's file")
        assert "DHCPRELEASE(srv0) %s" % addr in dm.log()
        assert cli.addresses("cli0") == []
        assert "default" not in routes(cli)
    finally:
        c.stop()
        dm.close()


def test_sigterm_without_release_keeps_lease(inetkit, lan, tmp_path):
    srv, cli = lan
    dm = Dnsmasq(srv, "srv0", tmp_path)
    c = dhcpc(inetkit, cli, tmp_path)
    try:
        addr = c.wait_out(BOUND_RE.pattern).group(1)
        assert c.stop(signal.SIGTERM) == 0
        assert "released" not in c.text()
        assert cli.addresses("cli0") == [addr + "/24"]
        assert cli.mac("cli0") in dm.leases()
    finally:
        c.stop()
        dm.close()


def test_init_reboot(inetkit, lan, tmp_path):
    srv, cli = lan
    dm = Dnsmasq(srv, "srv0", tmp_path)
    try:
        # An address of this subnet: asked for directly, granted.
        c = dhcpc(inetkit, cli, tmp_path, "--once", "--request",
                  "10.77.0.140", "--timeout", "20", "-v")
        assert c.wait_exit(25) == 0, c.log()
        assert BOUND_RE.search(c.text()).group(1) == "10.77.0.140"
        assert "state INIT-REBOOT -> REBOOTING" in c.log()
        assert "DISCOVER" not in c.log()
        # An address from elsewhere: NAKed, then a normal DISCOVER.
        c = dhcpc(inetkit, cli, tmp_path, "--once", "--request",
                  "10.99.0.5", "--timeout", "20")
        assert c.wait_exit(25) == 0, c.log()
        assert re.search(r"^dhcpc: nak$", c.text(), re.M), c.log()
        assert BOUND_RE.search(c.text()), c.log()
        assert "DHCPNAK(srv0) 10.99.0.5" in dm.log()
    finally:
        dm.close()


def test_timeout_without_server(inetkit, lan, tmp_path):
    _, cli = lan
    t0 = time.monotonic()
    c = dhcpc(inetkit, cli, tmp_path, "--timeout", "2")
    assert c.wait_exit(10) == 1, c.log()
    assert 1.5 < time.monotonic() - t0 < 8
    assert "no lease within 2s" in c.text()
    assert cli.addresses("cli0") == []


def test_arp_conflict_declines(inetkit, tmp_path):
    """The only address dnsmasq has is held by a squatter on the same
    bridge: the client's probe meets its ARP reply, so it DECLINEs and
    stays without an address."""
    made = []
    try:
        srv = Netns(unique_name("dcs"))
        made.append(srv)
        cli = Netns(unique_name("dcc"))
        made.append(cli)
        sq = Netns(unique_name("dcq"))
        made.append(sq)
        srv.ip("link", "add", "br0", "type", "bridge")
        srv.ip("addr", "add", SERVER_IP + "/24", "dev", "br0")
        srv.ip("link", "set", "br0", "up")
        veth(srv, "p1", cli, "cli0")
        veth(srv, "p2", sq, "sq0", addr_b="10.77.0.100/24")
        for p in ("p1", "p2"):
            srv.ip("link", "set", p, "master", "br0")
        wait_link_up(cli, "cli0")
        wait_link_up(sq, "sq0")
        dm = Dnsmasq(srv, "br0", tmp_path, first="10.77.0.100",
                     last="10.77.0.100")
        c = dhcpc(inetkit, cli, tmp_path)
        try:
            c.wait_out(r"^dhcpc: declined 10\.77\.0\.100 \(in use by %s\)$"
                       % re.escape(sq.mac("sq0")))
            wait_until(lambda: "DHCPDECLINE(br0) 10.77.0.100" in dm.log(),
                       WAIT, "dnsmasq to log the DECLINE")
            assert cli.addresses("cli0") == []
            assert "bound" not in c.text()
            assert c.alive()        # back in INIT, waiting 10 s
        finally:
            c.stop()
            dm.close()
    finally:
        for ns in reversed(made):
            ns.delete()


# ---- against inetkit dhcpd ----

DHCPD_CONF = """[inetkit]
data_dir = %(dir)s/var
user =

[dhcp]
enabled = yes
interfaces = srv0
probe = none

[subnet 10.77.0.0/24]
pool = 10.77.0.100-10.77.0.150
router = 10.77.0.1
dns = 10.77.0.1 10.77.0.2
domain = lab.test
lease_time = 8s
"""


def dhcpd_built(inetkit):
    r = subprocess.run([inetkit, "help"], capture_output=True, text=True,
                       timeout=10, stdin=subprocess.DEVNULL)
    return any(l.split()[:1] == ["dhcp"] and "not built yet" not in l
               for l in r.stdout.splitlines())


def ctl_leases(inetkit, conf):
    r = subprocess.run([inetkit, "ctl", "-c", str(conf), "dhcp", "leases"],
                       capture_output=True, text=True, timeout=10,
                       stdin=subprocess.DEVNULL)
    out = {}
    for line in r.stdout.splitlines():
        f = line.split()
        if len(f) >= 3:
            kv = dict(x.split("=", 1) for x in f[3:] if "=" in x)
            out[f[1]] = (f[0], f[2], int(kv.get("ends", "0")))
    return out


def test_inetkit_dhcpd_lease_and_renew(inetkit, lan, tmp_path):
    if not dhcpd_built(inetkit):
        pytest.skip("inetkit dhcpd not built yet")
    srv, cli = lan
    conf = tmp_path / "inetkit.conf"
    conf.write_text(DHCPD_CONF % {"dir": tmp_path})
    d = Proc(srv, [inetkit, "dhcpd", "-c", conf])
    c = None
    try:
        wait_until(lambda: "ready" in d.log(), WAIT, "dhcpd ready")
        c = dhcpc(inetkit, cli, tmp_path, "--release")
        m = c.wait_out(BOUND_RE.pattern)
        addr = m.group(1)
        assert m.group(2) == "8"
        assert cli.addresses("cli0") == [addr + "/24"]
        rc = (tmp_path / "resolv.conf").read_text()
        assert "nameserver 10.77.0.1\nnameserver 10.77.0.2\n" in rc
        mac = cli.mac("cli0")
        first = wait_until(lambda: ctl_leases(inetkit, conf).get(mac),
                           WAIT, "the lease in ctl dhcp leases")
        assert first[:2] == (addr, "bound")
        # T1 = 4 s.
        c.wait_out(r"^dhcpc: renewed %s/24 from 10\.77\.0\.1 lease 8s$"
                   % re.escape(addr), timeout=10)
        wait_until(lambda: ctl_leases(inetkit, conf)[mac][2] > first[2],
                   WAIT, "a later end in ctl dhcp leases")
        assert c.stop() == 0
        assert "released %s/24" % addr in c.text()
        wait_until(lambda: ctl_leases(inetkit, conf)[mac][1] == "released",
                   WAIT, "the lease released at the server")
    finally:
        if c is not None:
            c.stop()
        d.stop()

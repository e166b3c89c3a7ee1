"""inetkit dhcrelay: a relay agent between client links and a server
subnet, in network namespaces.

    srv  srv0 10.77.1.1/24 (server; routes to 10.77.2/24, 10.77.3/24 via rtr)
     |
    rtr  rtr0 10.77.1.2/24, rtr1 10.77.2.1/24, rtr2 10.77.3.1/24 (relay,
     |   ip_forward on)
    cli  cli0 (no address) on rtr1;  cli2  cli0 on rtr2

Real clients (busybox udhcpc, dhclient) get relayed leases from dnsmasq,
then from inetkit's own dhcpd when it is built; crafted requests (scapy)
check the hop limit, option 82 added for the server and stripped for the
client, forged option 82, reloads and malformed input.
"""
import os
import re
import subprocess
from pathlib import Path

import pytest

from conftest import SANITIZER_MARKS
from dhcp_util import (Client, DhcpServer, Dnsmasq, RawDhcp,
                       dhcp_server_built, inetkit_binary, mac_str,
                       malformed_payloads, stop_proc, wait_until,
                       workdir)  # noqa: F401 (a fixture)
from netns import Netns, netns_available, unique_name, veth, wait_link_up

CMD_TIMEOUT = 15.0
START_TIMEOUT = 10.0
RAI_KEYS = ("relay_agent_information", 82)
# dnsmasq logs the option 82 it echoes: sub-option 1, length 4, "rtr1".
RTR1_CIRCUIT = "01:04:72:74:72:31"


class RelayNet:
    def __init__(self):
        self.ns = []
        try:
            self.srv = self._ns("ikrs")
            self.rtr = self._ns("ikrr")
            self.cli = self._ns("ikrc")
            self.cli2 = self._ns("ikrd")
            veth(self.srv, "srv0", self.rtr, "rtr0",
                 addr_a="10.77.1.1/24", addr_b="10.77.1.2/24")
            veth(self.rtr, "rtr1", self.cli, "cli0", addr_a="10.77.2.1/24",
                 mac_b=mac_str(0x21))
            veth(self.rtr, "rtr2", self.cli2, "cli0", addr_a="10.77.3.1/24",
                 mac_b=mac_str(0x31))
            for ns, ifn in ((self.srv, "srv0"), (self.rtr, "rtr0"),
                            (self.rtr, "rtr1"), (self.rtr, "rtr2"),
                            (self.cli, "cli0"), (self.cli2, "cli0")):
                wait_link_up(ns, ifn)
            for net in ("10.77.2.0/24", "10.77.3.0/24"):
                self.srv.ip("route", "add", net, "via", "10.77.1.2")
            self.rtr.run(["sysctl", "-qw", "net.ipv4.ip_forward=1"])
        except Exception:
            self.delete()
            raise

    def _ns(self, prefix):
        ns = Netns(unique_name(prefix))
        self.ns.append(ns)
        return ns

    def delete(self):
        for ns in reversed(self.ns):
            ns.delete()


@pytest.fixture
def net():
    if not netns_available():
        pytest.skip("network namespaces unavailable (need root and ip netns)")
    n = RelayNet()
    yield n
    n.delete()


class Relay:
    """`inetkit dhcrelay -c CONF` in the router namespace."""

    def __init__(self, ns, workdir, **keys):
        self.ns = ns
        self.bin = inetkit_binary()
        self.dir = Path(workdir) / "relay"
        self.dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.dir, 0o755)
        self.data_dir = self.dir / "var"
        self.conf = self.dir / "inetkit.conf"
        self.log_path = self.dir / "relay.log"
        self.keys = {"enabled": "yes", "interfaces": "rtr1 rtr2",
                     "servers": "10.77.1.1", "option82": "no",
                     "max_hops": "4"}
        self.user = "nobody"
        self.write_config(**keys)
        self.proc = None
        self._log = None

    def write_config(self, **keys):
        self.keys.update(keys)
        lines = ["[inetkit]", "data_dir = %s" % self.data_dir,
                 "user = %s" % self.user, "log_level = debug",
                 "stop_timeout = 3s", "", "[dhcrelay]"]
        lines += ["%s = %s" % kv for kv in self.keys.items()]
        self.conf.write_text("\n".join(lines) + "\n")
        os.chmod(self.conf, 0o644)

    def start(self, command="dhcrelay"):
        """command: "dhcrelay" (the service alone) or "up" (under the
        supervisor, which forks it)."""
        self._log = open(self.log_path, "ab")
        self.proc = self.ns.popen([self.bin, command, "-c",
                                   str(self.conf)], cwd=str(self.dir),
                                  stdout=self._log, stderr=self._log)

        def ready():
            if self.proc.poll() is not None:
                raise AssertionError("dhcrelay exited (%s):\n%s"
                                     % (self.proc.returncode, self.log()))
            return "ready pid=" in self.log() and self.ctl_ok("help")
        wait_until(ready, START_TIMEOUT, "dhcrelay to be ready")
        return self

    def log(self):
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def ctl_run(self, *cmd):
        r = subprocess.run([self.bin, "ctl", "-c", str(self.conf),
                            "dhcrelay"] + list(cmd), capture_output=True,
                           text=True, timeout=CMD_TIMEOUT,
                           stdin=subprocess.DEVNULL)
        return r.returncode, r.stdout + r.stderr

    def ctl_ok(self, *cmd):
        return self.ctl_run(*cmd)[0] == 0

    def stats(self):
        rc, out = self.ctl_run("stats")
        assert rc == 0, out
        return {k: int(v) if v.isdigit() else v for k, v in
                (line.split("=", 1) for line in out.splitlines()
                 if "=" in line)}

    def wait_stat(self, key, at_least, timeout=5.0):
        return wait_until(lambda: self.stats()[key] >= at_least, timeout,
                          "dhcrelay %s >= %d; stats %r; log:\n%s"
                          % (key, at_least, self.stats(), self.log()[-3000:]))

    def close(self):
        """Stops it by pid; fails on a sanitizer report (an ASan build
        reports leaks at exit)."""
        rc = stop_proc(self.proc)
        if self._log is not None:
            self._log.close()
            self._log = None
        for mark in SANITIZER_MARKS:
            assert mark not in self.log(), self.log()[-6000:]
        return rc


def dnsmasq(ns, workdir):
    """dnsmasq serving the relayed subnets (and its own), logging every
    option it sends, including the option 82 it echoes."""
    d = Dnsmasq(ns, workdir)
    d.argv = ["dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--port=0",
              "--interface=srv0", "--no-ping", "--log-dhcp",
              "--log-facility=-",
              "--dhcp-range=10.77.2.100,10.77.2.150,255.255.255.0,1h",
              "--dhcp-range=10.77.3.100,10.77.3.150,255.255.255.0,1h",
              "--dhcp-range=10.77.1.100,10.77.1.150,255.255.255.0",
              "--dhcp-leasefile=%s" % (d.dir / "leases"),
              "--pid-file=%s" % (d.dir / "pid")]
    return d.start()


@pytest.fixture
def rig(net, workdir):
    """(net, relay factory, dnsmasq) with everything stopped at the end."""
    made = []

    def relay(**keys):
        r = Relay(net.rtr, workdir, **keys)
        made.append(r)
        return r.start()

    d = dnsmasq(net.srv, workdir)
    yield net, relay, d
    for r in made:
        r.close()
    d.close()


def get_lease_on(ns, workdir, kind="udhcpc"):
    c = Client(kind, ns, workdir, timeout=10).start()
    try:
        return c.wait_lease(timeout=20)
    finally:
        c.stop()


def has_rai(reply):
    return any(k in reply["options"] for k in RAI_KEYS)


def in_net(ip, prefix):
    return ip is not None and ip.startswith(prefix)


# ------------------------------------------------------------------ tests

@pytest.mark.parametrize("kind", ["udhcpc", "dhclient"])
def test_client_gets_relayed_lease(rig, workdir, kind):
    net, relay, d = rig
    r = relay()
    le = get_lease_on(net.cli, workdir, kind)
    assert in_net(le.ip, "10.77.2."), le
    assert le.server == "10.77.1.1"
    # dnsmasq gives a relayed subnet the relay's address as router.
    assert le.router == "10.77.2.1"
    st = r.stats()
    assert st["requests_forwarded"] >= 2 and st["replies_forwarded"] >= 2
    assert st["rai_added"] == 0
    # Without option 82 dnsmasq had nothing to echo.
    assert "agent-id" not in d.log()
    # The client on the other link gets its own subnet.
    le2 = get_lease_on(net.cli2, workdir)
    assert in_net(le2.ip, "10.77.3."), le2
    assert le2.router == "10.77.3.1"


def test_option82_added_and_stripped(rig, workdir):
    net, relay, d = rig
    r = relay(option82="yes")
    with RawDhcp(net.cli) as rd:
        offer, xid = rd.discover(mac_str(0x2101), timeout=5)
        assert offer is not None, r.log()[-3000:]
        assert in_net(offer["yiaddr"], "10.77.2.")
        # Delivered on the client link from the relay's address there.
        assert offer["src_ip"] == "10.77.2.1"
        assert not has_rai(offer), offer["options"]
    # The server saw it (and echoed it): circuit-id "rtr1".
    wait_until(lambda: RTR1_CIRCUIT in d.log(), 5, "dnsmasq to log the "
               "relay agent information:\n" + d.log()[-3000:])
    st = r.stats()
    assert st["rai_added"] >= 1 and st["rai_stripped"] >= 1
    # A real client is none the wiser.
    le = get_lease_on(net.cli, workdir)
    assert in_net(le.ip, "10.77.2.")
    assert not any(k.startswith("opt82") for k in le.env), le.env


def test_forged_option82_dropped(rig, workdir):
    net, relay, d = rig
    r = relay(option82="yes")
    forged = [("relay_agent_information", b"\x01\x03eve")]
    with RawDhcp(net.cli) as rd:
        reps, _ = rd.exchange(mac_str(0x2102), "discover", timeout=2,
                              options=forged)
        assert reps == []
        r.wait_stat("dropped_untrusted_rai", 1)
        # Without option82 the relay passes it on unchanged (RFC 1542).
        r.write_config(option82="no")
        rc, out = r.ctl_run("reload")
        assert rc == 0, out
        offer, _ = rd.discover(mac_str(0x2102), timeout=5, options=forged)
        assert offer is not None, r.log()[-3000:]
    # dnsmasq echoed the client's own option 82, byte for byte.
    assert "01:03:65:76:65" in d.log(), d.log()[-3000:]


def test_hop_limit(rig, workdir):
    net, relay, d = rig
    r = relay(max_hops="4")
    mac_over, mac_under = mac_str(0x2103), mac_str(0x2104)
    with RawDhcp(net.cli) as rd:
        # hops already at the limit: dropped, never reaches the server.
        reps, _ = rd.exchange(mac_over, "discover", timeout=2, hops=4)
        assert reps == []
        reps, _ = rd.exchange(mac_over, "discover", timeout=1, hops=200)
        assert reps == []
        r.wait_stat("dropped_hops", 2)
        assert mac_over not in d.log()
        # One below the limit is relayed.
        offer, _ = rd.discover(mac_under, timeout=5, hops=3)
        assert offer is not None, r.log()[-3000:]
        assert in_net(offer["yiaddr"], "10.77.2.")
    assert mac_under in d.log()
    assert r.stats()["dropped_hops"] == 2


def test_reload_rereads_addresses(rig, workdir):
    net, relay, d = rig
    net.rtr.ip("addr", "del", "10.77.2.1/24", "dev", "rtr1")
    r = relay()
    assert "if=rtr1 ifindex" in r.log() and "addr=none" in r.log()
    rc, out = r.ctl_run("interfaces")
    assert rc == 0 and re.search(r"^rtr1 .*giaddr=none", out, re.M), out
    with RawDhcp(net.cli) as rd:
        offer, _ = rd.discover(mac_str(0x2105), timeout=2)
        assert offer is None
        r.wait_stat("dropped_no_addr", 1)
        # The link gets its address; a reload picks it up.
        net.rtr.ip("addr", "add", "10.77.2.1/24", "dev", "rtr1")
        rc, out = r.ctl_run("reload")
        assert rc == 0, out
        rc, out = r.ctl_run("interfaces")
        assert re.search(r"^rtr1 .*giaddr=10\.77\.2\.1/24", out, re.M), out
        offer, _ = rd.discover(mac_str(0x2105), timeout=5)
        assert offer is not None, r.log()[-3000:]
    # The interface list itself needs a restart: the reload is refused
    # and the relay goes on as it was.
    r.write_config(interfaces="rtr1")
    rc, out = r.ctl_run("reload")
    assert rc == 1 and "error" in out, out
    assert "cannot change without a restart" in r.log()
    with RawDhcp(net.cli2) as rd:
        offer, _ = rd.discover(mac_str(0x3105), timeout=5)
        assert offer is not None and in_net(offer["yiaddr"], "10.77.3.")


def test_malformed_requests_survived(rig, workdir):
    net, relay, d = rig
    r = relay(option82="yes")
    mac = mac_str(0x2106)
    rtr_mac = net.rtr.mac("rtr1")
    with RawDhcp(net.cli) as rd:
        bad = malformed_payloads(120, mac)
        frames = [rd.frame(p) for _, p in bad]
        # Replies crafted on the client link, for giaddrs of ours and
        # not, with and without option 82: none may crash the relay.
        for i, (_, payload) in enumerate(bad[:40]):
            b = bytearray(payload)
            if len(b) > 28:
                b[0] = 2
                b[24:28] = bytes([10, 77, 2, 1]) if i % 2 else bytes(4)
            frames.append(rd.frame(bytes(b), sport=67, src_ip="10.77.2.99",
                                   dst_ip="10.77.2.1",
                                   dst_mac=rtr_mac))
        # In batches the socket buffer holds, each read before the next.
        for at in range(0, len(frames), 20):
            for f in frames[at:at + 20]:
                rd.send_frame(f)
            n = min(at + 20, len(frames))
            wait_until(lambda: r.stats()["datagrams_in"] >= n, 5,
                       "the relay to read %d datagrams: %r"
                       % (n, r.stats()))
        assert r.proc.poll() is None, r.log()[-3000:]
        st = r.stats()
        assert st["dropped_malformed"] >= 20
        offer, _ = rd.discover(mac, timeout=5)
        assert offer is not None, r.log()[-3000:]
        assert not has_rai(offer)


def test_under_supervisor(rig, workdir):
    net, relay, d = rig
    r = Relay(net.rtr, workdir, option82="yes")
    try:
        r.start("up")
        le = get_lease_on(net.cli, workdir)
        assert in_net(le.ip, "10.77.2."), le
        pid = r.stats()["pid"]
        assert pid != r.proc.pid
        # The child dropped to nobody after opening its sockets as root.
        with open("/proc/%d/status" % pid) as f:
            uid = [line.split()[1] for line in f if line.startswith("Uid:")]
        assert uid and uid[0] != "0"
        assert r.stats()["rai_added"] >= 2
    finally:
        r.close()


def test_bad_config(net, workdir):
    r = Relay(net.rtr, workdir, interfaces="")
    res = subprocess.run([r.bin, "check-config", "-c", str(r.conf)],
                         capture_output=True, text=True, timeout=CMD_TIMEOUT)
    assert res.returncode == 2 and "needs 'interfaces'" in res.stderr
    r.write_config(interfaces="rtr1", servers="[::1]:67")
    res = subprocess.run([r.bin, "check-config", "-c", str(r.conf)],
                         capture_output=True, text=True, timeout=CMD_TIMEOUT)
    assert res.returncode == 2 and "not an IPv4" in res.stderr, res.stderr
    r.write_config(servers="10.77.1.1", max_hops="17")
    res = subprocess.run([r.bin, "check-config", "-c", str(r.conf)],
                         capture_output=True, text=True, timeout=CMD_TIMEOUT)
    assert res.returncode == 2 and "max_hops" in res.stderr, res.stderr
    # An interface that does not exist stops the start, naming it.
    r.write_config(max_hops="4", interfaces="rtr1 nosuch0")
    p = net.rtr.popen([r.bin, "dhcrelay", "-c", str(r.conf)],
                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        out, _ = p.communicate(timeout=START_TIMEOUT)
    finally:
        stop_proc(p)
    assert p.returncode != 0
    assert b"nosuch0" in out, out


def test_inetkit_dhcpd_through_relay(net, workdir):
    if not dhcp_server_built():
        pytest.skip("inetkit's dhcp service is not built yet")
    subnets = {
        "10.77.1.0/24": {"pool": "10.77.1.100-10.77.1.150",
                         "router": "10.77.1.1", "lease_time": "1h"},
        "10.77.2.0/24": {"pool": "10.77.2.200-10.77.2.220",
                         "router": "10.77.2.1", "lease_time": "1h"},
        "10.77.3.0/24": {"pool": "10.77.3.200-10.77.3.220",
                         "router": "10.77.3.1", "lease_time": "1h"},
    }
    srv = DhcpServer(net.srv, workdir, interfaces="srv0", subnets=subnets,
                     dhcp={"probe": "none"})
    srv.start()
    r = Relay(net.rtr, workdir, option82="yes")
    try:
        r.start()
        got = {}
        for ns, kind, net_prefix in ((net.cli, "udhcpc", "10.77.2."),
                                     (net.cli2, "dhclient", "10.77.3.")):
            le = get_lease_on(ns, workdir, kind)
            assert in_net(le.ip, net_prefix), (le, srv.log_tail())
            n = int(le.ip.rsplit(".", 1)[1])
            assert 200 <= n <= 220, le.ip
            assert le.router == net_prefix + "1"
            assert le.server == "10.77.1.1"
            got[le.ip] = kind
        leases = {le["addr"]: le for le in srv.leases()}
        for ip in got:
            assert leases.get(ip, {}).get("state") == "bound", leases
        st = r.stats()
        assert st["rai_added"] >= 4 and st["rai_stripped"] >= 4
        with RawDhcp(net.cli) as rd:
            offer, _ = rd.discover(mac_str(0x2107), timeout=5)
            assert offer is not None and not has_rai(offer)
    finally:
        r.close()
        srv.close()

"""inetkit's DHCP server against real clients (ISC dhclient, busybox
udhcpc, dhcpcd) and crafted packets, each in a pair of network namespaces
made and deleted per test (see dhcp_util.py). Skips without root or
netns; every wait is bounded."""
import ipaddress
import os
import random
import shutil
import signal
import time

import pytest

from conftest import SANITIZER_MARKS
from dhcp_util import (CLIENT_KINDS, SERVER_IP, SRV_IF, Client,
                       DhcpServer, Dnsmasq, RawDhcp, Sniffer, dhcp_server_built,
                       get_lease, inetkit_binary, lan, mac_str,  # noqa: F401
                       malformed_payloads, wait_until, workdir)

POOL_LO, POOL_HI = "10.77.0.100", "10.77.0.199"
DNS = ["10.77.0.1", "10.77.0.2"]


def in_pool(ip, lo=POOL_LO, hi=POOL_HI):
    a = ipaddress.IPv4Address(ip)
    return ipaddress.IPv4Address(lo) <= a <= ipaddress.IPv4Address(hi)


def need(kind):
    exe = {"dhclient": "dhclient", "udhcpc": "busybox",
           "dhcpcd": "dhcpcd"}[kind]
    if shutil.which(exe) is None:
        pytest.skip("%s not installed" % exe)


@pytest.fixture
def dhcpd(lan, workdir):
    """dhcpd(mode="dhcpd"|"up", **conf) -> DhcpServer started in lan.srv
    and ready. At teardown: stopped by pid; the test fails if a server
    died on its own or a sanitizer reported."""
    binary = inetkit_binary()
    if not os.access(binary, os.X_OK):
        pytest.fail("inetkit binary %s missing (INETKIT_BIN)" % binary)
    if not dhcp_server_built(binary):
        pytest.skip("%s has no DHCP server yet" % binary)
    made = []

    def start(mode="dhcpd", wait=True, **conf):
        s = DhcpServer(lan.srv, workdir / ("srv%d" % len(made)), mode=mode,
                       binary=binary, **conf)
        s.expect_exit = False
        made.append(s)
        try:
            s.start(wait=wait)
        except Exception:
            s.expect_exit = True        # already reported
            raise
        return s

    yield start
    bad = []
    for s in made:
        rc = s.proc.poll() if s.proc else None
        if rc is not None and not s.expect_exit:
            bad.append("server exited on its own (%s); log:\n%s"
                       % (rc, s.log_tail()))
        rc = s.stop()
        if rc != 0 and not s.expect_exit:
            bad.append("server exited %s after SIGTERM; log:\n%s"
                       % (rc, s.log_tail()))
        s.close()
        for mark in SANITIZER_MARKS:
            if mark in s.log():
                bad.append("%s in the server log:\n%s" % (mark, s.log()))
                break
    if bad:
        pytest.fail("\n\n".join(bad), pytrace=False)


def check_lease(le, lease_time=3600, t1=None, t2=None, pool=True):
    assert le.ip and (in_pool(le.ip) or not pool), le
    assert le.prefix == 24, le
    assert le.router == SERVER_IP, le
    assert le.dns == DNS, le
    assert le.domain == "lab.test", le
    assert le.lease == lease_time, le
    assert le.server == SERVER_IP, le
    # dhclient and dhcpcd ask for T1/T2 (options 58/59) and export them.
    if le.kind != "udhcpc":
        assert le.t1 == (t1 if t1 is not None else lease_time // 2), le
        assert le.t2 == (t2 if t2 is not None else lease_time * 7 // 8), le


def wait_state(srv, addr, state, timeout=5.0):
    """The ctl leases line for addr once it shows state."""
    last = []

    def get():
        last[:] = srv.leases()
        for le in last:
            if le["addr"] == addr and le["state"] == state:
                return le
        return None
    try:
        return wait_until(get, timeout, "%s %s" % (addr, state))
    except AssertionError:
        raise AssertionError("ctl leases never showed %s %s; last: %r; "
                             "log:\n%s" % (addr, state, last, srv.log_tail()))


# ------------------------------------------------------------ the harness

def test_harness_against_dnsmasq(lan, workdir):
    """The client runners themselves, against a reference server: if this
    fails, the tests below say nothing about inetkit."""
    if shutil.which("dnsmasq") is None:
        pytest.skip("dnsmasq not installed")
    d = Dnsmasq(lan.srv, workdir).start()
    try:
        for kind in CLIENT_KINDS:
            if shutil.which("busybox" if kind == "udhcpc" else kind) is None:
                continue
            lan.reset_client()
            le = get_lease(kind, lan.cli, workdir)
            check_lease(le)
    finally:
        d.close()


# ------------------------------------------------------------ basic leases

@pytest.mark.parametrize("kind", CLIENT_KINDS)
def test_client_gets_lease(lan, workdir, dhcpd, kind):
    need(kind)
    srv = dhcpd()
    mac = mac_str(0x10)
    lan.reset_client(mac)
    host = "h-" + kind
    # dhclient and udhcpc: the hook applies the lease; dhcpcd applies it
    # itself (real mode, not -T).
    c = Client(kind, lan.cli, workdir, apply=True, hostname=host).start()
    try:
        le = c.wait_lease()
        check_lease(le)
        wait_until(lambda: "%s/24" % le.ip in lan.client_addrs(), 5,
                   "%s on cli0" % le.ip)
    finally:
        c.stop()
    line = wait_state(srv, le.ip, "bound")
    assert line["mac"] == mac
    assert abs(int(line["ends"]) - (time.time() + 3600)) < 30, line
    assert line.get("hostname") == host, line
    # udhcpc and dhcpcd (clientid) send 01+MAC; dhclient sends none.
    want_cid = "-" if kind == "dhclient" else "01" + mac.replace(":", "")
    assert line.get("cid") == want_cid, line


def test_dhcpcd_test_mode_sees_offer(lan, workdir, dhcpd):
    """dhcpcd -T stops at the OFFER: the offer alone carries the options,
    and the server holds the address as offered, not bound."""
    need("dhcpcd")
    srv = dhcpd()
    mac = mac_str(0x11)
    lan.reset_client(mac)
    c = Client("dhcpcd", lan.cli, workdir, test=True).start()
    try:
        le = c.wait_lease(reasons=("TEST",))
        c.wait_exit()
    finally:
        c.stop()
    assert le.reason == "TEST"
    check_lease(le)
    assert lan.client_addrs() == []
    line = wait_state(srv, le.ip, "offered")
    assert line["mac"] == mac


@pytest.mark.parametrize("kind", CLIENT_KINDS)
def test_same_client_same_address(lan, workdir, dhcpd, kind):
    """A client that forgot its lease (fresh state: DISCOVER again) gets
    the same address back; another MAC gets another address."""
    need(kind)
    dhcpd()
    lan.reset_client(mac_str(0x20))
    first = get_lease(kind, lan.cli, workdir)
    lan.reset_client()
    again = get_lease(kind, lan.cli, workdir)
    assert again.ip == first.ip, (first, again)
    lan.reset_client(mac_str(0x21))
    other = get_lease(kind, lan.cli, workdir)
    assert other.ip != first.ip and in_pool(other.ip)


def test_dhclient_init_reboot_gets_ack(lan, workdir, dhcpd):
    """dhclient with its old lease file starts in INIT-REBOOT (REQUEST,
    option 50, no server id) and must be ACKed for its own address."""
    need("dhclient")
    srv = dhcpd()
    lan.reset_client(mac_str(0x22))
    state = workdir / "dhclient-state"
    first = get_lease("dhclient", lan.cli, workdir, state_dir=state)
    assert first.reason == "BOUND"
    lan.reset_client()
    sn = Sniffer(lan.cli)
    try:
        again = get_lease("dhclient", lan.cli, workdir, state_dir=state)
        pk = sn.poll()
    finally:
        sn.close()
    assert again.reason == "REBOOT", again
    assert again.ip == first.ip
    types = [p["type"] for p in pk]
    assert "discover" not in [p["type"] for p in pk if p["out"]], types
    assert "ack" in types, types
    assert wait_state(srv, first.ip, "bound")


def test_host_reservation_by_mac(lan, workdir, dhcpd):
    """Reservations by MAC (a client with a client id, udhcpc, and one
    without, dhclient) and by client id; addresses outside the pool."""
    need("udhcpc")
    need("dhclient")
    cid = "01" + mac_str(0x52).replace(":", "")
    srv = dhcpd(hosts={"printer": {"mac": mac_str(0x50),
                                   "address": "10.77.0.50"},
                       "plotter": {"mac": mac_str(0x51),
                                   "address": "10.77.0.51",
                                   "hostname": "plot"},
                       "scanner": {"client_id": cid,
                                   "address": "10.77.0.52"}})
    for kind, n, want in (("udhcpc", 0x50, "10.77.0.50"),
                          ("dhclient", 0x51, "10.77.0.51"),
                          ("udhcpc", 0x52, "10.77.0.52")):
        lan.reset_client(mac_str(n))
        le = get_lease(kind, lan.cli, workdir)
        assert le.ip == want, (kind, le)
        check_lease(le, pool=False)
    for addr, n, host in (("10.77.0.50", 0x50, "printer"),
                          ("10.77.0.51", 0x51, "plot"),
                          ("10.77.0.52", 0x52, "scanner")):
        line = wait_state(srv, addr, "bound")
        assert line["mac"] == mac_str(n), line
        assert line.get("hostname") == host, line
    # Anyone else gets a pool address, never a reserved one.
    lan.reset_client(mac_str(0x53))
    le = get_lease("udhcpc", lan.cli, workdir)
    assert in_pool(le.ip), le


# ------------------------------------------------------------ timers

def _dhclient_with_short_lease(lan, workdir, dhcpd, mac, lease=8, t1=None,
                               t2=None):
    srv = dhcpd(subnets={"10.77.0.0/24": {
        "lease_time": "%ds" % lease, "t1": t1 and "%ds" % t1,
        "t2": t2 and "%ds" % t2}})
    lan.reset_client(mac)
    sn = Sniffer(lan.cli)
    c = Client("dhclient", lan.cli, workdir, apply=True, oneshot=False)
    c.start()
    bound = c.wait_lease(reasons=("BOUND",))
    # Defaults: T1 50%, T2 87.5% of the lease.
    assert bound.lease == lease, bound
    assert bound.t1 == (t1 or lease // 2), bound
    assert bound.t2 == (t2 or lease * 7 // 8), bound
    wait_until(lambda: "%s/24" % bound.ip in lan.client_addrs(), 5,
               "the address on cli0")
    return srv, sn, c, bound


def test_renew_is_unicast_at_t1(lan, workdir, dhcpd):
    need("dhclient")
    srv, sn, c, bound = _dhclient_with_short_lease(lan, workdir, dhcpd,
                                                   mac_str(0x30))
    try:
        ends0 = int(wait_state(srv, bound.ip, "bound")["ends"])
        t0 = time.monotonic()
        renew = c.wait_lease(reasons=("RENEW",), timeout=9)
        took = time.monotonic() - t0
        pk = sn.poll()
    finally:
        c.stop()
        sn.close()
    assert renew.ip == bound.ip and renew.lease == 8, renew
    assert took < 7, "RENEW after %.1fs; T1 is 4s" % took
    reqs = [p for p in pk if p["out"] and p["type"] == "request" and
            p["ciaddr"] == bound.ip]
    assert reqs, pk
    # RENEWING: unicast to the server, ciaddr filled (RFC 2131 4.4.5).
    assert reqs[0]["dst_ip"] == SERVER_IP, reqs
    acks = [p for p in pk if not p["out"] and p["type"] == "ack" and
            p["i"] > reqs[0]["i"]]
    assert acks and acks[0]["dst_ip"] == bound.ip, pk
    ends1 = int(wait_state(srv, bound.ip, "bound")["ends"])
    assert ends1 > ends0, (ends0, ends1)


def test_rebind_is_broadcast_after_t2(lan, workdir, dhcpd):
    """The client cannot reach the server by unicast (a blackhole route
    for the server's address in the client namespace), so RENEWING fails
    and at T2 it broadcasts; the server must answer that REBIND. T1 and
    T2 set explicitly: dhclient's retransmissions are jittered, and with
    the default T2 (7s of 8s) it sometimes lets the lease expire first."""
    need("dhclient")
    srv, sn, c, bound = _dhclient_with_short_lease(
        lan, workdir, dhcpd, mac_str(0x31), lease=12, t1=3, t2=6)
    try:
        lan.cli.ip("route", "add", "blackhole", "%s/32" % SERVER_IP)
        ends0 = int(wait_state(srv, bound.ip, "bound")["ends"])
        rebind = c.wait_lease(reasons=("REBIND", "RENEW"), timeout=12)
        pk = sn.poll()
    finally:
        c.stop()
        sn.close()
    # ISC dhclient calls its script with RENEW after a rebind too (it
    # stays in RENEWING and broadcasts once T2 has passed); dhcpcd would
    # say REBIND. What matters is on the wire.
    assert rebind.ip == bound.ip and rebind.lease == 12
    log = c.log()
    assert "to %s port 67" % SERVER_IP in log and "Failed to send" in log, \
        "the unicast RENEW was not attempted and blocked:\n" + log
    reqs = [p for p in pk if p["out"] and p["type"] == "request" and
            p["ciaddr"] == bound.ip]
    assert reqs and all(p["dst_ip"] == "255.255.255.255" for p in reqs), \
        "requests that left cli0: %r" % reqs
    assert any(not p["out"] and p["type"] == "ack" for p in pk
               if p["i"] > reqs[0]["i"]), pk
    ends1 = int(wait_state(srv, bound.ip, "bound")["ends"])
    assert ends1 > ends0


# ------------------------------------------------------------ release

@pytest.mark.parametrize("kind", CLIENT_KINDS)
def test_release_frees_address(lan, workdir, dhcpd, kind):
    """Pool of one: after A releases, B (another MAC) can have it."""
    need(kind)
    srv = dhcpd(subnets={"10.77.0.0/24": {
        "pool": "10.77.0.100-10.77.0.100"}})
    lan.reset_client(mac_str(0x40))
    c = Client(kind, lan.cli, workdir, apply=True, oneshot=False,
               release_on_exit=True).start()
    try:
        le = c.wait_lease()
        assert le.ip == "10.77.0.100"
        wait_until(lambda: "10.77.0.100/24" in lan.client_addrs(), 5,
                   "the address on cli0")
        wait_state(srv, le.ip, "bound")
        c.release()
    finally:
        c.stop()
    line = wait_state(srv, "10.77.0.100", "released")
    assert line["mac"] == mac_str(0x40)
    lan.reset_client(mac_str(0x41))
    other = get_lease("udhcpc" if shutil.which("busybox") else kind,
                      lan.cli, workdir)
    assert other.ip == "10.77.0.100"
    line = wait_state(srv, "10.77.0.100", "bound")
    assert line["mac"] == mac_str(0x41)


# ------------------------------------------------------------ crafted

def test_decline_quarantines_address(lan, workdir, dhcpd):
    srv = dhcpd(subnets={"10.77.0.0/24": {
        "pool": "10.77.0.100-10.77.0.101"}})
    a, b, c = mac_str(0x60), mac_str(0x61), mac_str(0x62)
    with RawDhcp(lan.cli) as rd:
        ack = rd.dora(a)
        x = ack["yiaddr"]
        payload, _ = rd.bootp(a, "decline", options=[
            ("requested_addr", x), ("server_id", SERVER_IP)])
        rd.send_frame(rd.frame(payload))
        line = wait_state(srv, x, "declined")
        assert int(line["ends"]) > time.time() + 1800, line  # 1h hold
        offer, _ = rd.discover(b)
        assert offer and offer["yiaddr"] != x, offer
        y = rd.dora(b)["yiaddr"]
        assert y != x
        # Both addresses are taken now: one declined, one bound.
        offer, _ = rd.discover(c, timeout=2.5)
        assert offer is None, "offered %s from a pool of a declined and " \
            "a bound address" % offer["yiaddr"]


def test_init_reboot_wrong_address_gets_nak(lan, workdir, dhcpd):
    srv = dhcpd()
    with RawDhcp(lan.cli) as rd:
        # Moved from another network: address outside every subnet.
        reps, _ = rd.exchange(mac_str(0x70), "request", want={"nak", "ack"},
                              options=[("requested_addr", "10.99.0.5")])
        naks = [r for r in reps if r["type"] == "nak"]
        assert naks, "no NAK: %r; log:\n%s" % (reps, srv.log_tail())
        assert not [r for r in reps if r["type"] == "ack"]
        # giaddr 0: a NAK is broadcast (RFC 2131 4.1), with a server id.
        assert naks[0]["dst_ip"] == "255.255.255.255", naks
        assert naks[0]["options"].get("server_id") == SERVER_IP, naks
        # Inside the subnet, but bound to someone else.
        taken = rd.dora(mac_str(0x71))["yiaddr"]
        reps, _ = rd.exchange(mac_str(0x72), "request", want={"nak", "ack"},
                              options=[("requested_addr", taken)])
        assert [r["type"] for r in reps] == ["nak"], reps
    assert srv.lease_of(taken)["mac"] == mac_str(0x71)


def test_pool_exhaustion(lan, workdir, dhcpd):
    need("udhcpc")
    srv = dhcpd(subnets={"10.77.0.0/24": {
        "pool": "10.77.0.100-10.77.0.101"}})
    got = {}
    for n in (0x80, 0x81):
        lan.reset_client(mac_str(n))
        got[n] = get_lease("udhcpc", lan.cli, workdir).ip
    assert sorted(got.values()) == ["10.77.0.100", "10.77.0.101"]
    lan.reset_client(mac_str(0x82))
    mark = len(srv.log())
    c = Client("udhcpc", lan.cli, workdir, timeout=3).start()
    try:
        rc = c.wait_exit(timeout=12)
    finally:
        c.stop()
    assert rc != 0 and c.leases() == [], c.log()
    new_log = srv.log()[mark:]
    assert any("pool" in line and ("exhaust" in line or "no offer" in line
                                   or "full" in line)
               for line in new_log.splitlines()), new_log
    # The server still answers the clients it has room for.
    lan.reset_client(mac_str(0x80))
    assert get_lease("udhcpc", lan.cli, workdir).ip == got[0x80]


@pytest.mark.parametrize("mode", ["up", "dhcpd"])
def test_leases_survive_kill9(lan, workdir, dhcpd, mode):
    need("udhcpc")
    srv = dhcpd(mode=mode)
    mac = mac_str(0x90)
    lan.reset_client(mac)
    ip = get_lease("udhcpc", lan.cli, workdir).ip
    wait_state(srv, ip, "bound")
    pid = srv.service_pid()
    if mode == "up":
        assert pid != srv.proc.pid, "stats pid should be the dhcp child"
        srv.kill9(pid)
        # The supervisor restarts the child; it must reload the journal.
        srv.wait_ready(after=len(srv.ready_pids()), timeout=15)
        assert srv.service_pid() != pid
    else:
        srv.kill9()
        srv.start()
    line = wait_state(srv, ip, "bound", timeout=3)
    assert line["mac"] == mac
    lan.reset_client()
    assert get_lease("udhcpc", lan.cli, workdir).ip == ip
    lan.reset_client(mac_str(0x91))
    assert get_lease("udhcpc", lan.cli, workdir).ip != ip


def test_malformed_packets_do_not_stop_the_server(lan, workdir, dhcpd):
    need("udhcpc")
    srv = dhcpd()
    srv_mac = lan.srv.mac(SRV_IF)
    pid = srv.service_pid()
    rnd = random.Random(99)
    with RawDhcp(lan.cli) as rd:
        sc = rd.sc
        frames = []
        for i, (what, payload) in enumerate(
                malformed_payloads(1000, mac_str(0xa0))):
            if i % 2:
                # Unicast to the server's address (a relay's path).
                f = rd.frame(payload, dst_mac=srv_mac, src_ip="10.77.0.9",
                             dst_ip=SERVER_IP, sport=rnd.choice([67, 68]))
            else:
                f = rd.frame(payload)
            if i % 50 == 7:
                # A UDP length that disagrees with the datagram.
                f[sc.UDP].len = rnd.choice([0, 8, 9, 2000])
            frames.append(bytes(f))
        t0 = time.monotonic()
        for i, f in enumerate(frames):
            rd.send_frame(f)
            if i % 100 == 99:
                time.sleep(0.02)      # let the server keep up
        assert time.monotonic() - t0 < 30
    time.sleep(0.5)
    assert srv.proc.poll() is None, srv.log_tail()
    assert srv.service_pid() == pid, "the dhcp service restarted"
    st = srv.stats()
    print("stats after the malformed burst:", st)
    # Most of them reached the server (the kernel drops the ones whose
    # UDP length is wrong) and it counted them as malformed.
    assert int(st.get("received", 0)) >= 500, st
    assert int(st.get("malformed", 0)) >= 300, st
    lan.reset_client(mac_str(0xa1))
    le = get_lease("udhcpc", lan.cli, workdir)
    check_lease(le)


def test_probe_skips_address_in_use(lan, workdir, dhcpd):
    # A host the server does not know already uses the first pool address:
    # the client namespace holds it on lo, and Linux answers ARP probes
    # for any local address. The server must not offer it.
    need("udhcpc")
    lan.cli.ip("addr", "add", "%s/32" % POOL_LO, "dev", "lo")
    srv = dhcpd()
    lan.reset_client(mac_str(0xb0))
    le = get_lease("udhcpc", lan.cli, workdir)
    assert le.ip != POOL_LO and in_pool(le.ip), le
    line = wait_state(srv, POOL_LO, "declined")
    assert line["mac"] == "00:00:00:00:00:00", line
    st = srv.stats()
    assert int(st["conflicts"]) >= 1 and int(st["probes"]) >= 2, st
    assert "answered a probe" in srv.log()


def test_dropped_privileges_keep_the_journal(lan, workdir, dhcpd):
    # As a supervised child running as nobody: the journal is written
    # after the drop, and a restarted child (root again, then nobody)
    # reads and rewrites it.
    need("udhcpc")
    os.chmod(str(workdir), 0o755)
    srv = dhcpd(mode="up", inetkit={"user": "nobody"})
    pid = srv.service_pid()
    with open("/proc/%d/status" % pid) as f:
        uids = [ln.split()[1:] for ln in f if ln.startswith("Uid:")][0]
    import pwd
    nobody = pwd.getpwnam("nobody").pw_uid
    assert all(int(u) == nobody for u in uids), uids
    lan.reset_client(mac_str(0xb1))
    ip = get_lease("udhcpc", lan.cli, workdir).ip
    journal = srv.data_dir / "dhcp" / "leases"
    assert os.stat(str(journal)).st_uid == nobody
    assert ip in journal.read_text()
    srv.kill9(pid)
    srv.wait_ready(after=len(srv.ready_pids()), timeout=15)
    assert wait_state(srv, ip, "bound", timeout=3)["mac"] == mac_str(0xb1)


def test_reload_changes_options_and_keeps_leases(lan, workdir, dhcpd):
    # README: reload rereads subnets, pools, options and reservations and
    # keeps every lease. A broken config is refused and the old one serves.
    need("udhcpc")
    srv = dhcpd()
    lan.reset_client(mac_str(0xc0))
    first = get_lease("udhcpc", lan.cli, workdir)
    assert first.domain == "lab.test", first
    srv.write_config(subnets={"10.77.0.0/24": {
        "domain": "reloaded.test", "pool": "10.77.0.150-10.77.0.160"}})
    srv.ctl("reload")
    assert wait_state(srv, first.ip, "bound")["mac"] == mac_str(0xc0)
    lan.reset_client(mac_str(0xc1))
    second = get_lease("udhcpc", lan.cli, workdir)
    assert second.domain == "reloaded.test", second
    assert in_pool(second.ip, "10.77.0.150", "10.77.0.160"), second
    # A config the server cannot use leaves the running one in place.
    # (SIGHUP: `inetkit ctl` itself refuses to read a broken config.)
    good = srv.conf.read_text()
    mark = len(srv.log())
    srv.conf.write_text(good.replace("pool = 10.77.0.150-10.77.0.160",
                                     "pool = 10.99.0.1-10.99.0.2"))
    os.kill(srv.proc.pid, signal.SIGHUP)
    wait_until(lambda: "outside the subnet" in srv.log()[mark:], 5,
               "the reload to be refused")
    srv.conf.write_text(good)
    lan.reset_client(mac_str(0xc2))
    third = get_lease("udhcpc", lan.cli, workdir)
    assert third.domain == "reloaded.test", third
    assert in_pool(third.ip, "10.77.0.150", "10.77.0.160"), third
    assert wait_state(srv, first.ip, "bound")["mac"] == mac_str(0xc0)

"""DHCP integration helpers: a server namespace and a client namespace
joined by a veth pair, `inetkit dhcpd` (or dnsmasq, to check the harness)
running in the server namespace, real clients (dhclient, busybox udhcpc,
dhcpcd) in the client namespace that report the lease they got through a
hook script, and raw DHCP exchanges over an AF_PACKET socket made in the
client namespace (scapy builds and parses the packets).

Fixtures (import them into the test module):
  lan         Lan: srv (Netns, srv0 = 10.77.0.1/24), cli (Netns, cli0),
              both deleted at teardown; skips without root/netns
  workdir     a fresh directory under /tmp (short paths for unix sockets),
              removed at teardown

Every wait has a deadline; every process is started in a namespace with
Netns.popen and killed by pid (the namespace's delete() catches any left).
Clients never touch the host's files: each runs in the private mount
namespace `ip netns exec` makes, with /etc/resolv.conf bind-mounted over
by a scratch file (and, for dhcpcd, tmpfs on /run and a scratch dir on
/var/lib/dhcpcd).
"""
import ipaddress
import os
import random
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from conftest import pid_alive
from netns import Netns, netns_available, unique_name, veth, wait_link_up

REPO = Path(__file__).resolve().parents[2]
SERVER_IP = "10.77.0.1"
SUBNET = "10.77.0.0/24"
SRV_IF = "srv0"
CLI_IF = "cli0"
START_TIMEOUT = 10.0
CMD_TIMEOUT = 15.0
STOP_TIMEOUT = 5.0
POLL = 0.05

CLIENT_KINDS = ("dhclient", "udhcpc", "dhcpcd")


def inetkit_binary():
    # Absolute: the server runs with its own directory as cwd.
    return os.path.abspath(os.environ.get("INETKIT_BIN") or
                           str(REPO / "build" / "inetkit"))


def wait_until(pred, timeout, what, interval=POLL):
    """pred() until truthy (returned); AssertionError after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() >= deadline:
            raise AssertionError("timed out after %.1fs waiting for %s"
                                 % (timeout, what))
        time.sleep(interval)



def stop_proc(proc, sig=signal.SIGTERM, timeout=STOP_TIMEOUT):
    """Signals proc by pid, waits, SIGKILLs if needed; returns rc."""
    if proc is None:
        return None
    if proc.poll() is None:
        try:
            os.kill(proc.pid, sig)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            try:
                os.kill(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                pass
    return proc.returncode


def mac_str(n):
    """A locally administered unicast MAC from a small number."""
    return "52:54:00:%02x:%02x:%02x" % ((n >> 16) & 0xff, (n >> 8) & 0xff,
                                        n & 0xff)


def mac_bytes(mac):
    return bytes(int(x, 16) for x in mac.split(":"))


# ---------------------------------------------------------------- topology

class Lan:
    """srv0 (10.77.0.1/24) in srv <-> cli0 (no address) in cli."""

    def __init__(self):
        self.srv = Netns(unique_name("iks"))
        try:
            self.cli = Netns(unique_name("ikc"))
            veth(self.srv, SRV_IF, self.cli, CLI_IF,
                 addr_a="%s/24" % SERVER_IP, mac_b=mac_str(1))
            wait_link_up(self.srv, SRV_IF)
            wait_link_up(self.cli, CLI_IF)
        except Exception:
            self.delete()
            raise

    def delete(self):
        # Clients first: they live in cli; then the server.
        for ns in (getattr(self, "cli", None), self.srv):
            if ns is not None:
                ns.delete()

    def reset_client(self, mac=None):
        """Forgets what a previous client did on cli0: addresses and
        routes flushed, optionally a new MAC."""
        self.cli.ip("-4", "addr", "flush", "dev", CLI_IF, check=False)
        self.cli.ip("-4", "route", "flush", "dev", CLI_IF, check=False)
        if mac:
            self.cli.set_mac(CLI_IF, mac)

    def client_mac(self):
        return self.cli.mac(CLI_IF)

    def client_addrs(self):
        return self.cli.addresses(CLI_IF)


@pytest.fixture
def lan():
    if not netns_available():
        pytest.skip("network namespaces unavailable (need root and ip netns)")
    net = Lan()
    yield net
    net.delete()


@pytest.fixture
def workdir():
    d = tempfile.mkdtemp(prefix="ikdh-", dir="/tmp")
    os.chmod(d, 0o755)
    yield Path(d)
    shutil.rmtree(d, ignore_errors=True)


# ---------------------------------------------------------------- servers

def dhcp_config(data_dir, interfaces=SRV_IF, dhcp=None, subnets=None,
                hosts=None, inetkit=None, extra=""):
    """inetkit config text. subnets: {cidr: {key: value}} (default one
    10.77.0.0/24 subnet); hosts: {name: {key: value}}; None values drop a
    key."""
    secs = [("inetkit", {"data_dir": str(data_dir), "user": "",
                         "log_level": "debug", "stop_timeout": "3s"}),
            ("echo", {"enabled": "no"}),
            ("dhcp", {"enabled": "yes", "interfaces": interfaces,
                      "probe": "arp", "probe_timeout": "300ms"})]
    secs[0][1].update(inetkit or {})
    secs[2][1].update(dhcp or {})
    if subnets is None:
        subnets = {SUBNET: {}}
    for cidr, keys in subnets.items():
        base = {"pool": "10.77.0.100-10.77.0.199", "router": SERVER_IP,
                "dns": "10.77.0.1 10.77.0.2", "domain": "lab.test",
                "lease_time": "1h"} if cidr == SUBNET else {}
        base.update(keys)
        secs.append(("subnet %s" % cidr, base))
    for name, keys in (hosts or {}).items():
        secs.append(("host %s" % name, dict(keys)))
    out = ["; written by tests/integration/dhcp_util.py"]
    for name, keys in secs:
        out.append("[%s]" % name)
        out += ["%s = %s" % (k, v) for k, v in keys.items() if v is not None]
        out.append("")
    return "\n".join(out) + extra


def _services(binary):
    r = subprocess.run([binary, "help"], capture_output=True, text=True,
                       timeout=CMD_TIMEOUT, stdin=subprocess.DEVNULL)
    out, on = {}, False
    for line in r.stdout.splitlines():
        if line.startswith("Services"):
            on = True
        elif on and line.startswith("  "):
            out[line.split()[0]] = "(not built yet)" not in line
    return out


def dhcp_server_built(binary=None):
    s = _services(binary or inetkit_binary())
    return any(s.get(n) for n in ("dhcp", "dhcpd"))


def parse_leases(text):
    """`ctl dhcp leases` lines -> [{addr, mac, state, ends, cid, ...}]."""
    out = []
    for line in text.splitlines():
        f = line.split()
        if len(f) < 3 or not re.match(r"^\d+\.\d+\.\d+\.\d+$", f[0]):
            continue
        d = {"addr": f[0], "mac": f[1].lower(), "state": f[2]}
        for kv in f[3:]:
            k, sep, v = kv.partition("=")
            if sep:
                d[k] = v
        out.append(d)
    return out


READY_RE = re.compile(r"\bready pid=(\d+)")


class DhcpServer:
    """inetkit's DHCP service in the server namespace.

    mode "dhcpd": `inetkit dhcpd -c CONF` in the foreground (falls back to
    `inetkit dhcp` when the binary names the service so); mode "up":
    `inetkit up -c CONF`, a supervisor with one dhcp child."""

    def __init__(self, ns, workdir, mode="dhcpd", binary=None, **conf):
        self.ns = ns
        self.bin = binary or inetkit_binary()
        self.mode = mode
        self.dir = Path(workdir) / "server"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.data_dir = self.dir / "var"
        self.conf = self.dir / "inetkit.conf"
        self.log_path = self.dir / "server.log"
        self.conf_kw = conf
        self.proc = None
        self._log = None
        self.starts = 0
        self.write_config()

    def write_config(self, **conf):
        self.conf_kw.update(conf)
        self.conf.write_text(dhcp_config(self.data_dir, **self.conf_kw))

    def command(self):
        if self.mode == "up":
            return "up"
        # The spec says `inetkit dhcpd`; `inetkit help` lists the service
        # as dhcp. Use whichever the binary accepts.
        r = subprocess.run([self.bin, "help", "dhcpd"], capture_output=True,
                           text=True, timeout=CMD_TIMEOUT,
                           stdin=subprocess.DEVNULL)
        return "dhcpd" if r.returncode == 0 else "dhcp"

    def start(self, wait=True):
        if self._log is None:
            self._log = open(self.log_path, "ab")
        self._log.write(b"===== start %d\n" % self.starts)
        self._log.flush()
        self.starts += 1
        self._ready_base = len(self.ready_pids())
        self.proc = self.ns.popen([self.bin, self.command(), "-c",
                                   str(self.conf)], cwd=str(self.dir),
                                  stdout=self._log, stderr=self._log)
        if wait:
            self.wait_ready()
        return self

    @property
    def ctl_path(self):
        return self.data_dir / "run" / "dhcp.sock"

    def ready_pids(self):
        """Pids from the "ready pid=N" log lines, oldest first."""
        return [int(x) for x in READY_RE.findall(self.log())]

    def wait_ready(self, timeout=START_TIMEOUT, after=None):
        """Waits for a "ready" log line newer than the last start (or than
        `after` ready lines) and a control socket that accepts; returns
        the ready pid."""
        if after is None:
            after = self._ready_base

        def ok():
            if self.proc.poll() is not None:
                raise AssertionError("inetkit exited with %s before it "
                                     "was ready; log:\n%s"
                                     % (self.proc.returncode, self.log()))
            pids = self.ready_pids()
            if len(pids) <= after:
                return False
            try:
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as u:
                    u.settimeout(1)
                    u.connect(str(self.ctl_path))
            except OSError:
                return False
            return pids[-1]
        return wait_until(ok, timeout, "the dhcp service to be ready; "
                          "log:\n%s" % self.log_tail())

    def stop(self, sig=signal.SIGTERM):
        """Stops what we started, by pid. Under `inetkit up` the supervisor
        stops its child; anything left is killed when the namespace is
        deleted."""
        return stop_proc(self.proc, sig)

    def kill9(self, pid=None):
        """SIGKILLs pid (default: the process we started) and reaps it
        when it is ours."""
        pid = pid or self.proc.pid
        os.kill(pid, signal.SIGKILL)
        if pid == self.proc.pid:
            self.proc.wait(timeout=STOP_TIMEOUT)
        else:
            wait_until(lambda: not pid_alive(pid), STOP_TIMEOUT,
                       "pid %d to die" % pid)

    def close(self):
        self.stop()
        if self._log is not None:
            self._log.close()
            self._log = None

    def log(self):
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, n=60):
        return "\n".join(self.log().splitlines()[-n:])

    def ctl(self, *command, check=True):
        r = subprocess.run([self.bin, "ctl", "-c", str(self.conf), "dhcp"]
                           + list(command), capture_output=True, text=True,
                           timeout=CMD_TIMEOUT, stdin=subprocess.DEVNULL)
        if check and r.returncode != 0:
            raise AssertionError("ctl dhcp %s failed (%d): %s%s\nlog:\n%s"
                                 % (" ".join(command), r.returncode,
                                    r.stdout, r.stderr, self.log_tail()))
        return r.stdout + r.stderr

    def leases(self):
        return parse_leases(self.ctl("leases"))

    def lease_of(self, addr=None, mac=None):
        for le in self.leases():
            if (addr is None or le["addr"] == addr) and \
                    (mac is None or le["mac"] == mac.lower()):
                return le
        return None

    def stats(self):
        out = {}
        for line in self.ctl("stats").splitlines():
            for kv in line.split():
                k, sep, v = kv.partition("=")
                if sep:
                    out[k] = v
        return out

    def service_pid(self):
        """The pid of the process running the dhcp service (the child
        under `inetkit up`)."""
        st = self.stats()
        if "pid" in st:
            return int(st["pid"])
        pids = self.ready_pids()
        return pids[-1] if pids else self.proc.pid


class Dnsmasq:
    """dnsmasq as a reference DHCP server (to check the client runners)."""

    def __init__(self, ns, workdir, pool=("10.77.0.100", "10.77.0.199"),
                 lease="1h", extra=()):
        self.ns = ns
        self.dir = Path(workdir) / "dnsmasq"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.dir / "dnsmasq.log"
        self.argv = ["dnsmasq", "--no-daemon", "--conf-file=/dev/null",
                     "--port=0", "--interface=%s" % SRV_IF,
                     "--bind-interfaces", "--no-ping", "--log-dhcp",
                     "--dhcp-range=%s,%s,255.255.255.0,%s" % (pool[0], pool[1],
                                                              lease),
                     "--dhcp-option=option:router,%s" % SERVER_IP,
                     "--dhcp-option=option:dns-server,10.77.0.1,10.77.0.2",
                     "--dhcp-option=option:domain-name,lab.test",
                     "--dhcp-leasefile=%s" % (self.dir / "leases"),
                     "--pid-file=%s" % (self.dir / "pid"),
                     "--log-facility=-"] + list(extra)
        self.proc = None
        self._log = None

    def start(self):
        self._log = open(self.log_path, "wb")
        self.proc = self.ns.popen(self.argv, stdout=self._log,
                                  stderr=self._log)
        wait_until(lambda: self.proc.poll() is not None or
                   "DHCP, IP range" in self.log(), START_TIMEOUT,
                   "dnsmasq to start")
        assert self.proc.poll() is None, self.log()
        return self

    def log(self):
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def close(self):
        stop_proc(self.proc)
        if self._log:
            self._log.close()


# ---------------------------------------------------------------- clients

# One hook script for every client: append the argv and environment to
# DUMP as one block, and, when APPLY is set, configure the address as the
# client's stock script would (dhclient and udhcpc leave that to the
# script; dhcpcd applies leases itself).
HOOK = r"""#!/bin/sh
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH
DUMP='@DUMP@'
APPLY='@APPLY@'
KIND='@KIND@'
{
	echo "@@begin $1"
	env
	echo "@@end"
} >> "$DUMP"
[ -n "$APPLY" ] || exit 0
case "$KIND" in
dhclient)
	case "$reason" in
	PREINIT)
		ip link set dev "$interface" up ;;
	BOUND|RENEW|REBIND|REBOOT)
		if [ -n "$old_ip_address" ] &&
		    [ "$old_ip_address" != "$new_ip_address" ]; then
			ip -4 addr flush dev "$interface"
		fi
		ip addr replace "$new_ip_address/$new_subnet_mask" \
		    dev "$interface" ;;
	EXPIRE|FAIL|RELEASE|STOP)
		ip -4 addr flush dev "$interface" ;;
	esac ;;
udhcpc)
	case "$1" in
	deconfig)
		ip -4 addr flush dev "$interface"
		ip link set dev "$interface" up ;;
	bound|renew)
		ip addr replace "$ip/$subnet" dev "$interface" ;;
	esac ;;
esac
exit 0
"""

# Runs the client in the private mount namespace `ip netns exec` gave
# us: nothing it writes to /etc/resolv.conf, /run or /var/lib/dhcpcd can
# reach the host.
WRAP = r"""set -e
mount --bind "$IK_RESOLV" /etc/resolv.conf
if [ -n "$IK_DHCPCD_DB" ]; then
	mount -t tmpfs -o size=4m,mode=0755 ikrun /run
	mkdir -p /run/dhcpcd
	mount --bind "$IK_DHCPCD_DB" /var/lib/dhcpcd
fi
exec "$@"
"""


class Lease(dict):
    """A normalized lease: ip, prefix, router, routers, dns, domain,
    lease, server, t1, t2, reason; missing values are None."""

    def __getattr__(self, k):
        try:
            return self[k]
        except KeyError:
            raise AttributeError(k)


def _mask_to_prefix(mask):
    if mask is None:
        return None
    if mask.isdigit():
        return int(mask)
    return ipaddress.IPv4Network("0.0.0.0/%s" % mask).prefixlen


def _int(v):
    try:
        return int(v)
    except (TypeError, ValueError):
        return None


def normalize(kind, arg, env):
    if kind == "udhcpc":
        ip, mask = env.get("ip"), env.get("subnet") or env.get("mask")
        routers = (env.get("router") or "").split()
        dns = (env.get("dns") or "").split()
        domain = env.get("domain")
        lease = _int(env.get("lease"))
        server = env.get("serverid")
        t1 = t2 = None
        reason = arg
    else:
        ip = env.get("new_ip_address")
        mask = env.get("new_subnet_cidr") or env.get("new_subnet_mask")
        routers = (env.get("new_routers") or "").split()
        dns = (env.get("new_domain_name_servers") or "").split()
        domain = env.get("new_domain_name")
        lease = _int(env.get("new_dhcp_lease_time"))
        server = env.get("new_dhcp_server_identifier")
        t1 = _int(env.get("new_dhcp_renewal_time"))
        t2 = _int(env.get("new_dhcp_rebinding_time"))
        reason = env.get("reason") or arg
    return Lease(kind=kind, reason=reason, ip=ip, prefix=_mask_to_prefix(mask),
                 router=routers[0] if routers else None, routers=routers,
                 dns=dns, domain=domain, lease=lease, server=server, t1=t1,
                 t2=t2, env=env)


BOUND_REASONS = {
    "dhclient": ("BOUND", "REBOOT", "RENEW", "REBIND"),
    "udhcpc": ("bound", "renew"),
    "dhcpcd": ("BOUND", "REBOOT", "RENEW", "REBIND", "TEST", "INFORM"),
}


class Client:
    """One DHCP client run on an interface in a namespace. start(),
    then wait_lease() / events(); stop() ends it by pid."""

    def __init__(self, kind, ns, workdir, ifname=CLI_IF, apply=False,
                 oneshot=True, test=False, release_on_exit=False,
                 timeout=10, hostname=None, request=None, noarp=True,
                 state_dir=None, extra=()):
        assert kind in CLIENT_KINDS, kind
        self.kind, self.ns, self.ifname = kind, ns, ifname
        base = Path(workdir)
        self.dir = Path(tempfile.mkdtemp(prefix=kind + "-", dir=str(base)))
        # The lease/state files may outlive one run (INIT-REBOOT tests).
        self.state = Path(state_dir) if state_dir else self.dir
        self.state.mkdir(parents=True, exist_ok=True)
        self.dump = self.dir / "events"
        self.log_path = self.dir / "client.log"
        self.script = self.dir / "hook.sh"
        self.resolv = self.dir / "resolv.conf"
        self.resolv.write_text("# scratch resolv.conf for %s\n" % kind)
        self.script.write_text(HOOK.replace("@DUMP@", str(self.dump))
                               .replace("@APPLY@", "1" if apply else "")
                               .replace("@KIND@", kind))
        os.chmod(self.script, 0o755)
        self.apply, self.oneshot, self.test = apply, oneshot, test
        self.release_on_exit = release_on_exit
        self.timeout, self.hostname, self.request = timeout, hostname, request
        self.noarp, self.extra = noarp, list(extra)
        self.proc = None
        self._log = None

    # ---- argv per client ----

    def _dhclient(self):
        conf = self.dir / "dhclient.conf"
        lines = ["timeout %d;" % self.timeout, "retry 1;",
                 "initial-interval 1;", "backoff-cutoff 2;",
                 "request subnet-mask, broadcast-address, routers, "
                 "domain-name, domain-name-servers, host-name, "
                 "dhcp-lease-time, dhcp-renewal-time, "
                 "dhcp-rebinding-time;"]
        if self.hostname:
            lines.append('send host-name "%s";' % self.hostname)
        if self.request:
            lines.append("send dhcp-requested-address %s;" % self.request)
        conf.write_text("\n".join(lines) + "\n")
        self.pidfile = self.state / "dhclient.pid"
        self.leasefile = self.state / "dhclient.leases"
        argv = ["dhclient", "-4", "-d", "-v", "-sf", str(self.script),
                "-lf", str(self.leasefile), "-pf", str(self.pidfile),
                "-cf", str(conf)]
        if self.oneshot:
            argv.append("-1")
        return argv + self.extra + [self.ifname]

    def _udhcpc(self):
        tries = max(1, self.timeout)
        argv = ["busybox", "udhcpc", "-f", "-i", self.ifname, "-s",
                str(self.script), "-t", str(tries), "-T", "1", "-A", "1"]
        if self.oneshot:
            argv += ["-q", "-n"]
        if self.release_on_exit:
            argv.append("-R")
        if self.hostname:
            argv += ["-x", "hostname:%s" % self.hostname]
        if self.request:
            argv += ["-r", self.request]
        return argv + self.extra

    def _dhcpcd(self):
        conf = self.dir / "dhcpcd.conf"
        lines = ["# private config written by dhcp_util.py",
                 "noipv4ll", "noipv6", "noipv6rs", "clientid", "nodelay",
                 "option domain_name_servers, domain_name, routers",
                 "option dhcp_lease_time, dhcp_renewal_time, "
                 "dhcp_rebinding_time",
                 "require dhcp_server_identifier"]
        if self.noarp:
            lines.append("noarp")
        if self.hostname:
            lines.append("hostname %s" % self.hostname)
        if self.request:
            lines.append("request %s" % self.request)
        if not self.release_on_exit:
            lines.append("persistent")
        conf.write_text("\n".join(lines) + "\n")
        argv = ["dhcpcd", "-f", str(conf), "-c", str(self.script), "-B",
                "-4", "-d", "-t", str(self.timeout)]
        if self.test:
            argv.append("-T")
        elif self.oneshot:
            argv.append("-1")
        return argv + self.extra + [self.ifname]

    def argv(self):
        return getattr(self, "_" + self.kind)()

    # ---- running ----

    def start(self):
        env = dict(os.environ, IK_RESOLV=str(self.resolv))
        if self.kind == "dhcpcd":
            db = self.state / "dhcpcd-db"
            db.mkdir(exist_ok=True)
            env["IK_DHCPCD_DB"] = str(db)
        else:
            env.pop("IK_DHCPCD_DB", None)
        self._log = open(self.log_path, "ab")
        self.proc = self.ns.popen(["sh", "-c", WRAP, "sh"] + self.argv(),
                                  stdout=self._log, stderr=self._log,
                                  env=env)
        return self

    def log(self):
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def events(self):
        """[(arg, env)] in order, one per hook run."""
        try:
            text = self.dump.read_text(errors="replace")
        except FileNotFoundError:
            return []
        out, cur, arg, last = [], None, None, None
        for line in text.splitlines():
            if line.startswith("@@begin"):
                cur, arg, last = {}, line[8:].strip(), None
            elif line == "@@end" and cur is not None:
                out.append((arg, cur))
                cur = None
            elif cur is not None:
                k, sep, v = line.partition("=")
                if sep and re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", k):
                    cur[k] = v
                    last = k
                elif last:
                    cur[last] += "\n" + line
        return out

    def leases(self):
        """Every hook run that carried a lease, normalized."""
        out = []
        for arg, env in self.events():
            le = normalize(self.kind, arg, env)
            if le.reason in BOUND_REASONS[self.kind] and le.ip:
                out.append(le)
        return out

    def reasons(self):
        return [normalize(self.kind, a, e).reason for a, e in self.events()]

    def wait_lease(self, timeout=None, count=1, reasons=None):
        """The count-th lease event (optionally only of the given
        reasons); fails with the client's log on timeout or early exit."""
        timeout = timeout or (self.timeout + 5)

        def got():
            ls = [le for le in self.leases()
                  if reasons is None or le.reason in reasons]
            if len(ls) >= count:
                return ls[count - 1]
            if self.proc.poll() is not None:
                # The hook may have been the last thing it did.
                ls = [le for le in self.leases()
                      if reasons is None or le.reason in reasons]
                if len(ls) >= count:
                    return ls[count - 1]
                raise AssertionError(
                    "%s exited (%s) with %d/%d leases; reasons %s; log:\n%s"
                    % (self.kind, self.proc.returncode, len(ls), count,
                       self.reasons(), self.log()[-4000:]))
            return None
        try:
            return wait_until(got, timeout, "%s lease #%d" % (self.kind,
                                                             count))
        except AssertionError as e:
            if "timed out" in str(e):
                raise AssertionError("%s; reasons %s; log:\n%s" % (
                    e, self.reasons(), self.log()[-4000:]))
            raise

    def wait_exit(self, timeout=None):
        try:
            return self.proc.wait(timeout=timeout or (self.timeout + 5))
        except subprocess.TimeoutExpired:
            raise AssertionError("%s did not exit; log:\n%s"
                                 % (self.kind, self.log()[-4000:]))

    def signal(self, sig):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, sig)

    def release(self, timeout=8.0):
        """Makes the running client send a RELEASE and exit."""
        if self.kind == "udhcpc":
            assert self.release_on_exit, "start udhcpc with release_on_exit"
            self.signal(signal.SIGTERM)
        elif self.kind == "dhcpcd":
            # dhcpcd 9: SIGALRM releases the leases and exits (SIGHUP
            # rebinds).
            self.signal(signal.SIGALRM)
        else:
            # `dhclient -r` reads the pid file, stops the running one and
            # releases the lease it recorded.
            argv = ["dhclient", "-4", "-r", "-v", "-sf", str(self.script),
                    "-lf", str(self.leasefile), "-pf", str(self.pidfile),
                    "-cf", str(self.dir / "dhclient.conf"), self.ifname]
            env = dict(os.environ, IK_RESOLV=str(self.resolv))
            r = self.ns.run(["sh", "-c", WRAP, "sh"] + argv, check=False,
                            timeout=timeout, env=env)
            with open(self.log_path, "a") as f:
                f.write("---- dhclient -r rc=%d\n%s%s" % (r.returncode,
                                                         r.stdout, r.stderr))
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError("%s did not exit after release; log:\n%s"
                                 % (self.kind, self.log()[-4000:]))

    def stop(self):
        rc = stop_proc(self.proc)
        if self.kind == "dhcpcd":
            # dhcpcd 9.4.1 -T crashes (SIGSEGV) after running the hook and
            # leaves its privsep helpers behind, deaf to SIGTERM.
            self._kill_leftovers()
        if self._log:
            self._log.close()
            self._log = None
        return rc

    def _kill_leftovers(self):
        for pid in self.ns.pids():
            try:
                with open("/proc/%d/cmdline" % pid, "rb") as f:
                    cmd = f.read()
            except OSError:
                continue
            if cmd.startswith(b"dhcpcd"):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def get_lease(kind, ns, workdir, timeout=10, **kw):
    """Runs a client once until it has a lease, stops it, returns the
    Lease (with .client for its log)."""
    c = Client(kind, ns, workdir, timeout=timeout, **kw).start()
    try:
        le = c.wait_lease(timeout=timeout + 5)
    finally:
        c.stop()
    le["client"] = c
    return le


# ------------------------------------------------------ raw DHCP over scapy

def _scapy():
    # Imported lazily: scapy takes a second to load and is not needed by
    # tests that only run real clients.
    import logging
    logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
    from scapy import all as sc
    return sc


DHCP_TYPES = {1: "discover", 2: "offer", 3: "request", 4: "decline",
              5: "ack", 6: "nak", 7: "release", 8: "inform"}


class RawDhcp:
    """Crafted DHCP from the client namespace: a packet socket on cli0
    that sends Ethernet frames and collects the server's replies."""

    def __init__(self, ns, ifname=CLI_IF):
        self.sc = _scapy()
        self.ns, self.ifname = ns, ifname
        self.sock = ns.socket(socket.AF_PACKET, socket.SOCK_RAW,
                              socket.htons(0x0003))
        self.sock.bind((ifname, 0))
        self.sock.setblocking(False)
        self.own_mac = ns.mac(ifname)

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send_frame(self, frame):
        data = bytes(frame)
        for _ in range(50):
            try:
                self.sock.send(data)
                return
            except BlockingIOError:
                select.select([], [self.sock], [], 0.1)
        raise TimeoutError("packet socket stayed full")

    def frame(self, payload, src_mac=None, dst_mac="ff:ff:ff:ff:ff:ff",
              src_ip="0.0.0.0", dst_ip="255.255.255.255", sport=68,
              dport=67):
        sc = self.sc
        return (sc.Ether(src=src_mac or self.own_mac, dst=dst_mac) /
                sc.IP(src=src_ip, dst=dst_ip) /
                sc.UDP(sport=sport, dport=dport) / sc.Raw(bytes(payload)))

    def bootp(self, mac, msgtype, xid=None, ciaddr="0.0.0.0",
              giaddr="0.0.0.0", flags=0x8000, options=(), hops=0):
        """A BOOTREQUEST as bytes; options: list of scapy DHCP option
        tuples added after message-type."""
        sc = self.sc
        xid = random.getrandbits(32) if xid is None else xid
        p = sc.BOOTP(op=1, xid=xid, flags=flags, ciaddr=ciaddr,
                     giaddr=giaddr, hops=hops,
                     chaddr=mac_bytes(mac) + b"\0" * 10) / \
            sc.DHCP(options=[("message-type", msgtype)] + list(options) +
                    ["end"])
        return bytes(p), xid

    def drain(self):
        while True:
            try:
                self.sock.recv(65535)
            except BlockingIOError:
                return

    def replies(self, xid, timeout, want=None, max_n=8):
        """Server replies (BOOTREPLY to port 68) with this xid until
        timeout or, when want (a set of type names) is given, until one
        of those arrives. Returns [{type, yiaddr, ciaddr, siaddr, options,
        dst_ip, dst_mac, src_ip}]."""
        sc = self.sc
        out = []
        deadline = time.monotonic() + timeout
        while len(out) < max_n:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            r, _, _ = select.select([self.sock], [], [], left)
            if not r:
                break
            try:
                data, addr = self.sock.recvfrom(65535)
            except BlockingIOError:
                continue
            if addr[2] == socket.PACKET_OUTGOING:
                continue
            try:
                e = sc.Ether(data)
            except Exception:
                continue
            if not e.haslayer(sc.BOOTP) or e[sc.UDP].dport != 68:
                continue
            b = e[sc.BOOTP]
            if b.op != 2 or b.xid != xid:
                continue
            opts = {}
            if e.haslayer(sc.DHCP):
                for o in e[sc.DHCP].options:
                    if isinstance(o, tuple) and len(o) >= 2:
                        opts[o[0]] = o[1] if len(o) == 2 else o[1:]
            mt = opts.get("message-type")
            rep = {"type": DHCP_TYPES.get(mt, mt), "yiaddr": b.yiaddr,
                   "ciaddr": b.ciaddr, "siaddr": b.siaddr,
                   "giaddr": b.giaddr, "options": opts,
                   "dst_ip": e[sc.IP].dst, "dst_mac": e.dst,
                   "src_ip": e[sc.IP].src}
            out.append(rep)
            if want and rep["type"] in want:
                break
        return out

    def exchange(self, mac, msgtype, timeout=3.0, want=None, **kw):
        """Sends one request (broadcast) and returns (replies, xid)."""
        payload, xid = self.bootp(mac, msgtype, **kw)
        self.drain()
        self.send_frame(self.frame(payload))
        return self.replies(xid, timeout, want=want), xid

    def discover(self, mac, timeout=3.0, **kw):
        """The OFFER for mac, or None."""
        reps, xid = self.exchange(mac, "discover", timeout=timeout,
                                  want={"offer"}, **kw)
        offers = [r for r in reps if r["type"] == "offer"]
        return (offers[0], xid) if offers else (None, xid)

    def dora(self, mac, timeout=3.0, options=()):
        """DISCOVER, OFFER, REQUEST, ACK; returns the ACK (or raises)."""
        offer, xid = self.discover(mac, timeout=timeout, options=options)
        assert offer, "no OFFER for %s" % mac
        server = offer["options"].get("server_id")
        reps, _ = self.exchange(
            mac, "request", xid=xid, timeout=timeout, want={"ack", "nak"},
            options=[("requested_addr", offer["yiaddr"]),
                     ("server_id", server)] + list(options))
        acks = [r for r in reps if r["type"] in ("ack", "nak")]
        assert acks and acks[0]["type"] == "ack", \
            "REQUEST for %s by %s: %r" % (offer["yiaddr"], mac, reps)
        assert acks[0]["yiaddr"] == offer["yiaddr"]
        return acks[0]


class Sniffer:
    """Records DHCP frames on an interface (both directions) from a
    packet socket in the namespace; poll() returns them in order ("i")."""

    def __init__(self, ns, ifname=CLI_IF):
        self.rd = RawDhcp(ns, ifname)
        self.packets = []

    def poll(self):
        """Reads what has arrived so far (non-blocking)."""
        sc = self.rd.sc
        while True:
            try:
                data, addr = self.rd.sock.recvfrom(65535)
            except BlockingIOError:
                return self.packets
            try:
                e = sc.Ether(data)
            except Exception:
                continue
            if not e.haslayer(sc.BOOTP) or not e.haslayer(sc.IP):
                continue
            b = e[sc.BOOTP]
            mt = None
            if e.haslayer(sc.DHCP):
                for o in e[sc.DHCP].options:
                    if isinstance(o, tuple) and o[0] == "message-type":
                        mt = o[1]
            self.packets.append({
                "i": len(self.packets),
                "out": addr[2] == socket.PACKET_OUTGOING,
                "type": DHCP_TYPES.get(mt, mt), "op": b.op,
                "src_ip": e[sc.IP].src, "dst_ip": e[sc.IP].dst,
                "ciaddr": b.ciaddr, "yiaddr": b.yiaddr, "xid": b.xid})

    def close(self):
        self.rd.close()


# ------------------------------------------------------ malformed packets

def malformed_payloads(n, mac, seed=1234):
    """n BOOTP payloads that are broken in the ways a server must survive:
    truncations, bad option lengths, bad overload, huge hops, wrong op,
    bad hlen, missing cookie, garbage. Returns [(what, bytes)]."""
    rnd = random.Random(seed)
    chaddr = mac_bytes(mac) + b"\0" * 10

    def header(op=1, htype=1, hlen=6, hops=0, xid=None, flags=0x8000,
               ciaddr=b"\0" * 4, giaddr=b"\0" * 4, sname=b"", file=b""):
        xid = rnd.getrandbits(32) if xid is None else xid
        return (struct.pack("!BBBBIHH", op, htype, hlen, hops, xid, 0, flags)
                + ciaddr + b"\0" * 4 + b"\0" * 4 + giaddr + chaddr +
                sname.ljust(64, b"\0")[:64] + file.ljust(128, b"\0")[:128])

    cookie = b"\x63\x82\x53\x63"
    disc = bytes([53, 1, 1])
    req = bytes([53, 1, 3, 50, 4, 10, 77, 0, 150, 54, 4, 10, 77, 0, 1])
    good = header() + cookie + disc + bytes([55, 3, 1, 3, 6, 255])

    def k_trunc():
        base = header() + cookie + (req if rnd.random() < .5 else disc) + \
            b"\xff"
        return "truncated", base[:rnd.randrange(0, len(base))]

    def k_optlen():
        code = rnd.choice([1, 3, 6, 12, 15, 50, 51, 53, 54, 55, 61, 81, 82,
                           rnd.randrange(1, 255)])
        ln = rnd.choice([0, 1, 255, rnd.randrange(2, 255)])
        body = bytes([code, ln]) + bytes(rnd.randrange(256) for _ in
                                         range(rnd.randrange(0, 8)))
        return "bad option length", header() + cookie + disc + body

    def k_overload():
        v = rnd.choice([0, 1, 2, 3, 4, 255])
        ln = rnd.choice([0, 1, 2])
        ov = bytes([52, ln]) + bytes([v] * ln)
        junk = bytes(rnd.randrange(256) for _ in range(rnd.randrange(0, 64)))
        # sname/file hold options that overload again, run past the end,
        # or never end.
        inner = rnd.choice([bytes([52, 1, 3]) * 20, bytes([53, 200]) + junk,
                            junk, bytes([0]) * 64, bytes([55, 255]) + junk])
        p = header(sname=inner, file=inner * 2) + cookie + disc + ov
        if rnd.random() < .5:
            p += b"\xff"
        return "bad overload", p

    def k_hops():
        return "huge hops", header(hops=rnd.choice([17, 100, 255]),
                                   giaddr=bytes([10, 77, 0, 9])
                                   if rnd.random() < .5 else b"\0" * 4) + \
            cookie + disc + b"\xff"

    def k_op():
        return "wrong op", header(op=rnd.choice([0, 2, 3, 255])) + cookie + \
            rnd.choice([disc, req]) + b"\xff"

    def k_hlen():
        return "bad htype/hlen", header(htype=rnd.choice([0, 6, 32, 255]),
                                        hlen=rnd.choice([0, 7, 16, 17,
                                                         255])) + \
            cookie + disc + b"\xff"

    def k_cookie():
        return "no cookie", header() + bytes(rnd.randrange(256)
                                              for _ in range(4)) + disc

    def k_msgtype():
        return "bad message type", header() + cookie + rnd.choice([
            bytes([53, 0]), bytes([53, 1, 0]), bytes([53, 1, 255]),
            bytes([53, 2, 1, 1]), disc + bytes([53, 1, 3]), b"",
            bytes([0] * 300)]) + b"\xff"

    def k_garbage():
        ln = rnd.choice([1, 10, 100, 240, 300, 576, 1400])
        g = bytes(rnd.randrange(256) for _ in range(ln))
        if rnd.random() < .5 and ln > 240:
            g = g[:236] + cookie + g[240:]
        return "garbage", g

    def k_huge():
        opts = b"".join(bytes([rnd.randrange(1, 255), 255]) +
                        bytes(255) for _ in range(4))
        return "huge options", header() + cookie + disc + opts

    def k_flip():
        b = bytearray(good)
        for _ in range(rnd.randrange(1, 12)):
            b[rnd.randrange(len(b))] = rnd.randrange(256)
        return "bit flips", bytes(b)

    kinds = [k_trunc, k_optlen, k_overload, k_hops, k_op, k_hlen, k_cookie,
             k_msgtype, k_garbage, k_huge, k_flip]
    return [kinds[i % len(kinds)]() for i in range(n)]

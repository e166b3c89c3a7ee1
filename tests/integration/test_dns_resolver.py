"""The recursive resolver (src/dns/resolver.c, recurse.c, cache.c) against
a local DNS hierarchy of real inetkit authorities, each its own instance
on its own loopback address (Linux routes all of 127/8 to lo), all on one
free port P that the resolvers are told with upstream_port = P:

  127.53.0.1   "."            root.zone (query_log on)
  127.53.0.2   "test."        test.zone (query_log on)
  127.53.0.3   example.test, lame2.test, lame3.test, dead2.test
  127.53.0.4   other.test, sub.example.test (sub is delegated glue-less
               to ns.other.test)
  127.53.0.5   a Python fake for spoof.test: forges and poisons
  127.53.0.7   a Python fake that is lame for lame2.test (REFUSED)
  127.53.0.13  the same for lame3.test (an upward referral)
  127.53.0.8   a socket on P that only sends forged answers
  127.53.0.6, .10, .11, .12   sockets that swallow queries (silent.test)
  127.53.0.9   nothing at all (dead.test, dead2.test)

Zone data: tests/integration/data/resolver. The hierarchy is shared by
the module; each test makes its own resolvers (a cold cache), stopped by
PID at teardown. Every wait is bounded."""
import errno
import os
import random
import select
import shutil
import signal
import socket
import struct
import threading
import time
from pathlib import Path

import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import dns.rrset
import pytest

from conftest import SANITIZER_MARKS, Site, free_port, parse_kv, wait_for
from dns_util import dig_header, rr_lines, run_tool

DATA = Path(__file__).resolve().parent / "data" / "resolver"

ROOT_IP, TLD_IP, LEAF_IP, OTHER_IP = ("127.53.0.1", "127.53.0.2",
                                      "127.53.0.3", "127.53.0.4")
SPOOF_IP, LAME_IP, FORGER_IP, DEAD_IP = ("127.53.0.5", "127.53.0.7",
                                         "127.53.0.8", "127.53.0.9")
LAME3_IP = "127.53.0.13"
SILENT_IPS = ("127.53.0.6", "127.53.0.10", "127.53.0.11", "127.53.0.12")
ALL_IPS = (ROOT_IP, TLD_IP, LEAF_IP, OTHER_IP, SPOOF_IP, LAME_IP, FORGER_IP,
           DEAD_IP, LAME3_IP) + SILENT_IPS

RESOLVE_TIMEOUT = 2.0           # resolve_timeout of every resolver here
SLACK = 0.7                     # scheduling, ctl, Python
Q_TIMEOUT = 5.0                 # one client exchange (> RESOLVE_TIMEOUT)
BOGUS = "6.6.6.6"               # what the fakes forge

NOERROR, NXDOMAIN, SERVFAIL, REFUSED = (dns.rcode.NOERROR, dns.rcode.NXDOMAIN,
                                        dns.rcode.SERVFAIL, dns.rcode.REFUSED)


# ---- ports ----

def free_port_on(addrs):
    """A port free for UDP and TCP on every address in addrs."""
    for _ in range(50):
        port = free_port()
        try:
            for host in addrs:
                for typ in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
                    with socket.socket(socket.AF_INET, typ) as s:
                        s.bind((host, port))
        except OSError as e:
            if e.errno == errno.EADDRNOTAVAIL:
                pytest.skip("cannot bind %s: 127/8 is not all on lo" % host)
            continue
        return port
    raise RuntimeError("no port free on %s" % (addrs,))


# ---- inetkit instances ----

class DnsNode(Site):
    """A conftest Site running [dns] only, on `listen`, with zones copied
    from tests/integration/data/resolver beside its config (readable by a
    child running as nobody)."""

    def __init__(self, binary, tmp_path, listen, dns=None, zones=None,
                 files=()):
        super().__init__(binary, tmp_path, sections={
            "echo": {"enabled": "no"}})
        self.zone_dir = self.dir / "zones"
        self.zone_dir.mkdir()
        os.chmod(self.zone_dir, 0o755)
        d = {"enabled": "yes", "listen": listen, "threads": "1",
             "query_log": "no", "tcp_idle_timeout": "5s"}
        d.update(dns or {})
        for name in files:
            d_path = self.copy(name)
            if name.endswith(".hints"):
                d["root_hints"] = str(d_path)
        secs = {"dns": d}
        for apex, fname in (zones or {}).items():
            secs["zone %s" % apex] = {"file": str(self.copy(fname))}
        self.update(**secs)
        self.write_config()

    def copy(self, name):
        dst = self.zone_dir / name
        shutil.copyfile(DATA / name, dst)
        os.chmod(dst, 0o644)
        return dst

    def start_dns(self):
        self.start()
        self.wait_ready("dns")
        return self

    @property
    def addr4(self):
        return self.addr("dns")

    def dns_stats(self):
        return self.stats("dns")

    def check_sanitizers(self):
        log = self.log()
        for mark in SANITIZER_MARKS:
            assert mark not in log, "%s in %s:\n%s" % (mark,
                                                       self.stderr_path, log)


class Hierarchy:
    """The authorities and the fakes; see the module docstring."""

    def __init__(self, binary, tmp_factory):
        self.binary = binary
        self.tmp_factory = tmp_factory
        self.port = free_port_on(ALL_IPS)
        self.nodes = {}
        self.fakes = None

    def start(self):
        spec = {
            "root": (ROOT_IP, {".": "root.zone"}, {"query_log": "yes"}),
            "tld": (TLD_IP, {"test": "test.zone"}, {"query_log": "yes"}),
            "leaf": (LEAF_IP, {"example.test": "example.test.zone",
                               "lame2.test": "lame2.test.zone",
                               "lame3.test": "lame3.test.zone",
                               "dead2.test": "dead2.test.zone"}, {}),
            "other": (OTHER_IP, {"other.test": "other.test.zone",
                                 "sub.example.test":
                                 "sub.example.test.zone"}, {}),
        }
        for name, (ip, zones, opts) in spec.items():
            n = DnsNode(self.binary, self.tmp_factory.mktemp("auth-" +
                                                             name),
                        "%s:%d" % (ip, self.port), dns=opts, zones=zones)
            self.nodes[name] = n
            setattr(self, name, n)
        for n in self.nodes.values():
            n.start()
        for n in self.nodes.values():
            n.wait_ready("dns")
        self.fakes = FakeServers(self.port)
        self.fakes.answer_on(SPOOF_IP, spoof_handler)
        self.fakes.answer_on(LAME_IP, lame_handler)
        self.fakes.answer_on(LAME3_IP, lame_handler)
        self.fakes.forger(FORGER_IP)
        for ip in SILENT_IPS:
            self.fakes.silent_on(ip)
        self.fakes.start()

    def queries(self):
        """{authority: queries it received so far}."""
        return {k: int(n.dns_stats()["queries"])
                for k, n in self.nodes.items()}

    def close(self):
        if self.fakes is not None:
            self.fakes.stop()
        for n in self.nodes.values():
            n.close()

    def check(self):
        for n in self.nodes.values():
            n.check_sanitizers()
        assert not self.fakes.errors, self.fakes.errors


@pytest.fixture(scope="module")
def hier(inetkit_bin, tmp_path_factory):
    h = Hierarchy(inetkit_bin, tmp_path_factory)
    try:
        h.start()
        yield h
    finally:
        h.close()
    h.check()


@pytest.fixture
def make_resolver(inetkit_bin, tmp_path, hier):
    """make_resolver(dns={...}, zones={...}) -> a started DnsNode with
    recursion on 127.0.0.1:free, resolve_timeout 2s, upstream_port P.
    Stopped by PID at teardown."""
    made = []

    def make(dns=None, zones=None):
        sub = tmp_path / ("resolver%d" % len(made))
        sub.mkdir()
        port = free_port_on(["127.0.0.1"])
        d = {"recursion": "yes", "upstream_port": str(hier.port),
             "resolve_timeout": "%ds" % RESOLVE_TIMEOUT, "threads": "2"}
        d.update(dns or {})
        n = DnsNode(inetkit_bin, sub, "127.0.0.1:%d" % port, dns=d,
                    zones=zones, files=("root.hints",))
        made.append(n)
        n.start_dns()
        return n

    yield make
    for n in made:
        n.close()
    for n in made:
        n.check_sanitizers()


# ---- fake servers ----

def rr(text):
    """An RRset from "owner ttl type rdata..."."""
    owner, ttl, rtype, rdata = text.split(None, 3)
    return dns.rrset.from_text(owner, int(ttl), "IN", rtype, rdata)


def response(q, rcode=NOERROR, aa=True, answer=(), authority=(),
             additional=()):
    r = dns.message.make_response(q)
    if aa:
        r.flags |= dns.flags.AA
    r.set_rcode(rcode)
    r.answer.extend(rr(t) for t in answer)
    r.authority.extend(rr(t) for t in authority)
    r.additional.extend(rr(t) for t in additional)
    return r


class FakeServers:
    """Python UDP "authorities" on port P of some loopback addresses, one
    thread; handlers get (fakes, sock, peer, query message)."""

    def __init__(self, port):
        self.port = port
        self.socks = []
        self.handlers = {}
        self.silent = {}
        self.forgers = []
        self.seen = []              # (ip, qname, qtype)
        self.errors = []
        self.lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = None

    def _bind(self, ip, port=None):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((ip, self.port if port is None else port))
        return s

    def answer_on(self, ip, handler):
        s = self._bind(ip)
        self.socks.append(s)
        self.handlers[s] = (ip, handler)

    def silent_on(self, ip):
        """A socket that takes queries and never reads them (no ICMP)."""
        self.silent[ip] = self._bind(ip)

    def forger(self, ip):
        self.forgers.append(self._bind(ip))
        # And one on the spoof server's address but another port.
        self.forgers.append(self._bind(SPOOF_IP, 0))

    def start(self):
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                ready, _, _ = select.select(self.socks, [], [], 0.1)
            except (OSError, ValueError):
                return
            for s in ready:
                try:
                    data, peer = s.recvfrom(65535)
                    q = dns.message.from_wire(data)
                except Exception:           # garbage: a fake ignores it
                    continue
                ip, handler = self.handlers[s]
                with self.lock:
                    self.seen.append((ip, q.question[0].name.to_text()
                                      .lower(), dns.rdatatype.to_text(
                                          q.question[0].rdtype)))
                try:
                    handler(self, s, peer, q)
                except Exception as e:      # reported by hier.check()
                    self.errors.append(repr(e))

    def queries(self, ip):
        with self.lock:
            return [(n, t) for i, n, t in self.seen if i == ip]

    def silent_received(self, ip):
        """How many datagrams a silent socket has taken (drains them)."""
        s, n = self.silent[ip], 0
        s.setblocking(False)
        try:
            while True:
                s.recv(65535)
                n += 1
        except BlockingIOError:
            return n

    def stop(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        for s in self.socks + self.forgers + list(self.silent.values()):
            s.close()


def spoof_handler(fakes, sock, peer, q):
    """spoof.test at 127.53.0.5: each name tries one trick."""
    name = q.question[0].name.to_text().lower()
    send = lambda m, s=sock: s.sendto(m.to_wire(), peer)    # noqa: E731
    if name == "wrongid.spoof.test.":
        bad = response(q, answer=["wrongid.spoof.test. 300 A " + BOGUS])
        bad.id = q.id ^ 0x5A5A
        send(bad)
        # The right ID for another question.
        other = dns.message.make_query("www.other.test.", "A")
        other.id = q.id
        send(response(other, answer=["www.other.test. 300 A " + BOGUS]))
        time.sleep(0.05)
        send(response(q, answer=["wrongid.spoof.test. 300 A 192.0.2.71"]))
    elif name == "srcport.spoof.test.":
        # The right ID and question, but from the wrong address or port.
        bad = response(q, answer=["srcport.spoof.test. 300 A " + BOGUS])
        for f in fakes.forgers:
            send(bad, f)
        time.sleep(0.05)
        send(response(q, answer=["srcport.spoof.test. 300 A 192.0.2.72"]))
    elif name == "www.spoof.test.":
        # A good answer with out-of-bailiwick data around it.
        send(response(q, answer=["www.spoof.test. 300 A 192.0.2.73"],
                      authority=["spoof.test. 300 NS ns.spoof.test.",
                                 "other.test. 300 NS ns.evil.test.",
                                 "example.test. 300 NS ns.evil.test."],
                      additional=["www.other.test. 300 A " + BOGUS,
                                  "www.example.test. 300 A " + BOGUS,
                                  "ns.other.test. 300 A " + SPOOF_IP,
                                  "ns.example.test. 300 A " + SPOOF_IP,
                                  "ns.evil.test. 300 A " + SPOOF_IP]))
    elif name == "alias.spoof.test.":
        # A CNAME out of the zone with the target's "address" beside it.
        send(response(q, answer=["alias.spoof.test. 300 CNAME "
                                 "www.other.test.",
                                 "www.other.test. 300 A " + BOGUS]))
    elif name.endswith("deleg.spoof.test."):
        # A fair referral to a child, with glue for a name outside
        # spoof.test: the glue must be ignored.
        send(response(q, aa=False,
                      authority=["deleg.spoof.test. 300 NS ns.other.test."],
                      additional=["ns.other.test. 300 A " + SPOOF_IP]))
    elif name == "ref.spoof.test.":
        # A sideways referral: other.test is no child of spoof.test.
        send(response(q, aa=False,
                      authority=["other.test. 300 NS ns.evil.test.",
                                 "example.test. 300 NS ns.evil.test."],
                      additional=["ns.evil.test. 300 A " + SPOOF_IP]))
    elif name.endswith(".other.test.") or name.endswith(".example.test.") \
            or name in ("other.test.", "example.test."):
        # Only reached if a poisoned delegation was believed.
        send(response(q, answer=["%s 300 A %s" % (name, BOGUS)]))
    else:
        send(response(q, rcode=NXDOMAIN, authority=[
            "spoof.test. 300 SOA ns.spoof.test. h.spoof.test. 1 3600 600 "
            "86400 300"]))


def lame_handler(fakes, sock, peer, q):
    """127.53.0.7 and .13: named as servers of lame2.test and lame3.test,
    serve neither: REFUSED for lame2, an upward referral (no AA) for
    lame3."""
    name = q.question[0].name.to_text().lower()
    if name.endswith("lame3.test."):
        r = response(q, aa=False, authority=[". 3600 NS a.root."],
                     additional=["a.root. 3600 A " + ROOT_IP])
    else:
        r = response(q, rcode=REFUSED, aa=False)
    sock.sendto(r.to_wire(), peer)


# ---- queries ----

def ask(node, qname, qtype="A", rd=True, tcp=False, edns=True,
        timeout=Q_TIMEOUT):
    q = dns.message.make_query(qname, qtype, use_edns=0 if edns else None,
                               payload=1232)
    if not rd:
        q.flags &= ~dns.flags.RD
    host, port = node.addr4
    if tcp:
        return dns.query.tcp(q, host, port=port, timeout=timeout)
    return dns.query.udp(q, host, port=port, timeout=timeout)


def ask_leaf(node, qname, qtype="A"):
    """The authority's own answer (RD=0) at its address and port P."""
    return ask(node, qname, qtype, rd=False)


def rrs(section):
    """{(owner, type, rdata)} of a section, TTLs aside."""
    return {(s.name.to_text().lower(), dns.rdatatype.to_text(s.rdtype),
             rd.to_text().lower()) for s in section for rd in s}


def answer_of(r, qtype="A"):
    return sorted(d for _, t, d in rrs(r.answer) if t == qtype)


def soa_owner(r):
    for s in r.authority:
        if s.rdtype == dns.rdatatype.SOA:
            return s.name.to_text().lower()
    return None


def counters(node, *keys):
    st = node.dns_stats()
    return {k: int(st[k]) for k in keys}


def timed(fn, *a, **kw):
    t0 = time.monotonic()
    r = fn(*a, **kw)
    return r, time.monotonic() - t0


def new_log(node, since):
    """The node's log after offset `since` (a length of node.log())."""
    return node.log()[since:]


def logged_qnames(text):
    out = []
    for line in text.splitlines():
        if "query peer=" in line and " qname=" in line:
            out.append(line.split(" qname=", 1)[1].split()[0].lower())
    return out


# ---- answers ----

LEAF_QUESTIONS = [
    ("www.example.test.", "A"), ("www.example.test.", "AAAA"),
    ("example.test.", "MX"), ("example.test.", "TXT"),
    ("example.test.", "NS"), ("example.test.", "SOA"),
    ("txt.example.test.", "TXT"), ("mail.example.test.", "A"),
    ("ns.example.test.", "A"), ("ftp.example.test.", "A"),
    ("deeper.ent.example.test.", "A"), ("nosuch.example.test.", "A"),
    ("www.example.test.", "MX"),
]
OTHER_QUESTIONS = [
    ("www.other.test.", "A"), ("www.other.test.", "AAAA"),
    ("other.test.", "NS"), ("ns.other.test.", "A"),
]
TOP_QUESTIONS = {
    "root": [(".", "NS"), ("a.root.", "A"), ("nosuch.", "A")],
    "tld": [("test.", "SOA"), ("test.", "NS"), ("example.test.", "DS")],
}


def compare(got, want):
    """Mismatches between the resolver's answer and the authority's."""
    bad = []
    if got.rcode() != want.rcode():
        bad.append("rcode %s, want %s" % (dns.rcode.to_text(got.rcode()),
                                           dns.rcode.to_text(want.rcode())))
    if rrs(got.answer) != rrs(want.answer):
        bad.append("answer %s, want %s" % (sorted(rrs(got.answer)),
                                            sorted(rrs(want.answer))))
    if not got.flags & dns.flags.RA or got.flags & dns.flags.AA:
        bad.append("flags %s" % dns.flags.to_text(got.flags))
    for g in got.answer:
        w = want.get_rrset(want.answer, g.name, g.rdclass, g.rdtype)
        if w is not None and not 0 < g.ttl <= w.ttl:
            bad.append("TTL %d of %s %s above the zone's %d" % (
                g.ttl, g.name, dns.rdatatype.to_text(g.rdtype), w.ttl))
    if not want.answer and soa_owner(got) != soa_owner(want):
        bad.append("SOA of %s, want %s" % (soa_owner(got),
                                            soa_owner(want)))
    return bad


def test_answers_match_the_authoritative_data(hier, make_resolver):
    """Each answer equals the zone's own (asked at its server, RD=0):
    rcode, records, TTLs no higher, the SOA of negative answers. All
    mismatches are listed together."""
    r = make_resolver()
    bad = []
    for node, questions in ((hier.leaf, LEAF_QUESTIONS),
                            (hier.other, OTHER_QUESTIONS),
                            (hier.root, TOP_QUESTIONS["root"]),
                            (hier.tld, TOP_QUESTIONS["tld"])):
        for qname, qtype in questions:
            want = ask_leaf(node, qname, qtype)
            got = ask(r, qname, qtype)
            bad += ["%s %s: %s" % (qname, qtype, b)
                    for b in compare(got, want)]
    assert not bad, "\n".join(bad)
    st = r.dns_stats()
    assert int(st["resolver.resolved"]) >= 1, st
    assert st["resolver.servfail"] == "0", st


def test_referral_data_is_not_given_as_an_answer(hier, make_resolver):
    """RFC 2181 5.4.1: the NS records of a referral (the authority section
    of a non-authoritative answer) and glue are for finding servers, not
    answers; asked for them, a resolver asks the zone itself. test.zone
    delegates other.test to ns alone, TTL 3600; other.test itself says
    ns and ns2, TTL 300."""
    r = make_resolver()
    assert answer_of(ask(r, "www.other.test")) == ["192.0.2.101"]
    want = ask_leaf(hier.other, "other.test", "NS")
    got = ask(r, "other.test", "NS")
    assert rrs(got.answer) == rrs(want.answer), \
        "the parent's delegation came back as the answer:\n%s" % got
    got = ask(r, "ns.other.test", "A")
    assert answer_of(got) == [OTHER_IP], got
    assert got.answer[0].ttl <= 300, \
        "glue (TTL 3600 in test.) came back as the answer:\n%s" % got


def test_second_query_comes_from_the_cache(hier, make_resolver):
    r = make_resolver()
    before = hier.queries()
    first = ask(r, "www.example.test", "A")
    assert answer_of(first) == ["192.0.2.2"], first
    mid = hier.queries()
    assert mid["leaf"] > before["leaf"], "nothing reached the leaf"
    st0 = counters(r, "resolver.upstream", "resolver.cache_answers",
                   "cache.hits")
    assert st0["resolver.upstream"] >= 1, st0
    for _ in range(3):
        again = ask(r, "www.example.test", "A")
        assert rrs(again.answer) == rrs(first.answer), again
        assert again.rcode() == NOERROR and again.flags & dns.flags.RA
    st1 = counters(r, "resolver.upstream", "resolver.cache_answers",
                   "cache.hits")
    assert hier.queries() == mid, "the cached name went upstream again"
    assert st1["resolver.upstream"] == st0["resolver.upstream"], (st0, st1)
    assert st1["resolver.cache_answers"] == \
        st0["resolver.cache_answers"] + 3, (st0, st1)
    assert st1["cache.hits"] >= st0["cache.hits"] + 3, (st0, st1)


def test_ttl_counts_down(hier, make_resolver):
    r = make_resolver()
    first = ask(r, "www.other.test", "A")       # TTL 300 in the zone
    assert first.answer and first.answer[0].ttl == 300, first
    nx = ask(r, "nosuch.other.test", "A")       # negative TTL 60
    assert nx.rcode() == NXDOMAIN and nx.authority[0].ttl == 60, nx
    t0 = time.monotonic()
    cached = ask(r, "www.other.test", "A")
    c0 = cached.answer[0].ttl
    assert 298 <= c0 <= 300, cached
    time.sleep(2.2)
    later = ask(r, "www.other.test", "A")
    nx2 = ask(r, "nosuch.other.test", "A")
    elapsed = time.monotonic() - t0
    drop = c0 - later.answer[0].ttl
    assert 2 <= drop <= int(elapsed) + 1, (c0, later.answer[0].ttl, elapsed)
    drop_neg = 60 - nx2.authority[0].ttl
    assert 2 <= drop_neg <= int(elapsed) + 2, (nx2, elapsed)


def test_negative_answer_is_cached(hier, make_resolver):
    r = make_resolver()
    first = ask(r, "nosuch.example.test", "A")
    assert first.rcode() == NXDOMAIN, first
    assert not first.answer, first
    assert soa_owner(first) == "example.test.", first
    assert 0 < first.authority[0].ttl <= 300, first
    before = hier.queries()
    st0 = counters(r, "resolver.upstream", "resolver.cache_answers",
                   "cache.neg_hits")
    for qtype in ("A", "A", "AAAA", "TXT"):     # NXDOMAIN: every type
        again = ask(r, "nosuch.example.test", qtype)
        assert again.rcode() == NXDOMAIN, (qtype, again)
        assert soa_owner(again) == "example.test.", again
        assert not again.answer
    st1 = counters(r, "resolver.upstream", "resolver.cache_answers",
                   "cache.neg_hits")
    assert hier.queries() == before, "a cached NXDOMAIN went upstream"
    assert st1["resolver.upstream"] == st0["resolver.upstream"]
    assert st1["resolver.cache_answers"] == \
        st0["resolver.cache_answers"] + 4, (st0, st1)
    assert st1["cache.neg_hits"] >= st0["cache.neg_hits"] + 4, (st0, st1)


def test_nodata_and_empty_non_terminal(hier, make_resolver):
    r = make_resolver()
    for qname, qtype in (("www.example.test", "MX"),
                         ("ent.example.test", "A"),
                         ("www.other.test", "TXT")):
        first = ask(r, qname, qtype)
        assert first.rcode() == NOERROR and not first.answer, first
        zone = "other.test." if "other" in qname else "example.test."
        assert soa_owner(first) == zone, first
        before = hier.queries()
        again = ask(r, qname, qtype)
        assert again.rcode() == NOERROR and not again.answer, again
        assert soa_owner(again) == zone, again
        assert hier.queries() == before, "cached NODATA went upstream"
        # The name exists: other types are answered.
    got = ask(r, "deeper.ent.example.test", "A")
    assert answer_of(got) == ["192.0.2.12"], got
    assert answer_of(ask(r, "www.example.test", "A")) == ["192.0.2.2"]


def test_cname_into_another_zone(hier, make_resolver):
    r = make_resolver()
    before = hier.queries()
    got = ask(r, "alias.example.test", "A")
    assert got.rcode() == NOERROR, got
    assert rrs(got.answer) == {
        ("alias.example.test.", "CNAME", "www.other.test."),
        ("www.other.test.", "A", "192.0.2.101")}, got
    assert [dns.rdatatype.to_text(s.rdtype) for s in got.answer] == \
        ["CNAME", "A"], got
    after = hier.queries()
    assert after["leaf"] > before["leaf"] and \
        after["other"] > before["other"], (before, after)
    # Again, whole, from the cache.
    again = ask(r, "alias.example.test", "A")
    assert rrs(again.answer) == rrs(got.answer), again
    assert hier.queries() == after, "the cached chain went upstream"
    # The AAAA goes through the same CNAME (cached) to other.test.
    six = ask(r, "alias.example.test", "AAAA")
    assert rrs(six.answer) == {
        ("alias.example.test.", "CNAME", "www.other.test."),
        ("www.other.test.", "AAAA", "2001:db8::101")}, six
    # Two links: one inside example.test, then out of it.
    got = ask(r, "chain.example.test", "A")
    assert got.rcode() == NOERROR, got
    assert [(s.name.to_text(), dns.rdatatype.to_text(s.rdtype))
            for s in got.answer] == [
        ("chain.example.test.", "CNAME"), ("alias.example.test.", "CNAME"),
        ("www.other.test.", "A")], got
    assert answer_of(got) == ["192.0.2.101"], got
    # To a name that does not exist: NXDOMAIN with the CNAME and the
    # target zone's SOA (RFC 6604), the same again from the cache.
    for _ in range(2):
        got = ask(r, "dangling.example.test", "A")
        assert got.rcode() == NXDOMAIN, got
        assert rrs(got.answer) == {("dangling.example.test.", "CNAME",
                                    "nosuch.other.test.")}, got
        assert soa_owner(got) == "other.test.", got


def test_glueless_delegation(hier, make_resolver):
    r = make_resolver()
    before = hier.queries()
    got = ask(r, "www.sub.example.test", "A")
    assert got.rcode() == NOERROR, got
    assert answer_of(got) == ["192.0.2.201"], got
    after = hier.queries()
    # ns.other.test was looked up (at the other server itself) and then
    # asked for the sub zone: two queries at least.
    assert after["other"] - before["other"] >= 2, (before, after)
    # What the side lookup found is in the cache now.
    ns = ask(r, "ns.other.test", "A", rd=False)
    assert answer_of(ns) == [OTHER_IP], ns
    nx = ask(r, "nosuch.sub.example.test", "A")
    assert nx.rcode() == NXDOMAIN and soa_owner(nx) == "sub.example.test.", \
        nx


def test_servfail_in_time_when_every_server_is_dead(hier, make_resolver):
    r = make_resolver()
    for ip in SILENT_IPS:
        hier.fakes.silent_received(ip)          # forget older queries
    # Nothing listens: the port is closed (ICMP).
    got, secs = timed(ask, r, "www.dead.test", "A")
    assert got.rcode() == SERVFAIL, got
    assert secs < RESOLVE_TIMEOUT + SLACK, secs
    # Four servers that never answer: the deadline ends it.
    got, secs = timed(ask, r, "www.silent.test", "A")
    assert got.rcode() == SERVFAIL, got
    assert not got.answer
    assert secs < RESOLVE_TIMEOUT + SLACK, secs
    asked = [ip for ip in SILENT_IPS if hier.fakes.silent_received(ip)]
    assert len(asked) >= 2, "only %s was tried" % asked
    st = r.dns_stats()
    assert int(st["resolver.servfail"]) >= 2, st
    assert int(st["resolver.timeouts"]) >= 2, st
    # The resolver is fine for the rest.
    assert answer_of(ask(r, "www.example.test")) == ["192.0.2.2"]


def test_dead_server_skipped_when_another_lives(hier, make_resolver):
    r = make_resolver()
    got, secs = timed(ask, r, "www.dead2.test", "A")
    assert got.rcode() == NOERROR, got
    assert answer_of(got) == ["192.0.2.222"], got
    assert secs < RESOLVE_TIMEOUT, secs


def test_lame_servers_skipped(hier, make_resolver):
    r = make_resolver()
    # lame.test: its only server (the other.test one) refuses.
    refused0 = int(hier.other.dns_stats()["rcode.refused"])
    got, secs = timed(ask, r, "www.lame.test", "A")
    assert got.rcode() == SERVFAIL, got
    assert secs < RESOLVE_TIMEOUT + SLACK, secs
    assert int(hier.other.dns_stats()["rcode.refused"]) > refused0, \
        "the lame server was never asked"
    # The good server of lame2/lame3 (127.53.0.3) gets measured first, so
    # the unmeasured lame one is tried before it.
    assert answer_of(ask(r, "www.example.test")) == ["192.0.2.2"]
    for zone, lame_ip, want in (("lame2.test", LAME_IP, "192.0.2.22"),
                                ("lame3.test", LAME3_IP, "192.0.2.33")):
        n0 = len(hier.fakes.queries(lame_ip))
        got = ask(r, "www." + zone, "A")
        assert got.rcode() == NOERROR and answer_of(got) == [want], got
        asked = hier.fakes.queries(lame_ip)[n0:]
        assert ("www.%s." % zone, "A") in asked, \
            "precondition: the lame server of %s was not tried: %s" % (
                zone, asked)
    # Nothing the lame servers said was kept: the root is still the root.
    assert answer_of(ask(r, "www.other.test")) == ["192.0.2.101"]


def test_refused_outside_allow_recursion(hier, make_resolver):
    r = make_resolver(dns={"allow_recursion": "10.0.0.0/8"},
                      zones={"local.test": "local.test.zone"})
    before = hier.queries()
    for tcp in (False, True):
        got = ask(r, "www.example.test", "A", tcp=tcp)
        assert got.rcode() == REFUSED, got
        assert not got.answer
    # Its own zone is still answered to anyone; a CNAME leading out of
    # it is not followed for them.
    own = ask(r, "www.local.test", "A")
    assert own.rcode() == NOERROR and own.flags & dns.flags.AA, own
    assert answer_of(own) == ["192.0.2.250"]
    away = ask(r, "away.local.test", "A")
    assert away.rcode() == NOERROR and away.flags & dns.flags.AA, away
    assert rrs(away.answer) == {("away.local.test.", "CNAME",
                                 "www.example.test.")}, away
    assert hier.queries() == before, "a refused client caused upstream"
    st = r.dns_stats()
    assert st["resolver.refused"] == "2", st
    assert st["resolver.upstream"] == "0", st


def test_rd0_is_answered_from_the_cache_only(hier, make_resolver):
    r = make_resolver()
    before = hier.queries()
    got = ask(r, "www.example.test", "A", rd=False)
    assert got.rcode() == REFUSED and not got.answer, got
    got = ask(r, "nosuch.example.test", "A", rd=False)
    assert got.rcode() == REFUSED, got
    assert hier.queries() == before, "RD=0 caused upstream traffic"
    full = ask(r, "www.example.test", "A")
    assert answer_of(full) == ["192.0.2.2"], full
    ask(r, "nosuch.example.test", "A")
    mid = hier.queries()
    got = ask(r, "www.example.test", "A", rd=False)
    assert got.rcode() == NOERROR and answer_of(got) == ["192.0.2.2"], got
    assert not got.flags & dns.flags.RD
    got = ask(r, "nosuch.example.test", "A", rd=False)
    assert got.rcode() == NXDOMAIN and soa_owner(got) == "example.test.", got
    assert hier.queries() == mid


def test_spoofed_answers_are_not_cached(hier, make_resolver):
    r = make_resolver()
    n0 = len(hier.fakes.queries(SPOOF_IP))
    # A wrong ID, then the right ID for another question, then the answer.
    got = ask(r, "wrongid.spoof.test", "A")
    assert answer_of(got) == ["192.0.2.71"], got
    # Forged from another address and from another port first.
    got = ask(r, "srcport.spoof.test", "A")
    assert answer_of(got) == ["192.0.2.72"], got
    # Out-of-bailiwick authority and additional records around an answer.
    got = ask(r, "www.spoof.test", "A")
    assert answer_of(got) == ["192.0.2.73"], got
    # A CNAME out of the zone with the target's address forged beside it:
    # the resolver must look the target up itself.
    got = ask(r, "alias.spoof.test", "A")
    assert rrs(got.answer) == {
        ("alias.spoof.test.", "CNAME", "www.other.test."),
        ("www.other.test.", "A", "192.0.2.101")}, got
    # A sideways referral is no referral.
    got = ask(r, "ref.spoof.test", "A")
    assert got.rcode() == SERVFAIL, got
    # A referral down, with glue from outside: the real ns.other.test is
    # asked (it refuses: it does not serve deleg.spoof.test).
    refused0 = int(hier.other.dns_stats()["rcode.refused"])
    got = ask(r, "www.deleg.spoof.test", "A")
    assert got.rcode() == SERVFAIL, got
    assert int(hier.other.dns_stats()["rcode.refused"]) > refused0, \
        "the real ns.other.test was not asked"
    # Nothing forged was believed: www.other.test is what other.test's
    # own server says.
    real = ask_leaf(hier.other, "www.other.test", "A")
    got = ask(r, "www.other.test", "A")
    assert rrs(got.answer) == rrs(real.answer), (got, real)
    for qname, qtype, want in (("www.other.test", "A", ["192.0.2.101"]),
                               ("www.example.test", "A", ["192.0.2.2"]),
                               ("ns.other.test", "A", [OTHER_IP]),
                               ("ns.example.test", "A", [LEAF_IP])):
        got = ask(r, qname, qtype)
        assert answer_of(got, qtype) == want, (qname, got)
    got = ask(r, "example.test", "NS")
    assert answer_of(got, "NS") == ["ns.example.test."], got
    # A new name in other.test must go to the real other.test server.
    got = ask(r, "new.other.test", "A")
    assert got.rcode() == NXDOMAIN and soa_owner(got) == "other.test.", got
    asked = hier.fakes.queries(SPOOF_IP)[n0:]
    assert all(n.endswith("spoof.test.") for n, _ in asked), \
        "a poisoned delegation was followed: %s" % asked


def test_qname_minimisation(hier, make_resolver):
    root_at, tld_at = len(hier.root.log()), len(hier.tld.log())
    r = make_resolver()
    for qname, qtype in (("www.example.test", "A"),
                         ("mail.example.test", "AAAA"),
                         ("deeper.ent.example.test", "A"),
                         ("www.other.test", "A")):
        assert ask(r, qname, qtype).rcode() == NOERROR
    wait_for(lambda: logged_qnames(new_log(hier.root, root_at)), 3,
             "the root's query log")
    seen_root = set(logged_qnames(new_log(hier.root, root_at)))
    seen_tld = set(logged_qnames(new_log(hier.tld, tld_at)))
    assert seen_root == {"test."}, seen_root
    assert seen_tld <= {"example.test.", "other.test."}, seen_tld
    assert "example.test." in seen_tld, seen_tld

    # Without minimisation the root sees the whole name: the check above
    # can tell.
    root_at = len(hier.root.log())
    plain = make_resolver(dns={"qname_minimisation": "no"})
    assert ask(plain, "www.example.test").rcode() == NOERROR
    wait_for(lambda: "www.example.test." in logged_qnames(
        new_log(hier.root, root_at)), 3, "the full name at the root")


def test_forwarding(hier, make_resolver):
    up = make_resolver()
    fwd = make_resolver(dns={"forward": "%s:%d" % up.addr4})
    req0 = int(up.dns_stats()["resolver.requests"])
    questions = [("www.example.test.", "A"), ("www.example.test.", "AAAA"),
                 ("example.test.", "MX"), ("txt.example.test.", "TXT"),
                 ("nosuch.example.test.", "A"), ("www.example.test.", "MX"),
                 ("www.sub.example.test.", "A")]
    for qname, qtype in questions:
        want = ask(up, qname, qtype)
        got = ask(fwd, qname, qtype)
        what = "%s %s:\n%s\nupstream said:\n%s" % (qname, qtype, got, want)
        assert got.rcode() == want.rcode(), what
        assert rrs(got.answer) == rrs(want.answer), what
        if not want.answer:
            assert soa_owner(got) == soa_owner(want), what
    got = ask(fwd, "alias.example.test", "A")
    assert rrs(got.answer) == {
        ("alias.example.test.", "CNAME", "www.other.test."),
        ("www.other.test.", "A", "192.0.2.101")}, got
    st = fwd.dns_stats()
    assert int(st["resolver.upstream"]) >= len(questions), st
    assert int(up.dns_stats()["resolver.requests"]) >= \
        req0 + 2 * len(questions), "the forwarder did not forward"
    # The forwarder caches too.
    n = int(up.dns_stats()["resolver.requests"])
    assert answer_of(ask(fwd, "www.example.test")) == ["192.0.2.2"]
    assert int(up.dns_stats()["resolver.requests"]) == n
    # A dead forwarder first: the next one answers.
    two = make_resolver(dns={"forward": "%s:%d %s:%d" % (
        (DEAD_IP, hier.port) + up.addr4)})
    got, secs = timed(ask, two, "mail.example.test", "A")
    assert answer_of(got) == ["192.0.2.3"] and secs < RESOLVE_TIMEOUT, got
    # Only dead forwarders: SERVFAIL in time.
    none = make_resolver(dns={"forward": "%s:%d" % (SILENT_IPS[0],
                                                    hier.port)})
    got, secs = timed(ask, none, "mail.example.test", "A")
    assert got.rcode() == SERVFAIL, got
    assert secs < RESOLVE_TIMEOUT + SLACK, secs


def test_serve_stale_when_the_upstream_fails(hier, make_resolver):
    """RFC 8767: with serve_stale, a name whose TTL ran out while every
    upstream is gone is answered from the expired data, TTL 30; without
    it (the default), SERVFAIL."""
    up = make_resolver()
    plain = make_resolver(dns={"forward": "%s:%d" % up.addr4})
    stale = make_resolver(dns={"forward": "%s:%d" % up.addr4,
                               "serve_stale": "1h"})
    for r in (plain, stale):
        assert answer_of(ask(r, "short.example.test")) == ["192.0.2.77"]
    up.stop()
    time.sleep(1.5)                     # the record's 1 s TTL runs out
    got, secs = timed(ask, stale, "short.example.test")
    assert got.rcode() == NOERROR, got
    assert answer_of(got) == ["192.0.2.77"], got
    assert got.answer[0].ttl == 30, got
    assert secs < RESOLVE_TIMEOUT + SLACK, secs
    assert stale.dns_stats()["resolver.stale"] == "1"
    assert ask(plain, "short.example.test").rcode() == SERVFAIL
    # What it never knew is still a failure.
    assert ask(stale, "mail.example.test").rcode() == SERVFAIL
    assert stale.dns_stats()["resolver.stale"] == "1"


def test_prefetch_refreshes_a_name_in_its_last_tenth(hier, make_resolver):
    """With prefetch, the first query answered from the cache in the last
    tenth of a TTL starts a refresh; later queries get the fresh TTL and
    the name never drops out of the cache."""
    r = make_resolver(dns={"prefetch": "yes"})
    first = ask(r, "soon.example.test")
    assert answer_of(first) == ["192.0.2.78"], first
    assert first.answer[0].ttl == 10, first
    time.sleep(7.5)
    low = None
    deadline = time.monotonic() + 4.0
    while time.monotonic() < deadline:
        got = ask(r, "soon.example.test")
        assert answer_of(got) == ["192.0.2.78"], got
        if got.answer[0].ttl <= 1:
            low = got
            break
        time.sleep(0.2)
    assert low is not None, "never saw the last tenth of the TTL"
    st = r.dns_stats()
    assert st["resolver.prefetches"] == "1", st
    time.sleep(0.5)
    fresh = ask(r, "soon.example.test")
    assert answer_of(fresh) == ["192.0.2.78"], fresh
    assert fresh.answer[0].ttl >= 8, fresh   # refreshed, not expiring
    assert r.dns_stats()["resolver.prefetches"] == "1"
    # Without prefetch the same name just expires.
    plain = make_resolver()
    assert answer_of(ask(plain, "soon.example.test")) == ["192.0.2.78"]
    assert plain.dns_stats()["resolver.prefetches"] == "0"


def dig_at(node, *args):
    host, port = node.addr4
    r = run_tool(["dig", "@" + host, "-p", str(port), "+time=3",
                  "+tries=1"] + list(args))
    return r.stdout + r.stderr


def test_dig_against_the_resolver(hier, make_resolver):
    r = make_resolver()
    out = dig_at(r, "www.example.test", "A")
    status, flags = dig_header(out)
    assert status == "NOERROR" and {"qr", "rd", "ra"} <= flags, out
    assert "aa" not in flags, out
    rows = rr_lines(out)
    assert [(o, t, d) for o, _, t, d in rows if t == "A"] == \
        [("www.example.test.", "A", "192.0.2.2")], out
    out = dig_at(r, "+tcp", "alias.example.test", "A")
    status, flags = dig_header(out)
    assert status == "NOERROR" and "ra" in flags, out
    assert [(t, d) for _, _, t, d in rr_lines(out)] == [
        ("CNAME", "www.other.test."), ("A", "192.0.2.101")], out
    out = dig_at(r, "+tcp", "nosuch.example.test", "AAAA")
    assert dig_header(out)[0] == "NXDOMAIN", out
    out = dig_at(r, "+short", "example.test", "MX")
    assert out.strip() == "10 mail.example.test.", out


def test_truncated_upstream_answer_is_fetched_over_tcp(hier, make_resolver):
    r = make_resolver()
    got = ask(r, "big.example.test", "TXT", tcp=True)
    assert got.rcode() == NOERROR, got
    want = ask(hier.leaf, "big.example.test", "TXT", rd=False, tcp=True)
    assert len(want.answer[0]) == 40
    assert rrs(got.answer) == rrs(want.answer), got
    st = r.dns_stats()
    assert int(st["resolver.upstream_tcp"]) >= 1, st
    # Over UDP the client gets TC (2.4 KB > 1232), then TCP from cache.
    udp_r = ask(r, "big.example.test", "TXT")
    assert udp_r.flags & dns.flags.TC, udp_r
    out = dig_at(r, "big.example.test", "TXT", "+noall", "+answer")
    assert len([x for x in rr_lines(out) if x[2] == "TXT"]) == 40, out


def test_flush_empties_the_cache(hier, make_resolver):
    r = make_resolver()
    assert answer_of(ask(r, "www.example.test")) == ["192.0.2.2"]
    assert ask(r, "nosuch.example.test").rcode() == NXDOMAIN
    st = r.dns_stats()
    assert int(st["cache.entries"]) > 0, st
    before = hier.queries()
    ask(r, "www.example.test")
    assert hier.queries() == before

    # One name: only that name goes upstream again, to the leaf only (the
    # cut is still known).
    rc, out = r.ctl("dns", "flush", "www.example.test")
    assert rc == 0 and int(parse_kv(out)["flushed"]) >= 1, out
    assert answer_of(ask(r, "www.example.test")) == ["192.0.2.2"]
    after = hier.queries()
    assert after["leaf"] > before["leaf"], (before, after)
    assert after["root"] == before["root"] and \
        after["tld"] == before["tld"], (before, after)

    # Everything.
    rc, out = r.ctl("dns", "flush")
    assert rc == 0 and int(parse_kv(out)["flushed"]) >= 3, out
    assert r.dns_stats()["cache.entries"] == "0"
    up0 = int(r.dns_stats()["resolver.upstream"])
    got = ask(r, "www.example.test", "A", rd=False)
    assert got.rcode() == REFUSED, "cached after a flush: %s" % got
    assert answer_of(ask(r, "www.example.test")) == ["192.0.2.2"]
    again = hier.queries()
    assert again["root"] > after["root"] and again["leaf"] > after["leaf"], \
        (after, again)
    assert int(r.dns_stats()["resolver.upstream"]) >= up0 + 3
    assert ask(r, "nosuch.example.test").rcode() == NXDOMAIN

    # Below a name.
    rc, out = r.ctl("dns", "flush", "-r", "example.test")
    assert rc == 0 and int(parse_kv(out)["flushed"]) >= 2, out
    for qname in ("www.example.test", "nosuch.example.test"):
        got = ask(r, qname, "A", rd=False)
        assert got.rcode() == REFUSED, "%s still cached: %s" % (qname, got)


def test_local_zone_and_recursion_in_one_service(hier, make_resolver):
    r = make_resolver(zones={"local.test": "local.test.zone"})
    before = hier.queries()
    own = ask(r, "www.local.test", "A")
    assert own.rcode() == NOERROR and own.flags & dns.flags.AA, own
    assert answer_of(own) == ["192.0.2.250"], own
    nx = ask(r, "nosuch.local.test", "A")
    assert nx.rcode() == NXDOMAIN and nx.flags & dns.flags.AA, nx
    assert soa_owner(nx) == "local.test.", nx
    assert ask(r, "www.local.test", "A", rd=False).flags & dns.flags.AA
    assert hier.queries() == before, "a local name went upstream"
    assert r.dns_stats()["resolver.requests"] == "0"
    far = ask(r, "www.example.test", "A")
    assert far.rcode() == NOERROR and not far.flags & dns.flags.AA, far
    assert far.flags & dns.flags.RA
    assert answer_of(far) == ["192.0.2.2"], far
    assert hier.queries() != before
    # test. itself is recursed (local.test is only a zone below it).
    assert answer_of(ask(r, "www.other.test")) == ["192.0.2.101"]


def chain_of(r):
    """(owner, type) of the answer section, in order."""
    return [(s.name.to_text().lower(), dns.rdatatype.to_text(s.rdtype))
            for s in r.answer]


def test_local_cname_leading_out_is_followed(hier, make_resolver):
    """A CNAME in a local zone whose target is in no local zone: the
    resolver goes on from the target, as BIND does for its recursive
    clients (stub resolvers do not chase a CNAME themselves)."""
    r = make_resolver(zones={"local.test": "local.test.zone"})
    for tcp in (False, True):
        got = ask(r, "away.local.test", "A", tcp=tcp)
        assert got.rcode() == NOERROR, got
        assert not got.flags & dns.flags.AA, got    # not all ours
        assert got.flags & dns.flags.RA, got
        assert chain_of(got) == [("away.local.test.", "CNAME"),
                                 ("www.example.test.", "A")], got
        assert answer_of(got) == ["192.0.2.2"], got
    # Two local links, then out; the target now comes from the cache.
    before = hier.queries()
    two = ask(r, "twice.local.test", "A")
    assert chain_of(two) == [("twice.local.test.", "CNAME"),
                             ("away.local.test.", "CNAME"),
                             ("www.example.test.", "A")], two
    assert hier.queries() == before, "a cached target went upstream"
    # The target does not exist: NXDOMAIN, the local CNAME kept, the
    # SOA of the zone that said so.
    nx = ask(r, "gone.local.test", "A")
    assert nx.rcode() == NXDOMAIN, nx
    assert chain_of(nx) == [("gone.local.test.", "CNAME")], nx
    assert soa_owner(nx) == "example.test.", nx
    # RD=0 asks for what the server holds: its own zone's answer alone.
    own = ask(r, "away.local.test", "A", rd=False)
    assert own.flags & dns.flags.AA, own
    assert chain_of(own) == [("away.local.test.", "CNAME")], own
    st = r.dns_stats()
    assert int(st["resolver.requests"]) >= 4, st


def garbage(rng, n):
    base = [dns.message.make_query(q, t).to_wire() for q, t in
            (("www.example.test", "A"), ("alias.example.test", "A"),
             ("www.sub.example.test", "AAAA"), ("x.dead.test", "A"))]
    out = []
    for i in range(n):
        kind = i % 5
        if kind == 0:
            p = bytes(rng.randrange(256) for _ in range(rng.randrange(80)))
        elif kind == 1:                 # a header, then noise
            p = struct.pack("!HHHHHH", rng.randrange(65536), 0x0100, 1, 0,
                            0, 0) + bytes(rng.randrange(256) for _ in
                                          range(rng.randrange(1, 200)))
        elif kind == 2:                 # a real query cut short
            b = rng.choice(base)
            p = b[:rng.randrange(len(b))]
        elif kind == 3:                 # bit flips (RD stays on mostly)
            b = bytearray(rng.choice(base))
            for _ in range(rng.randrange(1, 5)):
                b[rng.randrange(2, len(b))] ^= 1 << rng.randrange(8)
            p = bytes(b)
        else:                           # pointer loops, huge counts
            p = struct.pack("!HHHHHH", rng.randrange(65536), 0x0100,
                            rng.choice([1, 0xFFFF]), 0xFFFF, 0, 0xFFFF) + \
                rng.choice([b"\xc0\x0c", b"\x03www\xc0\x0c", b"\xc0\xff",
                            b"\x01a" * 200]) + b"\x00\x01\x00\x01"
        out.append(p)
    return out


def test_malformed_packets_then_still_resolves(hier, make_resolver):
    r = make_resolver()
    pid = r.child_pid("dns")
    rng = random.Random(4242)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.02)
        for i, p in enumerate(garbage(rng, 200)):
            s.sendto(p, r.addr4)
            if i % 20 == 19:
                try:
                    while True:
                        s.recv(65535)
                except (socket.timeout, ConnectionRefusedError):
                    pass
    for p in garbage(rng, 20):
        with socket.create_connection(r.addr4, timeout=2) as c:
            c.sendall(struct.pack("!H", len(p)) + p)
    # Clients that leave while their resolution is still running.
    slow = dns.message.make_query("www.silent.test", "A").to_wire()
    for _ in range(5):
        with socket.create_connection(r.addr4, timeout=2) as c:
            c.sendall(struct.pack("!H", len(slow)) + slow)
    got, secs = timed(ask, r, "www.example.test", "A")
    assert answer_of(got) == ["192.0.2.2"], got
    assert secs < RESOLVE_TIMEOUT, secs
    assert answer_of(ask(r, "alias.example.test", "A")) == ["192.0.2.101"]
    assert answer_of(ask(r, "www.sub.example.test", "A", tcp=True)) == \
        ["192.0.2.201"]
    assert r.child_pid("dns") == pid, "the dns child was restarted"
    assert "child died" not in r.log(), r.log()


def test_use_0x20_still_resolves(hier, make_resolver):
    r = make_resolver(dns={"use_0x20": "yes"})
    for qname, qtype, want in (("www.example.test", "A", ["192.0.2.2"]),
                               ("WwW.OtHeR.TeSt", "A", ["192.0.2.101"]),
                               ("www.sub.example.test", "A",
                                ["192.0.2.201"])):
        got = ask(r, qname, qtype)
        assert got.rcode() == NOERROR and answer_of(got) == want, got
    nx = ask(r, "nosuch.example.test", "A")
    assert nx.rcode() == NXDOMAIN and soa_owner(nx) == "example.test.", nx
    # The client's case is kept in the question and the first owner.
    got = ask(r, "MaIl.ExAmPlE.tEsT", "A")
    assert got.question[0].name.to_text() == "MaIl.ExAmPlE.tEsT.", got
    assert got.answer[0].name.to_text() == "MaIl.ExAmPlE.tEsT.", got


def test_many_clients_at_once(hier, make_resolver):
    """A burst of queries for names not cached yet, several per name:
    every one is answered, and correctly."""
    r = make_resolver()
    want = {("www.example.test.", "A"): ["192.0.2.2"],
            ("www.example.test.", "AAAA"): ["2001:db8::2"],
            ("mail.example.test.", "A"): ["192.0.2.3"],
            ("alias.example.test.", "A"): ["192.0.2.101"],
            ("www.other.test.", "AAAA"): ["2001:db8::101"],
            ("www.sub.example.test.", "A"): ["192.0.2.201"],
            ("www.dead2.test.", "A"): ["192.0.2.222"],
            ("www.lame2.test.", "A"): ["192.0.2.22"]}
    sent = {}
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        for i in range(96):
            qname, qtype = list(want)[i % len(want)]
            q = dns.message.make_query(qname, qtype, use_edns=0)
            q.id = i
            sent[i] = (qname, qtype)
            s.sendto(q.to_wire(), r.addr4)
        got = {}
        deadline = time.monotonic() + RESOLVE_TIMEOUT + 3
        while len(got) < len(sent) and time.monotonic() < deadline:
            s.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                m = dns.message.from_wire(s.recv(65535))
            except socket.timeout:
                break
            got[m.id] = m
    missing = sorted(set(sent) - set(got))
    assert not missing, "no answer to %d of %d: e.g. %s" % (
        len(missing), len(sent), [sent[i] for i in missing[:5]])
    for i, m in got.items():
        qname, qtype = sent[i]
        assert m.rcode() == NOERROR and \
            answer_of(m, qtype) == want[(qname, qtype)], (qname, m)


def test_max_resolutions_is_a_limit(hier, make_resolver):
    """max_resolutions bounds the resolutions at once; more queries are
    dropped. A burst for names whose servers never answer fills it (each
    stays in flight until resolve_timeout), then a paced stream keeps
    arriving while the event loop is still turning the first burst into
    jobs: resolver.in_flight must not pass the limit."""
    limit = 100
    r = make_resolver(dns={"max_resolutions": str(limit)})
    wires = [dns.message.make_query("x%d.silent.test" % i, "A").to_wire()
             for i in range(128 + 300)]
    socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
             for _ in range(8)]             # spread over the UDP workers
    try:
        for i, w in enumerate(wires):
            socks[i % len(socks)].sendto(w, r.addr4)
            if i >= 128:                    # 20 us apart
                t = time.perf_counter() + 0.00002
                while time.perf_counter() < t:
                    pass
    finally:
        for s in socks:
            s.close()
    wait_for(lambda: int(r.dns_stats()["resolver.dropped"]) >= 1, 3,
             "resolver.dropped to count the excess")
    time.sleep(0.2)
    st = r.dns_stats()
    in_flight = int(st["resolver.in_flight"])
    # Once they time out, there is room again.
    wait_for(lambda: r.dns_stats()["resolver.in_flight"] == "0",
             RESOLVE_TIMEOUT + 3, "the stuck resolutions to end")
    assert answer_of(ask(r, "www.example.test")) == ["192.0.2.2"]
    assert in_flight <= limit, \
        "%d resolutions at once with max_resolutions = %d (dropped=%s)" % (
            in_flight, limit, st["resolver.dropped"])


def test_reload_changes_who_may_recurse(hier, make_resolver):
    r = make_resolver()
    assert answer_of(ask(r, "www.example.test")) == ["192.0.2.2"]
    r.update(dns={"allow_recursion": "10.0.0.0/8"})
    r.write_config()
    os.kill(r.pid, signal.SIGHUP)
    wait_for(lambda: ask(r, "www.example.test").rcode() == REFUSED, 5,
             "REFUSED after the reload")
    assert ask(r, "mail.example.test").rcode() == REFUSED
    r.update(dns={"allow_recursion": "127.0.0.1/32"})
    r.write_config()
    os.kill(r.pid, signal.SIGHUP)
    wait_for(lambda: ask(r, "www.example.test").rcode() == NOERROR, 5,
             "answers after the second reload")
    # The cache outlived both reloads.
    before = hier.queries()
    assert answer_of(ask(r, "www.example.test")) == ["192.0.2.2"]
    assert hier.queries() == before
    assert answer_of(ask(r, "mail.example.test")) == ["192.0.2.3"]


def test_identical_upstream_questions_are_asked_once(hier, make_resolver):
    """A burst of names under a zone the cold resolver has not met yet
    costs one referral query at the root and one at the TLD, not one per
    name: later jobs wait on the question already in flight."""
    r = make_resolver()
    names = ["www.example.test", "mail.example.test", "txt.example.test"]
    names += ["nosuch%d.example.test" % i for i in range(17)]
    before = hier.queries()
    host, port = r.addr4
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(Q_TIMEOUT)
    try:
        ids = {}
        for i, name in enumerate(names):
            q = dns.message.make_query(name, "A", use_edns=0)
            q.id = 1000 + i
            ids[q.id] = name
            sock.sendto(q.to_wire(), (host, port))
        got = {}
        deadline = time.monotonic() + 5
        while len(got) < len(names) and time.monotonic() < deadline:
            m = dns.message.from_wire(sock.recv(4096))
            got[m.id] = m
    finally:
        sock.close()
    assert set(got) == set(ids), "answers missing for %s" % sorted(
        ids[i] for i in set(ids) - set(got))
    for i, m in got.items():
        want = ask_leaf(hier.leaf, ids[i])
        assert m.rcode() == want.rcode(), ids[i]
        assert rrs(m.answer) == rrs(want.answer), ids[i]
    after = hier.queries()
    assert after["root"] - before["root"] == 1, (before, after)
    assert after["tld"] - before["tld"] == 1, (before, after)
    assert int(r.dns_stats()["resolver.coalesced"]) > 0


def test_flush_subtree(hier, make_resolver):
    """flush -r NAME drops NAME and everything below it, nothing else."""
    r = make_resolver()
    for name in ("www.example.test", "mail.example.test", "www.other.test"):
        assert ask(r, name).rcode() == NOERROR
    before = hier.queries()
    rc, out = r.ctl("dns", "flush", "-r", "example.test")
    assert rc == 0 and int(parse_kv(out)["flushed"]) >= 2, out
    assert ask(r, "www.other.test").rcode() == NOERROR
    assert hier.queries() == before, "other.test was flushed too"
    assert ask(r, "mail.example.test").rcode() == NOERROR
    after = hier.queries()
    assert sum(after.values()) > sum(before.values()), (before, after)

"""The authoritative DNS server (src/dns/) driven by dig, kdig and
dnspython on free loopback ports, with the zones of tests/integration/data:
example.test (with sub. delegated away and deep. delegated to a zone the
same server holds), deep.example.test and other.test."""
import os
import random
import re
import signal
import socket
import struct
import time

import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.query
import dns.rcode
import dns.rdata
import dns.rdatatype
import pytest

from conftest import wait_for
from dns_util import (DnsSite, TcpConn, dig, dig_header, frame, kdig,
                      make_query, rr_lines, sane_reply, tcp, udp, udp_raw,
                      zone_records)

AA, TC = dns.flags.AA, dns.flags.TC


# ---- fixtures ----

@pytest.fixture(scope="module")
def shared(inetkit_bin, tmp_path_factory):
    """One server for the read-only tests (they count nothing)."""
    s = DnsSite(inetkit_bin, tmp_path_factory.mktemp("dns-shared"))
    try:
        s.start_dns()
        yield s
    finally:
        s.close()
    s.check_sanitizers()


@pytest.fixture
def dns_site(inetkit_bin, tmp_path):
    """dns_site(dns={...}, zones={...}, start=True) -> a fresh DnsSite,
    stopped by PID at teardown."""
    sites = []

    def make(dns=None, zones=None, start=True):
        sub = tmp_path / ("dns%d" % len(sites))
        sub.mkdir()
        s = DnsSite(inetkit_bin, sub, dns=dns, zones=zones)
        sites.append(s)
        if start:
            s.start_dns()
        return s

    yield make
    for s in sites:
        s.close()
    for s in sites:
        s.check_sanitizers()


def find_rrset(section, name, rdtype):
    for rrset in section:
        if rrset.name == dns.name.from_text(name) and \
                rrset.rdtype == dns.rdatatype.from_text(rdtype):
            return rrset
    return None


def rdatas(rrset):
    return sorted(rd.to_text() for rd in rrset)


def raw_header(qid, flags, qd, an=0, ns=0, ar=0):
    return struct.pack("!HHHHHH", qid, flags, qd, an, ns, ar)


def raw_question(name="www.example.test.", qtype=1, qclass=1):
    out = b""
    for label in name.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0" + struct.pack("!HH", qtype, qclass)


def reply_rcode(wire):
    return wire[3] & 0x0F


# ---- positive answers ----

def test_a_and_aaaa_are_authoritative(shared):
    out = dig(shared, "www.example.test", "A")
    status, flags = dig_header(out)
    assert status == "NOERROR" and "aa" in flags and "qr" in flags, out
    assert "rd" not in flags and "ra" not in flags, out
    assert ("www.example.test.", 3600, "A", "192.0.2.2") in rr_lines(out)

    out = kdig(shared, "www.example.test", "AAAA")
    status, flags = dig_header(out)
    assert status == "NOERROR" and "aa" in flags, out
    assert ("www.example.test.", 3600, "AAAA", "2001:db8::2") in \
        rr_lines(out), out

    r, _ = udp(shared, "ns1.example.test", "AAAA")
    assert r.flags & AA and r.rcode() == dns.rcode.NOERROR
    assert rdatas(find_rrset(r.answer, "ns1.example.test.", "AAAA")) == \
        ["2001:db8::1"]


def test_mx_with_mail_host_address_in_additional(shared):
    r, _ = udp(shared, "example.test", "MX")
    assert r.flags & AA
    assert rdatas(find_rrset(r.answer, "example.test.", "MX")) == \
        ["10 mail.example.test."]
    glue = find_rrset(r.additional, "mail.example.test.", "A")
    assert glue is not None, r.to_text()
    assert rdatas(glue) == ["192.0.2.3"]
    assert not r.authority


def test_txt(shared):
    out = dig(shared, "example.test", "TXT", "+short")
    assert out.strip() == '"v=spf1 mx -all"', out
    r, _ = udp(shared, "example.test", "TXT")
    assert r.flags & AA
    assert rdatas(find_rrset(r.answer, "example.test.", "TXT")) == \
        ['"v=spf1 mx -all"']


def test_srv_with_target_addresses(shared):
    out = kdig(shared, "_ftp._tcp.example.test", "SRV")
    status, flags = dig_header(out)
    assert status == "NOERROR" and "aa" in flags, out
    r, _ = udp(shared, "_ftp._tcp.example.test", "SRV")
    assert rdatas(find_rrset(r.answer, "_ftp._tcp.example.test.",
                             "SRV")) == ["0 5 2121 www.example.test."]
    assert rdatas(find_rrset(r.additional, "www.example.test.", "A")) == \
        ["192.0.2.2"]
    assert rdatas(find_rrset(r.additional, "www.example.test.",
                             "AAAA")) == ["2001:db8::2"]


def test_caa(shared):
    out = dig(shared, "example.test", "CAA", "+noall", "+answer")
    rows = rr_lines(out)
    assert sorted(r[3] for r in rows if r[2] == "CAA") == [
        '0 iodef "mailto:hostmaster@example.test"',
        '0 issue "ca.example.net"'], out
    r, _ = udp(shared, "example.test", "CAA")
    assert r.flags & AA and len(find_rrset(r.answer, "example.test.",
                                           "CAA")) == 2


# ---- CNAME ----

def test_cname_chased_inside_the_zone(shared):
    r, _ = udp(shared, "ftp.example.test", "A")
    assert r.rcode() == dns.rcode.NOERROR and r.flags & AA
    assert [(rr.name.to_text(), dns.rdatatype.to_text(rr.rdtype))
            for rr in r.answer] == [("ftp.example.test.", "CNAME"),
                                    ("www.example.test.", "A")]
    assert rdatas(r.answer[0]) == ["www.example.test."]
    assert rdatas(r.answer[1]) == ["192.0.2.2"]
    out = dig(shared, "ftp.example.test", "A", "+noall", "+answer")
    assert [row[2] for row in rr_lines(out)] == ["CNAME", "A"], out


def test_cname_out_of_zone_gives_only_the_cname(shared):
    r, _ = udp(shared, "away.example.test", "A")
    assert r.rcode() == dns.rcode.NOERROR and r.flags & AA
    assert len(r.answer) == 1
    assert r.answer[0].rdtype == dns.rdatatype.CNAME
    assert rdatas(r.answer[0]) == ["www.example.net."]
    assert not r.authority


# ---- wildcards (RFC 4592) ----

def test_wildcard_synthesis_uses_the_query_name(shared):
    for qname in ("anything.dyn.example.test.", "a.b.dyn.example.test.",
                  "MiXeD.dyn.example.test."):
        r, _ = udp(shared, qname, "A")
        assert r.rcode() == dns.rcode.NOERROR and r.flags & AA, qname
        assert len(r.answer) == 1, r.to_text()
        assert r.answer[0].name.to_text() == qname     # not *.dyn
        assert rdatas(r.answer[0]) == ["192.0.2.10"]
    out = dig(shared, "anything.dyn.example.test", "A", "+noall", "+answer")
    assert rr_lines(out) == [("anything.dyn.example.test.", 3600, "A",
                              "192.0.2.10")], out


def test_wildcard_does_not_override_an_existing_name(shared):
    # fixed.dyn exists (TXT only): A there is NODATA, not the wildcard.
    r, _ = udp(shared, "fixed.dyn.example.test", "A")
    assert r.rcode() == dns.rcode.NOERROR and r.flags & AA
    assert not r.answer, r.to_text()
    assert find_rrset(r.authority, "example.test.", "SOA") is not None
    r, _ = udp(shared, "fixed.dyn.example.test", "TXT")
    assert rdatas(r.answer[0]) == ['"not from the wildcard"']
    # Below an existing name the closest encloser is that name, which
    # has no wildcard child: NXDOMAIN (RFC 4592 2.2.1).
    r, _ = udp(shared, "x.fixed.dyn.example.test", "A")
    assert r.rcode() == dns.rcode.NXDOMAIN, r.to_text()
    # An empty non-terminal exists too (RFC 4592 2.2.2): ent.dyn (from
    # deeper.ent.dyn) is NODATA, not the wildcard's A.
    r, _ = udp(shared, "ent.dyn.example.test", "A")
    assert r.rcode() == dns.rcode.NOERROR and not r.answer, r.to_text()
    r, _ = udp(shared, "deeper.ent.dyn.example.test", "A")
    assert rdatas(r.answer[0]) == ["192.0.2.12"]


def test_wildcard_nodata_for_another_type(shared):
    r, _ = udp(shared, "anything.dyn.example.test", "MX")
    assert r.rcode() == dns.rcode.NOERROR and r.flags & AA
    assert not r.answer
    soa = find_rrset(r.authority, "example.test.", "SOA")
    assert soa is not None and soa.ttl == 300, r.to_text()


# ---- negative answers (RFC 2308) ----

def test_nxdomain_with_soa_and_negative_ttl(shared):
    r, _ = udp(shared, "nosuch.example.test", "A")
    assert r.rcode() == dns.rcode.NXDOMAIN and r.flags & AA
    assert not r.answer
    soa = find_rrset(r.authority, "example.test.", "SOA")
    # SOA TTL 1h, minimum 5m: min is 300.
    assert soa is not None and soa.ttl == 300, r.to_text()
    out = dig(shared, "nosuch.example.test", "A")
    assert dig_header(out)[0] == "NXDOMAIN", out
    # other.test: SOA TTL 60 below its minimum 1h: 60.
    r, _ = udp(shared, "nosuch.other.test", "A")
    assert r.rcode() == dns.rcode.NXDOMAIN
    assert find_rrset(r.authority, "other.test.", "SOA").ttl == 60


def test_nodata_with_soa(shared):
    r, _ = udp(shared, "www.example.test", "MX")
    assert r.rcode() == dns.rcode.NOERROR and r.flags & AA
    assert not r.answer and not r.additional
    soa = find_rrset(r.authority, "example.test.", "SOA")
    assert soa is not None and soa.ttl == 300


def test_empty_non_terminal_is_nodata(shared):
    for qname in ("_tcp.example.test", "dyn.example.test"):
        r, _ = udp(shared, qname, "SRV")
        assert r.rcode() == dns.rcode.NOERROR, (qname, r.to_text())
        assert not r.answer and r.flags & AA
        assert find_rrset(r.authority, "example.test.", "SOA") is not None
    out = dig(shared, "_tcp.example.test", "SRV")
    assert dig_header(out)[0] == "NOERROR", out


# ---- delegation ----

def test_delegation_gives_referral_with_glue(shared):
    for qname, qtype in (("host.sub.example.test", "A"),
                         ("sub.example.test", "NS"),
                         ("a.b.sub.example.test", "MX")):
        r, _ = udp(shared, qname, qtype)
        assert r.rcode() == dns.rcode.NOERROR, r.to_text()
        assert not r.flags & AA, (qname, r.to_text())
        assert not r.answer
        ns = find_rrset(r.authority, "sub.example.test.", "NS")
        assert ns is not None and rdatas(ns) == ["ns.sub.example.test."]
        assert find_rrset(r.authority, "example.test.", "SOA") is None
        glue = find_rrset(r.additional, "ns.sub.example.test.", "A")
        assert glue is not None and rdatas(glue) == ["127.0.0.1"]
    out = dig(shared, "host.sub.example.test", "A")
    assert "aa" not in dig_header(out)[1], out


# ---- errors ----

def test_refused_outside_every_zone(shared):
    for qname in ("www.example.net", "example", "test"):
        r, _ = udp(shared, qname, "A")
        assert r.rcode() == dns.rcode.REFUSED, qname
        assert not r.flags & AA and not r.answer and not r.authority
    assert dig_header(dig(shared, "nothing.invalid"))[0] == "REFUSED"


def test_formerr_for_malformed_queries(shared):
    q = raw_question()
    opt = b"\0" + struct.pack("!HHIH", 41, 1232, 0, 0)
    cases = {
        "qdcount=2, one question": raw_header(0x1111, 0, 2) + q,
        "question cut in the name": raw_header(0x2222, 0, 1) + q[:7],
        "question cut in the type": raw_header(0x3333, 0, 1) + q[:-3],
        "qdcount=0": raw_header(0x4444, 0, 0),
        "trailing garbage": raw_header(0x5555, 0, 1) + q + b"\x01\x02",
        "answer in a query": raw_header(0x6666, 0, 1, an=1) + q +
        b"\0" + struct.pack("!HHIH", 1, 1, 0, 4) + b"\1\2\3\4",
        # RFC 6891 6.1.1: one OPT, owned by the root.
        "two OPT records": raw_header(0x7777, 0, 1, ar=2) + q + opt * 2,
        "OPT not at the root": raw_header(0x8888, 0, 1, ar=1) + q +
        b"\1x" + opt,
    }
    for what, pkt in cases.items():
        wire = udp_raw(pkt, shared.addr4)
        assert wire is not None, "no reply for " + what
        assert wire[:2] == pkt[:2], what
        assert sane_reply(wire), what
        assert reply_rcode(wire) == dns.rcode.FORMERR, \
            "%s: rcode %d" % (what, reply_rcode(wire))


@pytest.mark.parametrize("opcode", [dns.opcode.STATUS, dns.opcode.UPDATE,
                                    dns.opcode.NOTIFY])
def test_notimp_for_other_opcodes(shared, opcode):
    if opcode == dns.opcode.UPDATE:
        m = dns.message.make_query("example.test", "SOA")
        m.set_opcode(dns.opcode.UPDATE)
        pkt = m.to_wire()
    else:
        pkt = raw_header(0x7777, opcode << 11, 1) + raw_question()
    wire = udp_raw(pkt, shared.addr4)
    assert wire is not None and sane_reply(wire)
    assert wire[:2] == pkt[:2]
    assert reply_rcode(wire) == dns.rcode.NOTIMP
    assert (wire[2] >> 3) & 0xF == opcode       # the opcode is echoed


def test_badvers_for_edns_version_1(shared):
    q = make_query("www.example.test", "A", edns=1)
    wire = udp_raw(q.to_wire(), shared.addr4)
    assert wire is not None
    r = dns.message.from_wire(wire)
    assert r.rcode() == dns.rcode.BADVERS, dns.rcode.to_text(r.rcode())
    assert r.edns == 0            # we answer with the version we speak
    assert not r.answer
    # Version 0 on the same name works.
    r, _ = udp(shared, "www.example.test", "A", edns=0)
    assert r.rcode() == dns.rcode.NOERROR and r.answer


def test_query_name_case_is_preserved(shared):
    qname = "WwW.ExAmPlE.tEsT."
    q = make_query(qname, "A")
    wire = udp_raw(q.to_wire(), shared.addr4)
    assert b"\x03WwW\x07ExAmPlE\x04tEsT\x00" in wire
    r = dns.message.from_wire(wire)
    assert r.question[0].name.to_text() == qname
    assert r.answer[0].name.to_text() == qname
    assert rdatas(r.answer[0]) == ["192.0.2.2"]
    out = dig(shared, qname, "A", "+noall", "+answer")
    assert rr_lines(out)[0][0] == qname, out


# ---- several zones ----

def test_longest_zone_match(shared):
    # deep.example.test is delegated in example.test, but the server
    # holds the child too: the child answers, authoritatively.
    r, _ = udp(shared, "host.deep.example.test", "A")
    assert r.rcode() == dns.rcode.NOERROR and r.flags & AA, r.to_text()
    assert rdatas(r.answer[0]) == ["192.0.2.54"]
    r, _ = udp(shared, "deep.example.test", "SOA")
    assert r.flags & AA and r.answer[0][0].serial == 7
    r, _ = udp(shared, "nosuch.deep.example.test", "A")
    assert r.rcode() == dns.rcode.NXDOMAIN and r.flags & AA
    soa = find_rrset(r.authority, "deep.example.test.", "SOA")
    assert soa is not None and soa.ttl == 120, r.to_text()
    r, _ = udp(shared, "www.other.test", "A")
    assert r.flags & AA and rdatas(r.answer[0]) == ["192.0.2.101"]
    # The parent's names still come from the parent.
    r, _ = udp(shared, "www.example.test", "A")
    assert rdatas(r.answer[0]) == ["192.0.2.2"]
    rc, text = shared.ctl("dns", "zones")
    assert rc == 0, text
    serials = dict(re.findall(r"^(\S+) serial=(\d+)", text, re.M))
    assert serials == {"example.test.": "2024010101",
                       "deep.example.test.": "7", "other.test.": "42"}, text


# ---- truncation ----

def test_truncation_without_edns(shared):
    r, size = udp(shared, "many.example.test", "A")
    assert r.flags & TC, r.to_text()
    assert size <= 512
    r, size = udp(shared, "big.example.test", "TXT")
    assert r.flags & TC and size <= 512
    # dig without +ignore retries over TCP and gets all 60.
    out = dig(shared, "+noedns", "many.example.test", "A")
    assert "Truncated, retrying in TCP mode" in out, out
    assert len([x for x in rr_lines(out) if x[2] == "A"]) == 60, out
    out = dig(shared, "+noedns", "+ignore", "many.example.test", "A")
    assert "tc" in dig_header(out)[1], out


def test_edns_buffer_size_is_honoured_and_capped(shared):
    # 60 A records: about 1 KB, over 512 but under our udp_size 1232.
    r, size = udp(shared, "many.example.test", "A", edns=0, payload=4096)
    assert not r.flags & TC, "truncated at %d bytes" % size
    assert len(r.answer[0]) == 60 and 512 < size <= 1232
    assert r.payload == 1232
    # 40 TXT records, about 2.4 KB: the server's 1232 caps the client's
    # 4096.
    r, size = udp(shared, "big.example.test", "TXT", edns=0, payload=4096)
    assert r.flags & TC and size <= 1232, size
    assert r.edns == 0 and r.payload == 1232     # OPT kept when cut
    # A client's smaller size is the limit.
    r, size = udp(shared, "many.example.test", "A", edns=0, payload=700)
    assert r.flags & TC and size <= 700, size
    # Under 512 counts as 512 (RFC 6891 6.2.5).
    r, size = udp(shared, "many.example.test", "A", edns=0, payload=100)
    assert r.flags & TC and 100 < size <= 512, size
    # Over TCP the whole RRset comes.
    r = tcp(shared, "big.example.test", "TXT")
    assert not r.flags & TC and len(r.answer[0]) == 40
    out = kdig(shared, "+bufsize=4096", "many.example.test", "A")
    assert "tc" not in dig_header(out)[1], out
    assert len([x for x in rr_lines(out) if x[2] == "A"]) == 60, out
    assert "(UDP)" in out, out


# ---- TCP ----

def test_tcp_query(shared):
    r = tcp(shared, "www.example.test", "A")
    assert r.flags & AA and rdatas(r.answer[0]) == ["192.0.2.2"]
    out = dig(shared, "+tcp", "mail.example.test", "A")
    assert dig_header(out)[0] == "NOERROR"
    assert ("mail.example.test.", 3600, "A", "192.0.2.3") in rr_lines(out)
    assert "(TCP)" in out, out


def test_tcp_pipelining_in_one_send(shared):
    asks = [("www.example.test", "A", "192.0.2.2"),
            ("nosuch.example.test", "A", None),
            ("mail.example.test", "A", "192.0.2.3"),
            ("ns1.example.test", "AAAA", "2001:db8::1"),
            ("ftp.example.test", "A", "192.0.2.2"),
            ("www.other.test", "A", "192.0.2.101")]
    qs = [make_query(n, t, want_id=0x100 + i)
          for i, (n, t, _) in enumerate(asks)]
    with TcpConn(shared.addr4) as c:
        c.send(b"".join(frame(q.to_wire()) for q in qs))
        for q, (name, qtype, want) in zip(qs, asks):
            r = dns.message.from_wire(c.read_msg())
            assert r.id == q.id, "out of order: %#x for %#x" % (r.id, q.id)
            assert r.question[0].name == q.question[0].name
            if want is None:
                assert r.rcode() == dns.rcode.NXDOMAIN
            else:
                assert want in [rd.to_text() for rs in r.answer
                                for rd in rs], r.to_text()
        # The connection stays usable; a query split across two sends.
        wire = frame(make_query("www.example.test", "AAAA",
                                want_id=0x999).to_wire())
        c.send(wire[:5])
        time.sleep(0.05)
        c.send(wire[5:])
        r = dns.message.from_wire(c.read_msg())
        assert r.id == 0x999 and rdatas(r.answer[0]) == ["2001:db8::2"]


def test_tcp_idle_timeout(dns_site):
    site = dns_site(dns={"tcp_idle_timeout": "1s"})
    with TcpConn(site.addr4) as c:
        c.send(frame(make_query("www.example.test").to_wire()))
        assert dns.message.from_wire(c.read_msg()).answer
        t0 = time.monotonic()
        c.wait_eof(timeout=5)
        took = time.monotonic() - t0
    assert 0.5 <= took <= 4, "closed after %.2fs" % took
    # A silent connection is closed too.
    with TcpConn(site.addr4) as c:
        c.wait_eof(timeout=5)
    wait_for(lambda: site.dns_stats().get("tcp_current") == "0", 5,
             "tcp_current back to 0")


# ---- AXFR ----

def test_axfr_allowed(shared):
    out = dig(shared, "example.test", "AXFR")
    rows = rr_lines(out)
    assert rows, out
    assert rows[0][2] == "SOA" and rows[-1][2] == "SOA", out
    assert rows[0] == rows[-1]
    want = zone_records(shared.zone_path("example.test.zone"),
                        "example.test.")
    got = [(o.lower(), t, " ".join(rd.split())) for o, _, t, rd in rows]
    # The SOA twice, everything else once.
    assert len(got) == len(want) + 1, (len(got), len(want))
    canon = set()
    for o, t, rd in got:
        canon.add((o, t, dns.rdata.from_text("IN", t, rd).to_text()))
    assert canon == want, (canon ^ want)
    # dnspython agrees, and every message is authoritative.
    msgs = list(dns.query.xfr("127.0.0.1", "example.test",
                              port=shared.port, timeout=5, lifetime=10,
                              relativize=False))
    assert msgs and all(m.flags & AA for m in msgs)
    n = sum(len(rs) for m in msgs for rs in m.answer)
    assert n == len(want) + 1


def test_axfr_refused_outside_allow_axfr(dns_site):
    zones = {"example.test": {"file": "example.test.zone",
                              "allow_axfr": "10.0.0.0/8"}}
    site = dns_site(zones=zones)
    out = dig(site, "example.test", "AXFR")
    assert "Transfer failed" in out, out
    assert not rr_lines(out), out
    q = make_query("example.test", "AXFR")
    with TcpConn(site.addr4) as c:
        c.send(frame(q.to_wire()))
        r = dns.message.from_wire(c.read_msg())
    assert r.id == q.id and r.rcode() == dns.rcode.REFUSED
    assert not r.answer
    st = site.dns_stats()
    assert st["axfr"] == "0" and int(st["axfr_refused"]) == 2, st


def test_axfr_refused_without_allow_axfr_or_apex(shared):
    # deep.example.test has no allow_axfr: nobody may transfer it.
    out = dig(shared, "deep.example.test", "AXFR")
    assert "Transfer failed" in out and not rr_lines(out), out
    # A name inside a zone is not a zone: NOTAUTH.
    q = make_query("www.example.test", "AXFR")
    with TcpConn(shared.addr4) as c:
        c.send(frame(q.to_wire()))
        r = dns.message.from_wire(c.read_msg())
    assert r.rcode() == dns.rcode.NOTAUTH and not r.answer


def test_axfr_over_udp_is_refused(shared):
    q = make_query("example.test", "AXFR")
    wire = udp_raw(q.to_wire(), shared.addr4)
    assert wire is not None
    r = dns.message.from_wire(wire)
    assert r.rcode() == dns.rcode.REFUSED and not r.answer
    # IXFR too (not served at all).
    q = make_query("example.test", "IXFR")
    r = dns.message.from_wire(udp_raw(q.to_wire(), shared.addr4))
    assert r.rcode() == dns.rcode.REFUSED


# ---- IPv6 ----

def test_ipv6_loopback(shared):
    out = kdig(shared, "www.example.test", "AAAA", host="::1")
    status, flags = dig_header(out)
    assert status == "NOERROR" and "aa" in flags, out
    assert ("www.example.test.", 3600, "AAAA", "2001:db8::2") in \
        rr_lines(out), out
    r, _ = udp(shared, "mail.example.test", "A", addr=shared.addr6)
    assert rdatas(r.answer[0]) == ["192.0.2.3"]
    r = tcp(shared, "www.example.test", "A", addr=shared.addr6)
    assert rdatas(r.answer[0]) == ["192.0.2.2"]
    # allow_axfr lists ::1 too.
    msgs = list(dns.query.xfr("::1", "example.test", port=shared.port,
                              timeout=5, lifetime=10))
    assert msgs[0].answer[0].rdtype == dns.rdatatype.SOA
    assert msgs[-1].answer[-1].rdtype == dns.rdatatype.SOA


# ---- reload ----

def serial_of(site, apex):
    rc, text = site.ctl("dns", "zones")
    m = re.search(r"^%s serial=(\d+)" % re.escape(apex), text, re.M)
    return int(m.group(1)) if rc == 0 and m else None


def test_reload_on_sighup_and_broken_file_keeps_old(dns_site):
    site = dns_site()
    zfile = "example.test.zone"
    text = site.zone_path(zfile).read_text()
    assert "2024010101" in text
    r, _ = udp(site, "fresh.example.test", "A")
    assert r.rcode() == dns.rcode.NXDOMAIN

    new = text.replace("2024010101", "2024010102") + \
        "fresh\tIN\tA\t192.0.2.77\n"
    site.write_zone(zfile, new)
    os.kill(site.pid, signal.SIGHUP)

    def fresh():
        r, _ = udp(site, "fresh.example.test", "A")
        return r.answer and rdatas(r.answer[0]) == ["192.0.2.77"]
    wait_for(fresh, 5, "the new record after SIGHUP")
    assert serial_of(site, "example.test.") == 2024010102
    # The zones that did not change are still there.
    assert serial_of(site, "deep.example.test.") == 7

    lines = new.splitlines()
    bad_line = len(lines) + 1
    site.write_zone(zfile, new + "broken\tIN\tA\t192.0.2.300\n")
    before = site.log().count("not loaded")
    os.kill(site.pid, signal.SIGHUP)
    site.wait_log("not loaded", count=before + 1)
    log = site.log()
    where = "%s:%d:" % (site.zone_path(zfile), bad_line)
    assert where in log, "no %r in the log:\n%s" % (where, log)
    assert "previous version keeps serving" in log
    # Polled: for a moment after a reload a UDP worker may still answer
    # from the zones of before the previous reload (see
    # test_no_stale_answers_after_reload).
    wait_for(fresh, 5, "the kept version to answer")
    r, _ = udp(site, "broken.example.test", "A")
    assert r.rcode() == dns.rcode.NXDOMAIN
    assert serial_of(site, "example.test.") == 2024010102
    # ctl dns reload does the same as SIGHUP once the file is fixed.
    site.write_zone(zfile, new.replace("2024010102", "2024010103"))
    rc, out = site.ctl("dns", "reload")
    assert rc == 0, out
    wait_for(lambda: serial_of(site, "example.test.") == 2024010103, 5,
             "serial 2024010103 after ctl dns reload")


def soa_serial(site):
    r, _ = udp(site, "example.test", "SOA")
    return r.answer[0][0].serial


def test_no_stale_answers_after_reload(dns_site):
    # One UDP worker per address, so each query below reaches the worker
    # that sat idle through the reload. Once `ctl dns reload` has
    # answered, the new zone is in effect: no answer from the old one.
    site = dns_site(dns={"threads": "1"})
    base = site.zone_path("example.test.zone").read_text()
    stale = []
    for i in range(1, 6):
        serial = 2024010101 + i
        site.write_zone("example.test.zone",
                        base.replace("2024010101", str(serial)))
        time.sleep(0.15)                # the worker blocks in recvmmsg
        rc, out = site.ctl("dns", "reload")
        assert rc == 0, out
        got = soa_serial(site)
        if got != serial:
            stale.append((serial, got))
        wait_for(lambda: soa_serial(site) == serial, 5, "serial %d" % serial)
    assert not stale, "answers from the previous zone after the reload " \
        "returned (want, got): %r" % stale


def test_reload_sees_a_changed_include_file(dns_site):
    # example.test.zone pulls in big-txt.inc with $INCLUDE; an edit
    # there is an edit of the zone.
    site = dns_site()
    inc = site.zone_path("big-txt.inc")
    site.write_zone("big-txt.inc", inc.read_text() +
                    "viainclude\tIN\tA\t192.0.2.88\n")
    before = site.log().count("reloaded config=")
    os.kill(site.pid, signal.SIGHUP)
    site.wait_log("reloaded config=", count=before + 1)

    def seen():
        r, _ = udp(site, "viainclude.example.test", "A")
        return r.answer and rdatas(r.answer[0]) == ["192.0.2.88"]
    deadline = time.monotonic() + 2
    while not seen():
        if time.monotonic() > deadline:
            pytest.fail("a record added to an $INCLUDE'd file is not served "
                        "after SIGHUP (only the top zone file's stat is "
                        "compared on reload); log:\n" + site.log())
        time.sleep(0.05)


# ---- stats ----

def test_stats_count_queries(dns_site):
    site = dns_site()
    base = site.dns_stats()
    assert base["queries"] == "0", base
    for _ in range(3):
        udp(site, "www.example.test", "A")
    udp(site, "nosuch.example.test", "A")
    udp(site, "nosuch2.example.test", "A")
    udp(site, "example.test", "MX")
    udp(site, "nothing.invalid", "AAAA")
    r, _ = udp(site, "many.example.test", "A")        # truncated
    assert r.flags & TC
    msgs = list(dns.query.xfr("127.0.0.1", "example.test", port=site.port,
                              timeout=5, lifetime=10))
    assert msgs
    want = {"queries": 9, "udp": 8, "tcp": 1, "axfr": 1, "axfr_refused": 0,
            "truncated": 1, "rcode.noerror": 6, "rcode.nxdomain": 2,
            "rcode.refused": 1, "rcode.formerr": 0, "qtype.A": 6,
            "qtype.AAAA": 1, "qtype.MX": 1, "qtype.AXFR": 1}

    def settled():
        st = site.dns_stats()
        return st if all(st.get(k) == str(v) for k, v in want.items()) \
            else None
    try:
        wait_for(settled, 3, "the counters")
    except BaseException:
        st = site.dns_stats()
        diff = {k: (st.get(k), v) for k, v in want.items()
                if st.get(k) != str(v)}
        pytest.fail("counters (got, want): %r" % diff)


# ---- robustness ----

def real_queries():
    out = []
    for name, t in (("www.example.test", "A"), ("example.test", "MX"),
                    ("_ftp._tcp.example.test", "SRV"),
                    ("x.dyn.example.test", "TXT")):
        out.append(make_query(name, t).to_wire())
        out.append(make_query(name, t, edns=0).to_wire())
    return out


def malformed_packets(rng, n):
    reals = real_queries()
    pkts = []
    for i in range(n):
        kind = i % 8
        qid = rng.randrange(65536)
        if kind == 0:           # random bytes
            p = bytes(rng.randrange(256) for _ in range(rng.randrange(64)))
        elif kind == 1:         # a valid header, then anything
            p = raw_header(qid, 0, 1) + bytes(
                rng.randrange(256) for _ in range(rng.randrange(1, 300)))
        elif kind == 2:         # a real query cut short
            r = rng.choice(reals)
            p = r[:rng.randrange(len(r))]
        elif kind == 3:         # compression pointer loops in the qname
            loop = rng.choice([
                b"\xc0\x0c",                        # points at itself
                b"\xc0\x0e\xc0\x0c",                # two at each other
                b"\x03www\xc0\x0c",                 # label then back to it
                b"\x01a\xc0\x10\x01b\xc0\x0c",      # forward then back
                b"\xc0\xff",                        # beyond the message
                b"\xc0\x05",                        # into the header
            ])
            p = raw_header(qid, 0, 1) + loop + b"\x00\x01\x00\x01"
        elif kind == 4:         # qdcount 0, with or without records
            p = raw_header(qid, 0, 0, ar=rng.randrange(2)) + bytes(
                rng.randrange(256) for _ in range(rng.randrange(20)))
        elif kind == 5:         # huge counts
            p = raw_header(qid, 0, rng.choice([1, 0xFFFF]), 0xFFFF,
                           rng.randrange(65536), 0xFFFF) + raw_question()
        elif kind == 6:         # bit flips in a real query
            b = bytearray(rng.choice(reals))
            for _ in range(rng.randrange(1, 6)):
                b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
            p = bytes(b)
        else:                   # odd labels: long, 0x40/0x80 types, no end
            p = raw_header(qid, 0, 1) + rng.choice([
                b"\x3f" + b"a" * 63,
                b"\x40abc\x00\x00\x01\x00\x01",
                b"\x80abc\x00\x00\x01\x00\x01",
                (b"\x3f" + b"b" * 63) * 5 + b"\x00\x00\x01\x00\x01",
                b"\x01" * 300,
            ])
        pkts.append(p)
    return pkts


def test_malformed_packets_do_not_hurt(dns_site):
    site = dns_site()
    child = site.child_pid("dns")
    rng = random.Random(1234)
    pkts = malformed_packets(rng, 1000)
    replies = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        for i in range(0, len(pkts), 50):
            for p in pkts[i:i + 50]:
                s.sendto(p, site.addr4)
            # Drain what came back, briefly, so nothing piles up.
            s.settimeout(0.05)
            try:
                while True:
                    replies.append(s.recv(65535))
            except socket.timeout:
                pass
    assert replies, "no reply to any of 1000 packets"
    for w in replies:
        assert sane_reply(w), "reply without QR: %r" % w[:12]

    # Some over TCP too: one connection per packet, then all in one.
    # A packet without a header gets no reply, so a good query follows
    # each: its answer (or EOF) tells the garbage was dealt with.
    def garbage_then_query(c, garbage):
        c.send(b"".join(frame(p) for p in garbage) +
               frame(make_query("www.example.test",
                                want_id=0xABCD).to_wire()))
        deadline = time.monotonic() + 5
        while True:
            try:
                w = c.read_msg(timeout=deadline - time.monotonic())
            except EOFError:
                return None             # closing is a fine answer
            assert sane_reply(w), w[:12]
            if w[:2] == b"\xab\xcd":
                return dns.message.from_wire(w)

    for p in pkts[:40]:
        with TcpConn(site.addr4) as c:
            r = garbage_then_query(c, [p])
            assert r is None or rdatas(r.answer[0]) == ["192.0.2.2"]
    with TcpConn(site.addr4) as c:
        r = garbage_then_query(c, pkts[40:200])
        assert r is None or rdatas(r.answer[0]) == ["192.0.2.2"]
    with TcpConn(site.addr4) as c:        # a length with nothing after it
        c.send(b"\xff\xff" + b"\x00" * 10)
    with TcpConn(site.addr4) as c:        # length 0
        c.send(b"\x00\x00")
        c.wait_eof(timeout=5)

    r, _ = udp(site, "www.example.test", "A")
    assert r.flags & AA and rdatas(r.answer[0]) == ["192.0.2.2"]
    r = tcp(site, "mail.example.test", "A")
    assert rdatas(r.answer[0]) == ["192.0.2.3"]
    st = site.dns_stats()
    assert int(st["queries"]) >= 1000, st
    assert site.child_pid("dns") == child, "the dns child was restarted"
    assert "child died" not in site.log(), site.log()


# ---- check-config ----

# Lines appended to other.test.zone, and which of them (1-based among
# those appended) the error may be reported on.
ZONE_ERRORS = {
    "syntax": (["oops\tIN\tAAAA\tnot-an-address"], (1,)),
    "owner-outside-zone": (["www.example.org.\tIN\tA\t192.0.2.9"], (1,)),
    "cname-and-other-data": (["c\tIN\tCNAME\tns", "c\tIN\tTXT\t\"x\""],
                             (1, 2)),
}


@pytest.mark.parametrize("kind", sorted(ZONE_ERRORS))
def test_check_config_names_zone_file_and_line(dns_site, run_inetkit, kind):
    add, which = ZONE_ERRORS[kind]
    site = dns_site(start=False)
    zfile = site.zone_path("other.test.zone")
    good = zfile.read_text().splitlines()
    site.write_zone("other.test.zone", "\n".join(good + add) + "\n")
    r = run_inetkit("check-config", "-c", site.conf)
    out = r.stdout + r.stderr
    assert r.returncode == 2, (r.returncode, out)
    assert "[zone other.test]" in out, out
    lines = [len(good) + k for k in which]
    assert any("%s:%d:" % (zfile, n) in out for n in lines), \
        "no %s:LINE (LINE in %s) in:\n%s" % (zfile, lines, out)
    # The same config without the error is fine.
    site.write_zone("other.test.zone", "\n".join(good) + "\n")
    r = run_inetkit("check-config", "-c", site.conf)
    assert r.returncode == 0, r.stdout + r.stderr


def test_tcp_max_clients(dns_site):
    site = dns_site(dns={"tcp_max_clients": "2"})
    # The readiness probe's own connection must be gone first.
    wait_for(lambda: site.dns_stats().get("tcp_current") == "0", 5,
             "tcp_current at 0 before the test")
    with TcpConn(site.addr4) as a, TcpConn(site.addr4) as b:
        for c in (a, b):
            c.send(frame(make_query("www.example.test").to_wire()))
            assert dns.message.from_wire(c.read_msg()).answer
        # A third is closed at once, without an answer.
        with TcpConn(site.addr4) as extra:
            extra.send(frame(make_query("www.example.test").to_wire()))
            extra.wait_eof(timeout=5)
    # Once those are gone there is room again.
    wait_for(lambda: site.dns_stats().get("tcp_current") == "0", 5,
             "tcp_current back to 0")
    with TcpConn(site.addr4) as c:
        c.send(frame(make_query("www.example.test").to_wire()))
        assert dns.message.from_wire(c.read_msg()).answer

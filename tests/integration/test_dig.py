"""`inetkit dig` (src/dns/dig.c, src/dns/stub.c) against inetkit's own
authoritative server with the zones of tests/integration/data, its output
read the way dig's is and compared with Debian's dig on the same
questions; and +trace down a local hierarchy of three inetkit servers:
the root on 127.53.0.1, test. on 127.53.0.2, example.test. on
127.53.0.3, all on one free port. Every run is bounded."""
import os
import re
import shutil
import socket
import subprocess
import time

import pytest

from conftest import SANITIZER_MARKS, Site, free_port
from dns_util import DnsSite, dig, dig_header, rr_lines, run_tool

RUN_TIMEOUT = 20.0
ROOT, TLD, LEAF = "127.53.0.1", "127.53.0.2", "127.53.0.3"
STEP = re.compile(r"^(\s*)step (\d+): asked (\S+) \((\S+) servers\) "
                  r"for (\S+) (\S+)$", re.M)


# ---- running inetkit dig ----

@pytest.fixture
def idig(inetkit_bin):
    """idig(*args, cwd=None) -> CompletedProcess of `inetkit dig ARGS`,
    checked for sanitizer reports."""
    def run(*args, cwd=None, timeout=RUN_TIMEOUT):
        r = subprocess.run([inetkit_bin, "dig"] + [str(a) for a in args],
                           capture_output=True, text=True, timeout=timeout,
                           cwd=cwd, stdin=subprocess.DEVNULL)
        for mark in SANITIZER_MARKS:
            assert mark not in r.stderr, r.stderr
        return r
    return run


def section(out, name):
    """The record rows of one ";; NAME SECTION:" of dig-style output."""
    m = re.search(r"^;; %s SECTION:\n(.*?)(?:\n\n|\Z)" % name, out,
                  re.M | re.S)
    return rr_lines(m.group(1)) if m else []


def answer_of(out):
    return sorted(section(out, "ANSWER"))


@pytest.fixture(scope="module")
def auth(inetkit_bin, tmp_path_factory):
    """One authoritative server with the test zones, for every test that
    only reads."""
    s = DnsSite(inetkit_bin, tmp_path_factory.mktemp("dig-auth"))
    try:
        s.start_dns()
        yield s
    finally:
        s.close()
    s.check_sanitizers()


def at(site):
    return "@127.0.0.1:%d" % site.port


# ---- one query ----

def test_a_like_dig(auth, idig):
    r = idig(at(auth), "www.example.test", "+norec")
    assert r.returncode == 0, r.stdout + r.stderr
    status, flags = dig_header(r.stdout)
    assert status == "NOERROR" and flags == {"qr", "aa"}, r.stdout
    assert answer_of(r.stdout) == [("www.example.test.", 3600, "A",
                                    "192.0.2.2")]
    assert re.search(r"^;www\.example\.test\.\s+IN\s+A$", r.stdout, re.M)
    assert "SERVER: 127.0.0.1#%d(127.0.0.1) (UDP)" % auth.port in r.stdout
    assert re.search(r"^;; Query time: \d+ msec$", r.stdout, re.M)
    assert "MSG SIZE  rcvd: 61" in r.stdout
    theirs = dig(auth, "www.example.test")
    assert dig_header(theirs) == (status, flags)
    assert sorted(rr_lines(r.stdout)) == sorted(rr_lines(theirs))


def test_mx_like_dig(auth, idig):
    r = idig(at(auth), "example.test", "MX")
    assert r.returncode == 0, r.stdout + r.stderr
    assert answer_of(r.stdout) == [("example.test.", 3600, "MX",
                                    "10 mail.example.test.")]
    assert ("mail.example.test.", 3600, "A", "192.0.2.3") in \
        section(r.stdout, "ADDITIONAL")
    theirs = dig(auth, "example.test", "MX")
    assert sorted(rr_lines(r.stdout)) == sorted(rr_lines(theirs))
    # The type may come first, as dig allows it with -t.
    r2 = idig(at(auth), "-t", "mx", "example.test")
    assert answer_of(r2.stdout) == answer_of(r.stdout)


def test_recursion_flag(auth, idig):
    r = idig(at(auth), "www.example.test")
    _, flags = dig_header(r.stdout)
    assert "rd" in flags and "ra" not in flags
    assert "WARNING: recursion requested but not available" in r.stdout
    r = idig(at(auth), "www.example.test", "+norec")
    _, flags = dig_header(r.stdout)
    assert "rd" not in flags
    assert "WARNING" not in r.stdout


@pytest.mark.parametrize("qname,qtype", [
    ("www.example.test", "A"), ("example.test", "MX"),
    ("ftp.example.test", "A"), ("example.test", "TXT"),
    ("www.example.test", "AAAA"), ("_ftp._tcp.example.test", "SRV")])
def test_short_like_dig(auth, idig, qname, qtype):
    r = idig(at(auth), qname, qtype, "+short")
    assert r.returncode == 0, r.stderr
    theirs = dig(auth, qname, qtype, "+short")
    assert r.stdout.splitlines() == theirs.splitlines()
    assert r.stdout.strip()


def test_short_cname_chain(auth, idig):
    r = idig(at(auth), "ftp.example.test", "+short")
    assert r.stdout == "www.example.test.\n192.0.2.2\n"


def test_tcp(auth, idig):
    r = idig(at(auth), "www.example.test", "+tcp")
    assert r.returncode == 0, r.stderr
    assert "(TCP)" in r.stdout
    assert answer_of(r.stdout) == [("www.example.test.", 3600, "A",
                                    "192.0.2.2")]


def test_truncated_answer_retried_over_tcp(auth, idig):
    # 40 TXT records, about 2.4 KB: more than 1232 bytes of UDP.
    r = idig(at(auth), "big.example.test", "TXT")
    assert r.returncode == 0, r.stderr
    assert "(TCP)" in r.stdout
    status, flags = dig_header(r.stdout)
    assert status == "NOERROR" and "tc" not in flags
    rows = answer_of(r.stdout)
    assert len(rows) == 40
    assert rows == sorted(rr_lines(dig(auth, "big.example.test", "TXT",
                                       "+noall", "+answer")))


def test_nxdomain(auth, idig):
    r = idig(at(auth), "nope.example.test", "+norec")
    assert r.returncode == 0, r.stderr
    status, flags = dig_header(r.stdout)
    assert status == "NXDOMAIN" and "aa" in flags
    assert "status: NXDOMAIN" in r.stdout
    assert answer_of(r.stdout) == []
    soa = section(r.stdout, "AUTHORITY")
    assert [row[2] for row in soa] == ["SOA"]
    theirs = dig(auth, "nope.example.test")
    assert dig_header(theirs)[0] == "NXDOMAIN"
    assert sorted(rr_lines(r.stdout)) == sorted(rr_lines(theirs))
    assert idig(at(auth), "nope.example.test", "+short").stdout == ""


def test_refused_status_is_still_a_response(auth, idig):
    r = idig(at(auth), "www.example.net")
    assert r.returncode == 0
    assert dig_header(r.stdout)[0] == "REFUSED"


def test_ipv6_server(auth, idig):
    for args in (["@[::1]:%d" % auth.port], ["@::1", "-p", auth.port]):
        r = idig(*args, "www.example.test", "+short")
        assert r.returncode == 0, r.stderr
        assert r.stdout == "192.0.2.2\n"
    r = idig("@::1", "-p", auth.port, "www.example.test")
    assert "SERVER: ::1#%d(::1) (UDP)" % auth.port in r.stdout


def test_port_option(auth, idig):
    r = idig("@127.0.0.1", "-p", auth.port, "mail.example.test", "+short")
    assert r.stdout == "192.0.2.3\n"
    # The address's own port wins over -p.
    r = idig(at(auth), "-p", "1", "mail.example.test", "+short")
    assert r.stdout == "192.0.2.3\n"


def test_no_response_exits_9_within_the_timeout(idig):
    # A socket that never reads: every try times out.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        t0 = time.monotonic()
        r = idig("@127.0.0.1:%d" % port, "www.example.test", "+time=1",
                 "+tries=2")
        took = time.monotonic() - t0
    assert r.returncode == 9, r.stdout + r.stderr
    assert "timed out" in r.stdout
    assert "no servers could be reached" in r.stdout
    # 1 s, then 2 s (the timeout doubles), plus start-up.
    assert 2.9 <= took < 6.0, took


def test_connection_refused_exits_9_at_once(idig):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    t0 = time.monotonic()
    r = idig("@127.0.0.1:%d" % port, "www.example.test", "+time=5")
    assert r.returncode == 9
    assert time.monotonic() - t0 < 4.0
    assert "refused" in r.stdout.lower()


def test_default_server_from_config(auth, idig, tmp_path):
    r = idig("-c", auth.conf, "www.example.test", "+short")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "192.0.2.2\n"
    # Without -c: etc/inetkit.conf of the current directory.
    (tmp_path / "etc").mkdir()
    shutil.copyfile(auth.conf, tmp_path / "etc" / "inetkit.conf")
    r = idig("www.example.test", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "SERVER: 127.0.0.1#%d(127.0.0.1)" % auth.port in r.stdout


def test_default_server_without_config(idig, tmp_path):
    r = idig("www.example.test", "+time=1", "+tries=1", cwd=tmp_path)
    assert r.returncode in (0, 9), r.stderr
    assert "127.0.0.1#53" in r.stdout


@pytest.mark.parametrize("args", [
    [], ["+frobnicate", "x.test"], ["x.test", "NOSUCHTYPE"],
    ["@not-an-address", "x.test"], ["x.test", "-p", "0"],
    ["x.test", "+time=0"], ["a..b"], ["x.test", "A", "extra"],
    ["x.test", "AXFR"], ["-c", "/nonexistent/inetkit.conf", "x.test"]])
def test_usage_errors_exit_1(idig, args, tmp_path):
    r = idig(*args, cwd=tmp_path)
    assert r.returncode == 1, (args, r.stdout, r.stderr)
    assert r.stderr


def test_help(inetkit_bin):
    r = subprocess.run([inetkit_bin, "dig", "--help"], capture_output=True,
                       text=True, timeout=RUN_TIMEOUT,
                       stdin=subprocess.DEVNULL)
    assert r.returncode == 0
    assert "usage: inetkit dig" in r.stdout and "+trace" in r.stdout


# ---- +trace down a local hierarchy ----

ROOT_ZONE = """$TTL 86400
.               IN SOA ns.root. hostmaster.root. 1 1800 900 604800 86400
.               IN NS ns.root.
ns.root.        IN A 127.53.0.1
test.           IN NS ns.test.
ns.test.        IN A 127.53.0.2
; alt. is served by a host inside example.test.: no glue possible here.
alt.            IN NS ns2.example.test.
"""

TEST_ZONE = """$ORIGIN test.
$TTL 86400
@               IN SOA ns.test. hostmaster.test. 1 1800 900 604800 3600
@               IN NS ns
ns              IN A 127.53.0.2
example         IN NS ns.example
ns.example      IN A 127.53.0.3
"""

ALT_ZONE = """$ORIGIN alt.
$TTL 3600
@               IN SOA ns2.example.test. hostmaster.alt. 1 1800 900 604800 300
@               IN NS ns2.example.test.
www             IN CNAME www.example.test.
"""

LEAF_ZONE = """$ORIGIN example.test.
$TTL 3600
@               IN SOA ns hostmaster 2024010101 3h 15m 1w 5m
@               IN NS ns
@               IN MX 10 mail
ns              IN A 127.53.0.3
ns2             IN A 127.53.0.2
www             IN A 192.0.2.2
                IN AAAA 2001:db8::2
mail            IN A 192.0.2.3
ftp             IN CNAME www
"""

HINTS = """; the root of the test hierarchy (named.root format)
.               3600000 NS ns.root.
ns.root.        3600000 A 127.53.0.1
"""


def hierarchy_port():
    """A port free for UDP and TCP on all three addresses."""
    for _ in range(50):
        port = free_port()
        try:
            for host in (ROOT, TLD, LEAF):
                for typ in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
                    with socket.socket(socket.AF_INET, typ) as s:
                        s.bind((host, port))
        except OSError:
            continue
        return port
    raise RuntimeError("no port free on 127.53.0.1-3")


def auth_site(binary, tmp, addr, port, zones):
    """An `inetkit up` with [dns] on addr:port serving `zones` ({apex:
    text}), zone files beside the config (readable by nobody)."""
    s = Site(binary, tmp, sections={"echo": {"enabled": "no"}})
    zdir = s.dir / "zones"
    zdir.mkdir()
    os.chmod(zdir, 0o755)
    secs = {"dns": {"enabled": "yes", "listen": "%s:%d" % (addr, port),
                    "threads": "1", "query_log": "no"}}
    for apex, text in zones.items():
        f = zdir / (apex.strip(".") or "root")
        f.write_text(text)
        os.chmod(f, 0o644)
        secs["zone %s" % apex] = {"file": str(f)}
    s.update(**secs)
    s.write_config()
    return s


class Hierarchy:
    def __init__(self, port, hints, sites):
        self.port = port
        self.hints = hints
        self.sites = sites


@pytest.fixture(scope="module")
def tree(inetkit_bin, tmp_path_factory):
    base = tmp_path_factory.mktemp("dig-tree")
    port = hierarchy_port()
    sites = []
    try:
        for name, addr, zones in (
                ("root", ROOT, {".": ROOT_ZONE}),
                ("tld", TLD, {"test": TEST_ZONE, "alt": ALT_ZONE}),
                ("leaf", LEAF, {"example.test": LEAF_ZONE})):
            d = base / name
            d.mkdir()
            sites.append(auth_site(inetkit_bin, d, addr, port, zones))
        for s in sites:
            s.start()
        for s in sites:
            s.wait_ready("dns")
        hints = base / "root.hints"
        hints.write_text(HINTS)
        os.chmod(hints, 0o644)
        yield Hierarchy(port, hints, sites)
    finally:
        for s in sites:
            s.close()
    for s in sites:
        for mark in SANITIZER_MARKS:
            assert mark not in s.log(), s.log()


def steps(out):
    """[(indent, n, server, zone, name, type)] of the step lines."""
    return [(len(m.group(1)), int(m.group(2)), m.group(3), m.group(4),
             m.group(5), m.group(6)) for m in STEP.finditer(out)]


def leaf_dig(tree, *args):
    r = run_tool(["dig", "@" + LEAF, "-p", str(tree.port), "+norec",
                  "+time=2", "+tries=1"] + list(args))
    return r.stdout + r.stderr


def test_trace_three_steps(tree, idig):
    r = idig("+trace", "--hints", tree.hints, "-p", tree.port,
             "www.example.test")
    assert r.returncode == 0, r.stdout + r.stderr
    p = tree.port
    assert steps(r.stdout) == [
        (0, 1, "%s#%d" % (ROOT, p), ".", "www.example.test.", "A"),
        (0, 2, "%s#%d" % (TLD, p), "test.", "www.example.test.", "A"),
        (0, 3, "%s#%d" % (LEAF, p), "example.test.", "www.example.test.",
         "A")]
    # Each referral shows the NS records and the glue that led on.
    assert re.search(r"^\s+test\.\s+86400\s+IN\s+NS\s+ns\.test\.$",
                     r.stdout, re.M)
    assert re.search(r"^\s+ns\.test\.\s+86400\s+IN\s+A\s+127\.53\.0\.2$",
                     r.stdout, re.M)
    assert re.search(r"^\s+ns\.example\.test\.\s+86400\s+IN\s+A\s+"
                     r"127\.53\.0\.3$", r.stdout, re.M)
    assert "referral to test." in r.stdout
    assert "referral to example.test." in r.stdout
    final = answer_of(r.stdout)
    assert final == [("www.example.test.", 3600, "A", "192.0.2.2")]
    # Debian's dig, asked at the end of the walk, says the same.
    assert final == sorted(rr_lines(leaf_dig(tree, "www.example.test",
                                             "+noall", "+answer")))


def test_trace_mx_and_short(tree, idig):
    r = idig("+trace", "+short", "--hints", tree.hints, "-p", tree.port,
             "example.test", "MX")
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout == "10 mail.example.test.\n"
    assert r.stdout == leaf_dig(tree, "example.test", "MX", "+short")


def test_trace_in_zone_cname(tree, idig):
    r = idig("+trace", "--hints", tree.hints, "-p", tree.port,
             "ftp.example.test")
    assert r.returncode == 0, r.stdout + r.stderr
    assert len(steps(r.stdout)) == 3
    assert answer_of(r.stdout) == sorted(rr_lines(leaf_dig(
        tree, "ftp.example.test", "+noall", "+answer")))


def test_trace_glueless_ns_and_cname_across_zones(tree, idig):
    r = idig("+trace", "--hints", tree.hints, "-p", tree.port, "www.alt")
    assert r.returncode == 0, r.stdout + r.stderr
    got = steps(r.stdout)
    p = tree.port
    # The root names ns2.example.test. for alt. without an address: a
    # nested walk (indented) finds it, then alt.'s server gives a CNAME
    # into example.test., followed from the root again.
    assert [(g[0], g[1], g[3], g[4]) for g in got] == [
        (0, 1, ".", "www.alt."),
        (2, 1, ".", "ns2.example.test."),
        (2, 2, "test.", "ns2.example.test."),
        (2, 3, "example.test.", "ns2.example.test."),
        (0, 2, "alt.", "www.alt."),
        (0, 3, ".", "www.example.test."),
        (0, 4, "test.", "www.example.test."),
        (0, 5, "example.test.", "www.example.test.")]
    assert got[4][2] == "%s#%d" % (TLD, p)
    assert "no glue for alt." in r.stdout
    assert answer_of(r.stdout) == sorted([
        ("www.alt.", 3600, "CNAME", "www.example.test."),
        ("www.example.test.", 3600, "A", "192.0.2.2")])


def test_trace_nxdomain_and_nodata(tree, idig):
    r = idig("+trace", "--hints", tree.hints, "-p", tree.port,
             "nope.example.test")
    assert r.returncode == 0, r.stdout + r.stderr
    assert len(steps(r.stdout)) == 3
    assert "status: NXDOMAIN" in r.stdout
    assert dig_header(leaf_dig(tree, "nope.example.test"))[0] == "NXDOMAIN"
    r = idig("+trace", "--hints", tree.hints, "-p", tree.port,
             "www.example.test", "TXT")
    assert r.returncode == 0
    assert "status: NOERROR, ANSWER: 0" in r.stdout
    # A name the root does not delegate ends there.
    r = idig("+trace", "--hints", tree.hints, "-p", tree.port,
             "www.example.invalid")
    assert r.returncode == 0
    assert len(steps(r.stdout)) == 1 and "status: NXDOMAIN" in r.stdout


def test_trace_hints_and_port_from_config(tree, idig, tmp_path):
    conf = tmp_path / "dig.conf"
    conf.write_text("[inetkit]\ndata_dir = %s\n[echo]\nenabled = no\n"
                    "[dns]\nroot_hints = %s\nupstream_port = %d\n" %
                    (tmp_path / "var", tree.hints, tree.port))
    r = idig("-c", conf, "+trace", "www.example.test", "AAAA")
    assert r.returncode == 0, r.stdout + r.stderr
    assert [s[3] for s in steps(r.stdout)] == [".", "test.",
                                                "example.test."]
    assert answer_of(r.stdout) == [("www.example.test.", 3600, "AAAA",
                                    "2001:db8::2")]


def test_trace_tcp(tree, idig):
    r = idig("+trace", "+tcp", "--hints", tree.hints, "-p", tree.port,
             "www.example.test")
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.count(", TCP)") == 3


def test_trace_dead_root_exits_9(tree, idig, tmp_path):
    hints = tmp_path / "dead.hints"
    hints.write_text(". 3600000 NS ns.root.\nns.root. 3600000 A "
                     "127.53.0.9\n")
    t0 = time.monotonic()
    r = idig("+trace", "+time=1", "+tries=1", "--hints", hints, "-p",
             tree.port, "www.example.test")
    assert r.returncode == 9, r.stdout + r.stderr
    assert time.monotonic() - t0 < 6.0
    assert "no server of . gave an answer" in r.stdout


def test_trace_without_hints_is_a_usage_error(idig, tmp_path):
    r = idig("+trace", "--hints", tmp_path / "missing", "x.test",
             cwd=tmp_path)
    assert r.returncode == 1
    assert "root hints" in r.stderr

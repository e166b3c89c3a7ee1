"""check-config: the shipped config, every error with FILE:LINE, and the
cross-checks (enabled services must be built, listeners must not clash)."""
import re

import pytest

from conftest import REPO, free_port


def write(tmp_path, text, name="inetkit.conf"):
    p = tmp_path / name
    p.write_text(text)
    return p


def error_lines(stderr, conf):
    """The 'FILE:LINE: message' lines, as {line: message}."""
    out = {}
    pat = re.compile(r"^%s:(\d+): (.*)$" % re.escape(str(conf)))
    for line in stderr.splitlines():
        m = pat.match(line)
        if m:
            assert int(m.group(1)) not in out, "two errors on one line"
            out[int(m.group(1))] = m.group(2)
    return out


def test_shipped_config_is_ok(run_inetkit):
    conf = REPO / "etc" / "inetkit.conf"
    r = run_inetkit("check-config", "-c", conf)
    assert r.returncode == 0, r.stderr
    m = re.fullmatch(r"%s: ok; enabled:(( \w+)*)\n" % re.escape(str(conf)),
                     r.stdout)
    assert m, r.stdout
    assert "echo" in m.group(1).split()
    assert r.stderr == ""


def test_default_config_from_source_tree(run_inetkit):
    # Without -c, a source tree's etc/inetkit.conf is used.
    r = run_inetkit("check-config", cwd=REPO)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("etc/inetkit.conf: ok")


def test_minimal_config_is_ok(run_inetkit, tmp_path):
    conf = write(tmp_path, "[echo]\nenabled = yes\nlisten = 127.0.0.1:%d\n"
                 % free_port())
    r = run_inetkit("check-config", "-c", conf)
    assert r.returncode == 0, r.stderr
    assert r.stdout.endswith("ok; enabled: echo\n")


def test_nothing_enabled_is_valid_but_empty(run_inetkit, tmp_path):
    conf = write(tmp_path, "; nothing at all\n")
    r = run_inetkit("check-config", "-c", conf)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "%s: ok; enabled:\n" % conf


# Ten distinct mistakes, one per line where a word of the message is
# given (line numbers are positions in this list, from 1).
TEN_ERRORS = [
    ("stray = 1", "'stray' comes before any [section]"),
    ("[inetkit]", None),
    ("log_level = loud", "expected debug, info, warn or error"),
    ("bogus = 1", "unknown key 'bogus' in [inetkit]"),
    ("[echo]", None),
    ("enabled = maybe", "expected yes or no"),
    ("max_per_ip = 0", "must be 1..100000"),
    ("idle_timeout = 10ms", "must be 1000ms..86400000ms"),
    ("max_line = 1K", None),
    ("max_line = 2K", "'max_line' is already set at line 9"),
    ("listen = 127.0.0.1:99999", "listen = 127.0.0.1:99999: expected"),
    ("this line has no equals sign", "expected 'key = value'"),
    ("[nosuch]", "unknown section [nosuch]"),
    ("whatever = ignored inside an unknown section", None),
]


def test_ten_errors_all_reported_with_lines(run_inetkit, tmp_path):
    text = "".join(line + "\n" for line, _ in TEN_ERRORS)
    conf = write(tmp_path, text)
    want = {n: w for n, (_, w) in enumerate(TEN_ERRORS, 1) if w is not None}
    assert len(want) == 10

    r = run_inetkit("check-config", "-c", conf)
    assert r.returncode == 2
    assert r.stdout == ""
    got = error_lines(r.stderr, conf)
    assert sorted(got) == sorted(want), r.stderr
    for n, word in want.items():
        assert word in got[n], "line %d: %r lacks %r" % (n, got[n], word)
    assert r.stderr.rstrip().endswith("%s: 10 errors" % conf), r.stderr


def test_up_refuses_a_broken_config(run_inetkit, tmp_path):
    conf = write(tmp_path, "[echo]\nenabled = maybe\n")
    r = run_inetkit("up", "-c", conf)
    assert r.returncode == 2
    assert "%s:2: " % conf in r.stderr
    assert "inetkit is up" not in r.stdout


def test_missing_config_file(run_inetkit, tmp_path):
    conf = tmp_path / "nope.conf"
    r = run_inetkit("check-config", "-c", conf)
    assert r.returncode == 2
    assert "%s: cannot open" % conf in r.stderr


def test_repeated_section(run_inetkit, tmp_path):
    conf = write(tmp_path, "[echo]\nenabled = no\n\n[echo]\n")
    r = run_inetkit("check-config", "-c", conf)
    assert r.returncode == 2
    assert error_lines(r.stderr, conf) == {
        4: "[echo] repeats the one at line 1"}


def test_tls_cert_without_key(run_inetkit, tmp_path):
    conf = write(tmp_path, "; x\n[inetkit]\ntls_cert = /x.pem\n")
    r = run_inetkit("check-config", "-c", conf)
    assert r.returncode == 2
    got = error_lines(r.stderr, conf)
    assert list(got) == [2] and "tls_key" in got[2], r.stderr


def test_enabling_not_built_service_is_an_error(run_inetkit, tmp_path,
                                                unbuilt):
    conf = write(tmp_path, "[echo]\nenabled = no\n\n[%s]\nenabled = yes\n"
                 % unbuilt)
    r = run_inetkit("check-config", "-c", conf)
    assert r.returncode == 2
    got = error_lines(r.stderr, conf)
    assert list(got) == [4], r.stderr
    assert got[4].startswith("[%s] is enabled but the %s service is not "
                             "built yet (issue " % (unbuilt, unbuilt)), got


def test_two_services_on_one_address(run_inetkit, tmp_path, services):
    if not services.get("dns"):
        pytest.skip("needs a second TCP service (dns) built")
    port = free_port()
    conf = write(tmp_path, "[echo]\nenabled = yes\nlisten = 127.0.0.1:%d\n"
                 "[dns]\nenabled = yes\nlisten = 127.0.0.1:%d\n"
                 % (port, port))
    r = run_inetkit("check-config", "-c", conf)
    assert r.returncode == 2
    clash = [m for m in error_lines(r.stderr, conf).values()
             if "127.0.0.1:%d is also used by" % port in m]
    assert len(clash) == 1, r.stderr
    assert re.match(r"\[(echo|dns)\] listen: 127\.0\.0\.1:%d is also used "
                    r"by (echo|dns)$" % port, clash[0]), clash


def test_same_address_twice_is_an_error(run_inetkit, tmp_path):
    # echo is the only service built so far, so the clash is inside it;
    # the check is the same one that compares services with each other.
    port = free_port()
    conf = write(tmp_path, "[echo]\nenabled = yes\nlisten = 127.0.0.1:%d "
                 "127.0.0.1:%d\n" % (port, port))
    r = run_inetkit("check-config", "-c", conf)
    assert r.returncode == 2
    got = error_lines(r.stderr, conf)
    assert list(got) == [1], r.stderr
    assert "127.0.0.1:%d is also used by echo" % port in got[1]


def test_different_ports_do_not_clash(run_inetkit, tmp_path):
    conf = write(tmp_path, "[echo]\nenabled = yes\nlisten = 127.0.0.1:%d "
                 "127.0.0.1:%d\n" % (free_port(), free_port()))
    r = run_inetkit("check-config", "-c", conf)
    assert r.returncode == 0, r.stderr


def test_disabled_service_does_not_clash(run_inetkit, tmp_path):
    port = free_port()
    conf = write(tmp_path, "[echo]\nenabled = yes\nlisten = 127.0.0.1:%d\n"
                 "[ftp]\nenabled = no\nlisten = 127.0.0.1:%d\n"
                 % (port, port))
    r = run_inetkit("check-config", "-c", conf)
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("line,word", [
    ("max_line = 8", "16..65536"),
    ("max_line = 1M", "16..65536"),
    ("idle_timeout = 2d", "86400000ms"),
    ("listen = localhost:7", "127.0.0.1:53"),
    ("max_clients = 12abc", "integer"),
])
def test_echo_value_checks(run_inetkit, tmp_path, line, word):
    conf = write(tmp_path, "[echo]\n%s\n" % line)
    r = run_inetkit("check-config", "-c", conf)
    assert r.returncode == 2
    got = error_lines(r.stderr, conf)
    assert list(got) == [2] and word in got[2], r.stderr

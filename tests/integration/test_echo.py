"""Echo over core line sessions, driven with plain sockets, plus the
control channel every service answers (stats, help, errors)."""
import socket
import time

import pytest

from conftest import wait_for


def test_line_echoed_with_crlf(site):
    with site.client() as c:
        assert c.request("hello") == b"hello\r\n"
        assert c.request("  spaces and\ttabs  ") == b"  spaces and\ttabs  \r\n"


def test_no_greeting(site):
    with site.client() as c:
        with pytest.raises(TimeoutError):
            c.readline(timeout=0.3)


def test_empty_line_echoed(site):
    with site.client() as c:
        assert c.request("") == b"\r\n"


def test_pipelined_lines_in_order(site):
    lines = ["line %03d" % i for i in range(50)]
    with site.client() as c:
        c.send("".join(l + "\r\n" for l in lines))
        got = [c.readline() for _ in lines]
    assert got == [(l + "\r\n").encode() for l in lines]


def test_line_split_across_sends(site):
    with site.client() as c:
        c.send("hel")
        with pytest.raises(TimeoutError):
            c.readline(timeout=0.2)
        c.send("lo\r")
        c.send("\nnext\r\n")
        assert c.readline() == b"hello\r\n"
        assert c.readline() == b"next\r\n"


def test_bare_lf_accepted(site):
    with site.client() as c:
        c.send("bare\n")
        assert c.readline() == b"bare\r\n"
        c.send("mixed\r\nbare again\n")
        assert c.readline() == b"mixed\r\n"
        assert c.readline() == b"bare again\r\n"


def test_binary_bytes_echoed(site):
    data = bytes(range(1, 256)).replace(b"\n", b"").replace(b"\r", b"")
    with site.client() as c:
        c.send(data + b"\r\n")
        assert c.readline() == data + b"\r\n"


def test_overlong_line_refused_session_survives(start_inetkit):
    s = start_inetkit(echo={"max_line": "32"})
    with s.client() as c:
        assert c.request("x" * 32) == b"x" * 32 + b"\r\n"
        assert c.request("y" * 33) == b"error: line too long\r\n"
        # The next line is echoed, and nothing of the long one leaks.
        assert c.request("after") == b"after\r\n"
        c.send("z" * 5000 + "\r\nok\r\n")
        assert c.readline() == b"error: line too long\r\n"
        assert c.readline() == b"ok\r\n"
        with pytest.raises(TimeoutError):
            c.readline(timeout=0.2)


def test_max_per_ip(start_inetkit):
    s = start_inetkit(echo={"max_per_ip": "2"})
    before = s.quiet_stats()
    c1, c2 = s.client(), s.client()
    try:
        # Both are accepted sessions before the third arrives.
        assert c1.request("one") == b"one\r\n"
        assert c2.request("two") == b"two\r\n"
        with s.client() as c3:
            # One refusal line, then the server closes.
            got = c3.read_until_eof(timeout=5)
            assert got == b"error: too many clients from your address\r\n", \
                "refused connection got %r" % got
        # The first two are unharmed.
        assert c1.request("still") == b"still\r\n"
        after = s.stats()
        assert int(after["refused"]) - int(before["refused"]) == 1
        # Once one leaves, a new session is let in.
        c1.close()

        def third_ok():
            with s.client() as c:
                try:
                    return c.request("three") == b"three\r\n"
                except (EOFError, TimeoutError):
                    return False
        wait_for(third_ok, 5, "a session after one was closed")
    finally:
        c1.close()
        c2.close()


def test_max_clients(start_inetkit):
    s = start_inetkit(echo={"max_clients": "1"})
    s.quiet_stats()
    with s.client() as c1:
        assert c1.request("one") == b"one\r\n"
        with s.client() as c2:
            got = c2.read_until_eof(timeout=5)
            assert got == b"error: too many clients\r\n", \
                "refused connection got %r" % got
        assert c1.request("still") == b"still\r\n"


def test_idle_timeout_closes_session(start_inetkit):
    s = start_inetkit(echo={"idle_timeout": "1s"})
    before = s.quiet_stats()
    with s.client() as c:
        assert c.request("hi") == b"hi\r\n"
        t0 = time.monotonic()
        rest = c.read_until_eof(timeout=5)
        waited = time.monotonic() - t0
    assert rest in (b"", b"error: idle timeout\r\n"), rest
    assert 0.8 <= waited < 5, waited
    after = s.stats()
    assert int(after["timeouts"]) - int(before["timeouts"]) == 1


def test_activity_keeps_session_alive(start_inetkit):
    s = start_inetkit(echo={"idle_timeout": "1s"})
    with s.client() as c:
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            assert c.request("tick") == b"tick\r\n"
            time.sleep(0.3)


def test_stats_count_what_was_done(start_inetkit):
    s = start_inetkit(echo={"max_line": "64"})
    before = s.quiet_stats()
    assert before["service"] == "echo"
    sent = 0
    plan = [["a", "bb"], ["ccc"], ["d", "e", "f"]]
    for lines in plan:
        with s.client() as c:
            for l in lines:
                assert c.request(l) == (l + "\r\n").encode()
                sent += 1
    with s.client() as c:
        assert c.request("q" * 100) == b"error: line too long\r\n"

    # Sessions close asynchronously; wait until the server saw them go.
    after = wait_for(lambda: (lambda st: st if st["sessions_current"] == "0"
                              else None)(s.stats()),
                     5, "sessions_current=0")
    d = {k: int(after[k]) - int(before[k])
         for k in ("connections", "requests", "errors")}
    assert d == {"connections": len(plan) + 1, "requests": sent,
                 "errors": 1}, (before, after)


def test_stats_fields(site):
    rc, text = site.ctl("echo", "stats")
    assert rc == 0, text
    st = {}
    for line in text.splitlines():
        k, sep, v = line.partition("=")
        assert sep, "not key=value: %r" % line
        st[k] = v
    for k in ("service", "pid", "uptime_s", "connections", "requests",
              "errors", "sessions_current", "refused", "timeouts",
              "bytes_in", "bytes_out"):
        assert k in st, "%s missing from stats:\n%s" % (k, text)
    assert st["service"] == "echo"
    assert int(st["pid"]) > 0 and int(st["pid"]) != site.pid


def test_stats_sessions_current(site):
    site.quiet_stats()
    with site.client() as c1, site.client() as c2:
        assert c1.request("x") == b"x\r\n"
        assert c2.request("y") == b"y\r\n"
        assert site.stats()["sessions_current"] == "2"


def test_ctl_help(site):
    rc, text = site.ctl("echo", "help")
    assert rc == 0, text
    for cmd in ("help", "stats", "reload"):
        assert any(l.split()[0] == cmd for l in text.splitlines() if l), \
            "%s missing from help:\n%s" % (cmd, text)


def test_ctl_unknown_command(site):
    rc, text = site.ctl("echo", "frobnicate")
    assert rc == 1
    assert text.startswith("error: "), text
    assert "frobnicate" in text


def test_ctl_unknown_service(site):
    rc, text = site.ctl("nosuch", "stats")
    assert rc == 2
    assert "no service" in text


def test_ctl_service_not_running(site):
    rc, text = site.ctl("dns", "stats")
    assert rc == 1
    assert "is the service running?" in text


def test_ctl_needs_a_command(site):
    rc, text = site.ctl("echo")
    assert rc == 2
    assert "usage: inetkit ctl" in text


def test_ctl_socket_is_private(site):
    # DESIGN says mode 0600; what matters is that group and others have
    # no access at all.
    st = site.ctl_path("echo").stat()
    assert st.st_mode & 0o077 == 0, oct(st.st_mode)
    assert (site.ctl_path("echo").parent.stat().st_mode & 0o022) == 0


def test_single_service_mode(start_inetkit):
    s = start_inetkit(service="echo")
    with s.client() as c:
        assert c.request("solo") == b"solo\r\n"
    # No supervisor: the process we started is the service itself.
    assert s.child_pid() == s.pid
    assert s.stop() == 0
    assert not s.ctl_path("echo").exists()


def test_many_clients_at_once(start_inetkit):
    site = start_inetkit(echo={"max_per_ip": "40"})
    clients = [site.client() for _ in range(30)]
    try:
        for i, c in enumerate(clients):
            c.send("client %d\r\n" % i)
        for i, c in enumerate(clients):
            assert c.readline() == b"client %d\r\n" % i
    finally:
        for c in clients:
            c.close()


def test_client_half_close_flushes(site):
    with site.client() as c:
        c.send("last words\r\n")
        c.sock.shutdown(socket.SHUT_WR)
        assert c.readline() == b"last words\r\n"
        assert c.read_until_eof(timeout=5) == b""

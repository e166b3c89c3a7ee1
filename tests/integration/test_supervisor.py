"""inetkit up: banner, restart of a dead child, SIGHUP and ctl reload,
SIGTERM stop, privilege drop."""
import os
import re
import signal
import socket
import time

import pytest

from conftest import IS_ROOT, pid_alive, wait_for


def wait_new_child(site, old_pid, timeout=10):
    """Waits until stats answers from a pid other than old_pid."""
    def new_pid():
        rc, text = site.ctl("echo", "stats")
        if rc != 0:
            return None
        m = re.search(r"^pid=(\d+)$", text, re.M)
        return int(m.group(1)) if m and int(m.group(1)) != old_pid else None
    return wait_for(new_pid, timeout, "a new echo child answering stats")


def test_banner(site):
    host, port = site.addr("echo")
    out = wait_for(lambda: (lambda o: o if "Stop:" in o else None)(
        site.out()), 5, "the banner")
    assert "inetkit is up" in out
    assert "supervisor pid %d" % site.pid in out
    assert re.search(r"^\s+echo\s+tcp\s+%s:%d\b" % (re.escape(host), port),
                     out, re.M), out
    assert "try:" in out
    assert re.search(r"not enabled:.*\bdhcp\b", out), out
    assert "kill -TERM %d" % site.pid in out


def test_log_lines_name_their_service(site):
    site.wait_log("echo info ready")
    log = site.log()
    assert re.search(r"^inetkit info child started service=echo pid=\d+$",
                     log, re.M), log
    for line in log.splitlines():
        assert re.match(r"^(inetkit|echo) (debug|info|warn|error) ", line), \
            "log line without service and level: %r" % line


def test_child_is_a_separate_process(site):
    child = site.child_pid()
    assert child != site.pid
    with open("/proc/%d/stat" % child) as f:
        ppid = int(f.read().rsplit(")", 1)[1].split()[1])
    assert ppid == site.pid


def test_killed_child_is_restarted(site):
    old = site.child_pid()
    os.kill(old, signal.SIGKILL)
    new = wait_new_child(site, old)
    assert pid_alive(new)
    wait_for(lambda: not pid_alive(old), 5, "the old child to be reaped")
    log = site.log()
    assert re.search(r"^inetkit warn child died service=echo signal=9 "
                     r"restart_in_ms=\d+ restarts=1$", log, re.M), log
    assert "restart" in log
    assert "child started service=echo pid=%d" % new in log
    # The listener was kept by the supervisor: the new child serves it.
    with site.client() as c:
        assert c.request("back") == b"back\r\n"


def test_connections_wait_while_child_restarts(site):
    old = site.child_pid()
    os.kill(old, signal.SIGKILL)
    wait_for(lambda: not pid_alive(old), 5, "the old child to be reaped")
    # The supervisor holds the listening socket: a connection made now
    # is queued and served by the next child.
    with site.client(timeout=10) as c:
        assert c.request("queued") == b"queued\r\n"
    wait_new_child(site, old)


def test_restart_backoff_grows(site):
    pid = site.child_pid()
    for n in (1, 2):
        os.kill(pid, signal.SIGKILL)
        pid = wait_new_child(site, pid)
        site.wait_log("restarts=%d" % n)
    delays = [int(x) for x in re.findall(r"restart_in_ms=(\d+)",
                                         site.log())]
    assert len(delays) == 2 and delays[1] > delays[0], delays


def test_sighup_reloads(start_inetkit):
    s = start_inetkit(echo={"max_line": "32"})
    line = "m" * 48
    child = s.child_pid()
    with s.client() as old_c:
        assert old_c.request(line) == b"error: line too long\r\n"

        s.update(echo={"max_line": "64"})
        s.write_config()
        os.kill(s.pid, signal.SIGHUP)
        s.wait_log("echo info reloaded")
        assert "inetkit info reload" in s.log()

        with s.client() as c:
            assert c.request(line) == (line + "\r\n").encode()
        # A reload drops no client, and restarts no child; the new limit
        # applies to the next line of a session that was already open.
        assert old_c.request("still here") == b"still here\r\n"
        assert old_c.request(line) == (line + "\r\n").encode()
    assert s.child_pid() == child


# A config every section of which parses (so "inetkit ctl" can still read
# data_dir from it) but that fails the whole-site check: a service that is
# not built yet is enabled.
def broken_config(s, unbuilt):
    s.update(**{unbuilt: {"enabled": "yes"}})
    text = s.config_text()
    del s.sections[unbuilt]
    return text


def test_sighup_with_broken_config_keeps_old(start_inetkit, unbuilt):
    s = start_inetkit(echo={"max_line": "32"})
    child = s.child_pid()
    s.update(echo={"max_line": "64"})
    s.write_config(broken_config(s, unbuilt))
    os.kill(s.pid, signal.SIGHUP)
    s.wait_log("reload refused")
    want = r"^inetkit error reload refused: %s:\d+: \[%s\] is enabled but" \
        % (re.escape(str(s.conf)), unbuilt)
    assert re.search(want, s.log(), re.M), s.log()
    assert "reloaded" not in s.log()
    with s.client() as c:
        assert c.request("ok") == b"ok\r\n"
        # Still the old limit.
        assert c.request("m" * 48) == b"error: line too long\r\n"
    assert s.child_pid() == child
    # Fixed again, a later SIGHUP goes through.
    s.update(echo={"max_line": "64"})
    s.write_config()
    os.kill(s.pid, signal.SIGHUP)
    s.wait_log("echo info reloaded")
    with s.client() as c:
        assert c.request("m" * 48) == b"m" * 48 + b"\r\n"


def test_ctl_reload(start_inetkit):
    s = start_inetkit(echo={"max_line": "32"})
    s.update(echo={"max_line": "64"})
    s.write_config()
    rc, text = s.ctl("echo", "reload")
    assert (rc, text) == (0, "reloaded\n")
    assert "echo info reloaded" in s.log()
    with s.client() as c:
        assert c.request("m" * 48) == b"m" * 48 + b"\r\n"


def test_ctl_reload_broken_config_is_refused(start_inetkit, unbuilt):
    s = start_inetkit(echo={"max_line": "32"})
    s.update(echo={"max_line": "64"})
    s.write_config(broken_config(s, unbuilt))
    rc, text = s.ctl("echo", "reload")
    assert rc == 1
    assert text.startswith("error: "), text
    assert str(s.conf) in text and "not built yet" in text
    assert "reload: " in s.log()
    with s.client() as c:
        assert c.request("m" * 48) == b"error: line too long\r\n"
        assert c.request("fine") == b"fine\r\n"


def test_sigterm_stops_everything(site):
    child = site.child_pid()
    t0 = time.monotonic()
    os.kill(site.pid, signal.SIGTERM)
    rc = site.proc.wait(timeout=5)
    assert time.monotonic() - t0 < 5
    assert rc == 0, site.log()
    assert not pid_alive(child), "echo child %d outlived the supervisor" \
        % child
    log = site.log()
    assert "child stopped service=echo status=0" in log, log
    assert re.search(r"^inetkit info stopped$", log, re.M), log
    assert not site.ctl_path("echo").exists()


def test_sigterm_closes_open_sessions(site):
    child = site.child_pid()
    with site.client() as c:
        assert c.request("hi") == b"hi\r\n"
        os.kill(site.pid, signal.SIGTERM)
        rest = c.read_until_eof(timeout=5)
        assert rest in (b"", b"error: shutting down\r\n"), rest
    assert site.proc.wait(timeout=5) == 0, site.log()
    assert not pid_alive(child)


def test_stuck_child_is_killed_after_stop_timeout(start_inetkit):
    s = start_inetkit(inetkit={"stop_timeout": "500ms"})
    child = s.child_pid()
    os.kill(child, signal.SIGSTOP)      # cannot act on SIGTERM now
    try:
        t0 = time.monotonic()
        os.kill(s.pid, signal.SIGTERM)
        rc = s.proc.wait(timeout=5)
        took = time.monotonic() - t0
    finally:
        if pid_alive(child):
            os.kill(child, signal.SIGCONT)
    assert rc == 0, s.log()
    assert took >= 0.5, took
    assert not pid_alive(child)
    assert "child did not stop in time, killing service=echo pid=%d" \
        % child in s.log()


def test_sigint_stops_too(site):
    os.kill(site.pid, signal.SIGINT)
    assert site.proc.wait(timeout=5) == 0, site.log()


def test_no_service_enabled(start_inetkit):
    s = start_inetkit(wait=False, echo={"enabled": "no"})
    rc = s.proc.wait(timeout=10)
    assert rc == 1
    assert "no service is enabled" in s.log()


def test_listen_address_in_use(start_inetkit):
    # Something else (without SO_REUSEPORT) holds the port: up fails and
    # names the address.
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        port = holder.getsockname()[1]
        s = start_inetkit(wait=False,
                          echo={"listen": "127.0.0.1:%d" % port})
        rc = s.proc.wait(timeout=10)
    assert rc != 0
    assert "cannot listen on 127.0.0.1:%d" % port in s.log(), s.log()
    assert "inetkit is up" not in s.out()


def test_second_site_on_the_same_port_fails(start_inetkit):
    first = start_inetkit()
    second = start_inetkit(wait=False,
                           echo={"listen": first.sections["echo"]["listen"]})
    rc = second.proc.wait(timeout=10)
    assert rc != 0
    assert "cannot listen on %s:%d" % first.addr() in second.log(), \
        second.log()
    with first.client() as c:
        assert c.request("unharmed") == b"unharmed\r\n"


@pytest.mark.skipif(not IS_ROOT, reason="privilege drop needs root")
def test_child_runs_as_nobody(site, nobody):
    child = site.child_pid()
    with open("/proc/%d/status" % child) as f:
        status = f.read()
    uids = re.search(r"^Uid:\s+(.*)$", status, re.M).group(1).split()
    gids = re.search(r"^Gid:\s+(.*)$", status, re.M).group(1).split()
    assert uids == [str(nobody.pw_uid)] * 4, uids
    assert gids == [str(nobody.pw_gid)] * 4, gids
    groups = re.search(r"^Groups:\s*(.*)$", status, re.M).group(1).split()
    assert "0" not in groups
    # The supervisor itself stays root (it binds and restarts).
    with open("/proc/%d/status" % site.pid) as f:
        assert re.search(r"^Uid:\s+0\s", f.read(), re.M)
    # The control socket belongs to the service user.
    assert site.ctl_path("echo").stat().st_uid == nobody.pw_uid

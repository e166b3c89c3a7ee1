"""The multi-call front end: version, help, --help everywhere, passwd."""
import ctypes
import ctypes.util
import re

import pytest

SUBCOMMANDS = ["up", "check-config", "passwd", "ctl", "version", "help",
               "echo", "dns"]


def _libcrypt():
    try:
        lib = ctypes.CDLL("libcrypt.so.1")
    except OSError:
        name = ctypes.util.find_library("crypt")
        if name is None:
            pytest.fail("libcrypt.so.1 not found")
        lib = ctypes.CDLL(name)
    lib.crypt.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    lib.crypt.restype = ctypes.c_char_p
    return lib


def crypt_verify(password, hashed):
    """True when crypt(password, hashed) reproduces hashed."""
    out = _libcrypt().crypt(password.encode(), hashed.encode())
    return out is not None and out.decode() == hashed


def test_version(run_inetkit):
    r = run_inetkit("version")
    assert r.returncode == 0, r.stderr
    assert re.fullmatch(r"inetkit \d+\.\d+\.\d+\n", r.stdout), r.stdout


def test_version_option_matches_command(run_inetkit):
    assert run_inetkit("--version").stdout == run_inetkit("version").stdout


def test_help_lists_commands_and_services(run_inetkit):
    r = run_inetkit("help")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("usage: inetkit ")
    for name in ["up", "check-config", "passwd", "ctl", "version", "help",
                 "echo", "dns", "dhcp", "ftp", "smtp", "pop3", "imap",
                 "webmail"]:
        assert re.search(r"^\s+%s\b" % re.escape(name), r.stdout, re.M), \
            "%s missing from help:\n%s" % (name, r.stdout)
    assert not re.search(r"^\s+echo\b.*not built yet", r.stdout, re.M)


def test_help_marks_unbuilt_services(run_inetkit, unbuilt):
    r = run_inetkit("help", unbuilt)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("usage: inetkit %s" % unbuilt)
    assert "not built yet" in r.stdout


def test_dash_dash_help_is_help(run_inetkit):
    r = run_inetkit("--help")
    assert r.returncode == 0
    assert r.stdout == run_inetkit("help").stdout


@pytest.mark.parametrize("cmd", SUBCOMMANDS)
def test_subcommand_help(run_inetkit, cmd):
    r = run_inetkit(cmd, "--help")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("usage: inetkit %s" % cmd), r.stdout
    assert len(r.stdout.splitlines()) >= 2, "no description: %r" % r.stdout


def test_no_arguments_prints_usage_and_fails(run_inetkit):
    r = run_inetkit()
    assert r.returncode == 2
    assert "usage: inetkit" in r.stdout


def test_unknown_command(run_inetkit):
    r = run_inetkit("frobnicate")
    assert r.returncode == 2
    assert 'no command "frobnicate"' in r.stderr
    assert r.stdout == ""


def test_help_for_unknown_command(run_inetkit):
    r = run_inetkit("help", "frobnicate")
    assert r.returncode == 2
    assert "frobnicate" in r.stderr


def test_bad_option_is_usage_error(run_inetkit):
    r = run_inetkit("check-config", "-x")
    assert r.returncode == 2
    assert "usage: inetkit check-config" in r.stderr


def test_not_built_service_refuses_to_run(run_inetkit, tmp_path, unbuilt):
    conf = tmp_path / "c.conf"
    conf.write_text("[inetkit]\ndata_dir = %s\n" % (tmp_path / "var"))
    r = run_inetkit(unbuilt, "-c", conf)
    assert r.returncode == 2
    assert "the %s service is not built yet" % unbuilt in r.stderr


def test_passwd_prints_verifiable_yescrypt_line(run_inetkit):
    r = run_inetkit("passwd", "alice", input="s3cret pass\n")
    assert r.returncode == 0, r.stderr
    m = re.fullmatch(r"alice:(\$y\$[^:\s]+)\n", r.stdout)
    assert m, r.stdout
    hashed = m.group(1)
    assert crypt_verify("s3cret pass", hashed)
    assert not crypt_verify("s3cret pas", hashed)
    assert not crypt_verify("wrong", hashed)


def test_passwd_salts_differ(run_inetkit):
    a = run_inetkit("passwd", "bob", input="same\n").stdout
    b = run_inetkit("passwd", "bob", input="same\n").stdout
    assert a.startswith("bob:$y$") and b.startswith("bob:$y$")
    assert a != b


def test_passwd_reads_only_first_line(run_inetkit):
    r = run_inetkit("passwd", "carol", input="first\nsecond\n")
    assert r.returncode == 0, r.stderr
    hashed = r.stdout.strip().split(":", 1)[1]
    assert crypt_verify("first", hashed)


def test_passwd_empty_password_refused(run_inetkit):
    r = run_inetkit("passwd", "alice", input="\n")
    assert r.returncode != 0
    assert r.stdout == ""
    assert "empty password" in r.stderr


def test_passwd_no_input_refused(run_inetkit):
    r = run_inetkit("passwd", "alice", input="")
    assert r.returncode != 0
    assert r.stdout == ""


@pytest.mark.parametrize("user", ["a:b", "", "a b", "x" * 65])
def test_passwd_bad_user_name_refused(run_inetkit, user):
    r = run_inetkit("passwd", user, input="pw\n")
    assert r.returncode == 2
    assert r.stdout == ""
    assert "bad user name" in r.stderr


def test_passwd_needs_exactly_one_user(run_inetkit):
    r = run_inetkit("passwd", input="pw\n")
    assert r.returncode == 2
    assert "usage: inetkit passwd" in r.stderr

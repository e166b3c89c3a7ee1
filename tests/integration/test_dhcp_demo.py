"""scripts/dhcp-demo, the README's way to see a lease handed out on one
machine: it must print the bound lease and leave no namespace behind."""
import os
import subprocess
from pathlib import Path

import pytest

from netns import netns_available

ROOT = Path(__file__).resolve().parents[2]


def test_dhcp_demo_hands_out_a_lease():
    if not netns_available():
        pytest.skip("network namespaces unavailable (need root and ip netns)")
    binary = os.environ.get("INETKIT_BIN", str(ROOT / "build" / "inetkit"))
    before = subprocess.run(["ip", "netns", "list"], capture_output=True,
                            text=True, timeout=10).stdout
    r = subprocess.run([str(ROOT / "scripts" / "dhcp-demo"), binary],
                       capture_output=True, text=True, timeout=60,
                       cwd=str(ROOT), stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "dhcpc: bound 10.99.0.100/24 from 10.99.0.1" in r.stdout, r.stdout
    assert "inet 10.99.0.100/24" in r.stdout, r.stdout
    assert "default via 10.99.0.1" in r.stdout, r.stdout
    assert "nameserver 10.99.0.1" in r.stdout, r.stdout
    assert " bound ends=" in r.stdout, r.stdout
    after = subprocess.run(["ip", "netns", "list"], capture_output=True,
                           text=True, timeout=10).stdout
    assert "ikdemo" not in after.replace(before, ""), after

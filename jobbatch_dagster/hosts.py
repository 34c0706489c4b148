"""Whether a bind address stays on this machine: both servers we ship (the emulator and `jobbatch
serve`) are open on loopback and ask for a key or token anywhere else."""

from __future__ import annotations

import ipaddress


def is_loopback(host: str) -> bool:
    """``localhost`` or a loopback IP; any other host name may resolve anywhere, so it is not."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False

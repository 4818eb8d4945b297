"""Which addresses the image fetcher may connect to.

Anything that is not a public unicast address is refused: loopback, private, link-local
(cloud metadata at 169.254.169.254), multicast, reserved, unspecified, shared (100.64/10), and
the IPv6 forms that wrap such an IPv4 address (mapped, 6to4, NAT64, Teredo). The user exempts
hosts with `--fetch-allow HOST[:PORT]|CIDR` (a NAS on the LAN, a test's own server).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def normalize(ip: IPAddress) -> IPAddress:
    """An IPv4-mapped IPv6 address is the IPv4 address it maps (same socket, same target)."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def _embedded_v4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    return None


def blocked_reason(address: IPAddress) -> str | None:
    """Why connecting to this address is refused, or None for a public unicast address."""
    ip = normalize(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip in _NAT64:
        # A DNS64 network gives every IPv4-only site such an address: judge the IPv4 inside.
        return blocked_reason(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    checks = (("is_loopback", "loopback"), ("is_unspecified", "unspecified"),
              ("is_link_local", "link-local"), ("is_multicast", "multicast"),
              ("is_private", "private"), ("is_reserved", "reserved"))
    for attr, reason in checks:
        if getattr(ip, attr):
            return reason
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.is_site_local:
            return "site-local"
        inner = _embedded_v4(ip)
        if inner is not None and blocked_reason(inner) is not None:
            return f"wraps {blocked_reason(inner)} {inner}"
    if not ip.is_global:
        return "not globally routable"
    return None


@dataclass(frozen=True, slots=True)
class AllowRule:
    host: str | None = None
    network: IPNetwork | None = None
    port: int | None = None

    def matches(self, host: str, port: int, address: IPAddress) -> bool:
        if self.port is not None and self.port != port:
            return False
        if self.network is not None:
            return normalize(address) in self.network
        return self.host == host


def parse_rule(entry: str) -> AllowRule:
    """`HOST`, `HOST:PORT`, `IP`, `IP:PORT`, `[IPv6]:PORT` or `CIDR`; ValueError otherwise."""
    text = entry.strip().lower()
    if not text:
        raise ValueError("empty --fetch-allow entry")
    if "/" in text:
        try:
            return AllowRule(network=ipaddress.ip_network(text, strict=False))
        except ValueError as exc:
            raise ValueError(f"--fetch-allow {entry!r}: not a CIDR ({exc})") from exc
    host, port = text, None
    if text.startswith("["):
        inside, _, rest = text[1:].partition("]")
        host = inside
        if rest:
            port = _port(entry, rest.removeprefix(":"))
    elif text.count(":") == 1:
        host, _, raw_port = text.partition(":")
        port = _port(entry, raw_port)
    try:
        ip = normalize(ipaddress.ip_address(host))
    except ValueError:
        if not host or any(c in host for c in "/@ []"):
            raise ValueError(f"--fetch-allow {entry!r}: not a host name") from None
        return AllowRule(host=host.rstrip("."), port=port)
    return AllowRule(network=ipaddress.ip_network(ip), port=port)


def _port(entry: str, raw: str) -> int:
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise ValueError(f"--fetch-allow {entry!r}: bad port {raw!r}")
    return int(raw)


class FetchPolicy:
    def __init__(self, allow: Iterable[str] = ()) -> None:
        self.rules = tuple(parse_rule(entry) for entry in allow)

    def check(self, host: str, port: int, address: IPAddress) -> str | None:
        """None when the fetcher may connect to `address` for `host:port`, else the reason."""
        name = host.lower().rstrip(".")
        if any(rule.matches(name, port, address) for rule in self.rules):
            return None
        return blocked_reason(address)

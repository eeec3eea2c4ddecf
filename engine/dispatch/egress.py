"""Where the server may send a user-entered webhook: only to hosts an administrator lists
(`WEBHOOK_ALLOWED_HOSTS`; empty = no webhook at all), and only to public addresses, checked
after DNS resolution. The POST then connects to the very address that was checked (Host header
and TLS SNI/certificate of the name), so a second DNS answer cannot point it elsewhere.

Non-public addresses (loopback, private, link-local, unique-local, shared 100.64/10, multicast,
unspecified, reserved, the same inside IPv4-mapped / 6to4 / Teredo / NAT64 IPv6) are refused
unless the administrator lists their network in `WEBHOOK_ALLOWED_NETWORKS` (an intranet robot
relay; the tests' local receiver). Cloud metadata addresses are refused even then."""
from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from engine.base import config

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254"),
             ipaddress.ip_address("100.100.100.200")}  # AWS/GCP/Azure, AWS IPv6, Alibaba Cloud


class Refused(ValueError):
    """The target is not allowed; the message (Chinese) says why."""


def allowed_hosts() -> list[str]:
    raw = config.current().webhook_allowed_hosts
    return [h.strip().lower().rstrip(".") for h in raw.split(",") if h.strip()]


def _allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    raw = config.current().webhook_allowed_networks
    return [ipaddress.ip_network(n.strip(), strict=False) for n in raw.split(",") if n.strip()]


def _embedded(address: IPAddress) -> list[IPAddress]:
    """The address and every IPv4 address an IPv6 one carries."""
    found: list[IPAddress] = [address]
    if isinstance(address, ipaddress.IPv6Address):
        for inner in (address.ipv4_mapped, address.sixtofour, address.teredo and address.teredo[1]):
            if inner:
                found.append(inner)
        if address in _NAT64:
            found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return found


def _non_public(address: IPAddress) -> bool:
    return (not address.is_global or address.is_private or address.is_loopback or address.is_link_local
            or address.is_multicast or address.is_unspecified or address.is_reserved)


def address_refused(address: IPAddress) -> bool:
    if any(a in _METADATA for a in _embedded(address)):
        return True
    if any(address in net for net in _allowed_networks()):
        return False
    return any(_non_public(a) for a in _embedded(address))


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address `host` resolves to (numeric spellings such as 2130706433, 0x7f.1 or 0177.0.0.1
    included: the C resolver reads them as IPv4, so do we)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos]


def check_host(host: str, port: int, *, unresolved_ok: bool) -> list[IPAddress]:
    """Raise Refused when `host` is not on the list or any of its addresses is not public; return
    the addresses. On save an unresolvable listed host passes (`unresolved_ok`): it is checked
    again when sent."""
    name = host.lower().rstrip(".")
    listed = allowed_hosts()
    if not listed:
        raise Refused("系统管理员尚未设置允许的机器人地址（WEBHOOK_ALLOWED_HOSTS），暂不能使用 webhook 通知")
    if name not in listed:
        raise Refused(f"webhook 地址只能指向：{'、'.join(listed)}")
    try:
        addresses = resolve(name, port)
    except (OSError, UnicodeError, ValueError):
        if unresolved_ok:
            return []
        raise Refused(f"无法解析主机名 {name}") from None
    if not addresses and not unresolved_ok:
        raise Refused(f"无法解析主机名 {name}")
    if any(address_refused(a) for a in addresses):
        raise Refused("webhook 地址不能指向本机、内网或保留地址")
    return addresses


@dataclass
class Reply:
    status: int
    body: bytes


class _PinnedHTTPS(http.client.HTTPSConnection):
    """HTTPS to a fixed address, with SNI and certificate check for the name."""

    def __init__(self, name: str, address: str, port: int, timeout: float) -> None:
        super().__init__(name, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, name: str, address: str, port: int, timeout: float) -> None:
        super().__init__(name, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float, max_reply: int) -> Reply:
    """POST `body` to `url` after checking it (Refused), connecting to the checked address; no
    redirects, no proxies. OSError / http.client.HTTPException on network failures."""
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)
    addresses = check_host(host, port, unresolved_ok=False)
    target = str(addresses[0])
    kind = _PinnedHTTPS if parts.scheme == "https" else _PinnedHTTP
    connection = kind(host, target, port, timeout)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", path, body=body, headers=headers)
        reply = connection.getresponse()
        return Reply(reply.status, reply.read(max_reply))
    finally:
        connection.close()

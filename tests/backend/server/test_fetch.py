"""The image fetcher: Referer, byte cap, and the SSRF guard (each redirect re-checked)."""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from backend.server.fetch import Fetcher
from backend.server.netpolicy import FetchPolicy, IPAddress, blocked_reason, parse_rule
from tests.backend.server.conftest import fake_factory
from tests.backend.server.harness import (
    REFERER,
    ItpServer,
    Origin,
    WsClient,
    default_settings,
    itp_server,
    submit,
)
from workers.config import Limits
from workers.errors import FetchBlocked, FetchFailed, TooLarge

CAP = 200_000


@pytest_asyncio.fixture
async def fetcher(origin: Origin) -> AsyncIterator[Fetcher]:
    made = Fetcher(FetchPolicy([f"127.0.0.1:{origin.port}"]), max_bytes=CAP, timeout_s=30)
    yield made
    await made.aclose()


async def test_fetch_sends_the_referer(fetcher: Fetcher, origin: Origin) -> None:
    data = await fetcher.fetch(origin.url("/img/p0.png"), REFERER)
    assert data == origin.images["p0.png"]
    name, referer, host = origin.hits[-1]
    assert (name, referer, host) == ("p0.png", REFERER, f"127.0.0.1:{origin.port}")


async def test_http_errors_are_retryable_with_an_upload_hint(fetcher: Fetcher,
                                                            origin: Origin) -> None:
    with pytest.raises(FetchFailed) as refused:
        await fetcher.fetch(origin.url("/img/p0.png"), "https://other.example/")
    assert refused.value.retryable and "403" in refused.value.message
    assert "upload" in refused.value.message
    with pytest.raises(FetchFailed):
        await fetcher.fetch(origin.url("/img/missing.png"), REFERER)


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:{other}/x.png",  # loopback on a port not allowed
    "http://localhost:{other}/img/p0.png",  # a name that resolves to loopback
    "http://10.1.2.3/x.png",
    "http://169.254.169.254/latest/meta-data/",
    "http://2130706433:{other}/img/p0.png",  # 127.0.0.1 spelled as one decimal number
    "http://0x7f.1:{other}/x.png",
    "http://[::1]:{port}/img/p0.png",  # the allowed port, but on another address
    "http://[::ffff:127.0.0.1]:{other}/x.png",
    "http://0.0.0.0:{other}/img/p0.png",
    "http://[fe80::1]/x.png",
    "http://224.0.0.1/x.png",
    "ftp://example.com/x.png",
    "file:///etc/passwd",
    "http://user:pw@example.com/x.png",
    "not a url at all",
])
async def test_private_and_odd_urls_are_blocked(fetcher: Fetcher, origin: Origin,
                                                url: str) -> None:
    target = url.format(port=origin.port, other=origin.port + 1 if origin.port < 65535 else 1)
    with pytest.raises(FetchBlocked) as blocked:
        await fetcher.fetch(target, REFERER)
    assert blocked.value.retryable is False
    assert blocked.value.code == "fetch_blocked"


@pytest.mark.parametrize("target", [
    "http://10.0.0.5/x.png", "http://169.254.169.254/", "http://127.0.0.1:1/x.png",
    "http://[::1]/x.png", "gopher://example.com/"])
async def test_redirects_to_private_addresses_are_blocked(fetcher: Fetcher, origin: Origin,
                                                          target: str) -> None:
    with pytest.raises(FetchBlocked):
        await fetcher.fetch(origin.url(f"/redirect?to={target}"), REFERER)


async def test_redirects_within_the_allowed_host_are_followed_up_to_five(
        fetcher: Fetcher, origin: Origin) -> None:
    ok = await fetcher.fetch(origin.url("/redirect?to=/img/p1.png"), REFERER)
    assert ok == origin.images["p1.png"]
    with pytest.raises(FetchFailed) as looped:
        await fetcher.fetch(origin.url("/loop/0"), REFERER)
    assert "redirects" in looped.value.message


@pytest.mark.parametrize("path", ["/big", "/big-declared"])
async def test_downloads_stop_at_the_byte_cap(fetcher: Fetcher, origin: Origin,
                                              path: str) -> None:
    with pytest.raises(TooLarge):
        await fetcher.fetch(origin.url(path), REFERER)


async def test_connects_to_the_checked_address_with_the_name_as_host(origin: Origin) -> None:
    lookups: list[str] = []

    async def resolver(host: str, port: int) -> list[IPAddress]:
        lookups.append(host)
        return [ipaddress.ip_address("127.0.0.1")]

    allowed = Fetcher(FetchPolicy([f"images.test:{origin.port}"]), max_bytes=CAP,
                      resolver=resolver)
    try:
        data = await allowed.fetch(f"http://images.test:{origin.port}/img/p2.png", REFERER)
        with pytest.raises(FetchBlocked) as blocked:
            await allowed.fetch(f"http://rebind.test:{origin.port}/img/p2.png", REFERER)
    finally:
        await allowed.aclose()
    assert data == origin.images["p2.png"]
    assert origin.hits[-1][2] == f"images.test:{origin.port}"
    assert lookups == ["images.test", "rebind.test"]
    assert "127.0.0.1 is loopback" in blocked.value.message


async def test_cidr_allow_entries(origin: Origin) -> None:
    allowed = Fetcher(FetchPolicy(["127.0.0.0/8"]), max_bytes=CAP)
    try:
        assert await allowed.fetch(origin.url("/img/p3.png"), REFERER) == \
            origin.images["p3.png"]
    finally:
        await allowed.aclose()


def test_address_classes() -> None:
    public = ["8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"]
    private = ["127.0.0.1", "10.0.0.1", "172.16.0.1", "192.168.1.1", "169.254.169.254",
               "100.64.0.1", "0.0.0.0", "255.255.255.255", "224.0.0.251", "::1", "::",
               "fe80::1", "fc00::1", "ff02::1", "::ffff:10.0.0.1", "2002:a00:1::1",
               "64:ff9b::a00:1"]
    for text in public:
        assert blocked_reason(ipaddress.ip_address(text)) is None, text
    for text in private:
        assert blocked_reason(ipaddress.ip_address(text)) is not None, text


def test_allow_rules_parse_and_refuse_garbage() -> None:
    assert parse_rule("NAS.local:5000").host == "nas.local"
    assert parse_rule("[::1]:8080").port == 8080
    assert str(parse_rule("10.0.0.0/8").network) == "10.0.0.0/8"
    for bad in ["", "host:99999", "10.0.0.0/33", "a b", "[::1]:x"]:
        with pytest.raises(ValueError):
            parse_rule(bad)


async def test_blocked_and_oversized_urls_fail_alone_with_coded_events(
        tmp_path: Path, origin: Origin) -> None:
    settings = default_settings(limits=Limits(max_bytes=CAP))
    async with itp_server(tmp_path, fake_factory, settings=settings,
                          fetch_allow=(f"127.0.0.1:{origin.port}",)) as server:
        await server.wait_ready()
        await _check_refusals(server, origin)


async def _check_refusals(server: ItpServer, origin: Origin) -> None:
    urls = [origin.url("/img/p0.png"), "http://10.0.0.1/a.png", "http://169.254.169.254/",
            f"http://127.0.0.1:{origin.port + 1}/x.png",
            origin.url("/redirect?to=http://10.9.8.7/"), origin.url("/big"),
            "javascript:alert(1)", origin.url("/img/html.png"), origin.url("/img/bomb.png")]
    job = await submit(server, urls)
    ids = [i["image_id"] for i in job["images"]]
    async with WsClient.open(server) as ws:
        await ws.send({"type": "subscribe", "job_id": job["job_id"], "last_seq": 0})
        final = await ws.until_terminal(set(ids))
    codes = [final[i].get("code", final[i]["type"]) for i in ids]
    assert codes == ["done"] + ["fetch_blocked"] * 4 + \
        ["too_large", "fetch_blocked", "bad_image", "too_large"]
    for image_id in ids[1:5]:
        assert final[image_id]["retryable"] is False

"""HTTPS through the pinned address: SNI and certificate checks still use the host name."""

from __future__ import annotations

import asyncio
import ipaddress
import shutil
import ssl
import subprocess
from pathlib import Path

import pytest
import uvicorn

from backend.server.fetch import Fetcher
from backend.server.netpolicy import FetchPolicy, IPAddress
from backend.server.runner import bind
from tests.backend.server.conftest import origin_images
from tests.backend.server.harness import HANG, REFERER, Origin, origin_app
from workers.errors import FetchFailed

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")


def _certificate(tmp: Path) -> tuple[Path, Path]:
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=images.test", "-addext", "subjectAltName=DNS:images.test",
                    "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


async def _resolve_all_to_loopback(host: str, port: int) -> list[IPAddress]:
    return [ipaddress.ip_address("127.0.0.1")]


async def test_https_is_verified_against_the_name(tmp_path: Path) -> None:
    cert, key = _certificate(tmp_path)
    sock = bind("127.0.0.1", 0)
    port = sock.getsockname()[1]
    origin = Origin(f"https://images.test:{port}", port, origin_images())
    server = uvicorn.Server(uvicorn.Config(origin_app(origin, 1000), log_level="warning",
                                           ssl_certfile=str(cert), ssl_keyfile=str(key),
                                           lifespan="off"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    fetcher = Fetcher(FetchPolicy([f"127.0.0.1:{port}"]), max_bytes=1_000_000,
                      resolver=_resolve_all_to_loopback,
                      verify=ssl.create_default_context(cafile=str(cert)))
    try:
        async with asyncio.timeout(HANG):
            while not server.started:
                await asyncio.sleep(0.01)
        data = await fetcher.fetch(f"https://images.test:{port}/img/p0.png", REFERER)
        assert data == origin.images["p0.png"]
        assert origin.hits[-1][2] == f"images.test:{port}"
        with pytest.raises(FetchFailed) as wrong_name:
            await fetcher.fetch(f"https://impostor.test:{port}/img/p0.png", REFERER)
        assert "certificate" in wrong_name.value.message.lower()
    finally:
        await fetcher.aclose()
        server.should_exit = True
        await task

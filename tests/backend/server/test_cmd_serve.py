"""`itp serve` as a process: flags, the printed URL and token, health, stop on Ctrl-C."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from pathlib import Path

import httpx
import pytest

from backend import cmd_serve
from tests.backend.server.harness import HANG
from workers.config import Settings

ROOT = Path(__file__).resolve().parents[3]
# The server as a terminal starts it: Ctrl-C is Python's KeyboardInterrupt. A test run
# started in the background by a non-interactive shell inherits SIGINT ignored, and
# uvicorn hands the ignoring back after its graceful stop, so the stop would not end in
# KeyboardInterrupt (exit 0, not 130).
SCRIPT = """
import argparse, signal, sys
from pathlib import Path
signal.signal(signal.SIGINT, signal.default_int_handler)
from backend import cmd_serve
from tests.backend.server.conftest import fake_factory
from tests.backend.server.harness import default_settings
parser = argparse.ArgumentParser()
cmd_serve.add_parser(parser.add_subparsers(dest="command"))
args = parser.parse_args(["serve", "--port", "0", "--cache-size-mb", "5"])
settings = default_settings(cache_dir=Path(sys.argv[1]))
sys.exit(cmd_serve.run(args, settings, config_dir=Path(sys.argv[2]),
                       pipeline_factory=fake_factory))
"""


def test_flags_and_defaults() -> None:
    parser = argparse.ArgumentParser()
    cmd_serve.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["serve"])
    assert (args.host, args.port, args.fetch_allow, args.allow_origin) == \
        ("127.0.0.1", 8765, [], [])
    args = parser.parse_args(["serve", "--fetch-allow", "nas.lan", "--fetch-allow",
                              "10.0.0.0/8", "--allow-origin", "http://localhost:3000",
                              "--cache-size-mb", "64", "--max-backlog", "9"])
    config = cmd_serve.server_config(args, 1234)
    assert config.fetch_allow == ("nas.lan", "10.0.0.0/8")
    assert config.allowed_origins == ("http://localhost:3000",)
    assert (config.port, config.cache_size_mb, config.max_backlog) == (1234, 64, 9)


def test_bad_fetch_allow_is_refused_before_listening(
        capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    cmd_serve.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["serve", "--fetch-allow", "10.0.0.0/99"])
    assert cmd_serve.run(args, Settings(), token="t") == 2
    assert "10.0.0.0/99" in capsys.readouterr().err


async def _serve_once(tmp_path: Path, env: dict[str, str]) -> tuple[str, str, int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", SCRIPT, str(tmp_path / "cache"), str(tmp_path / "config"),
        cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    assert proc.stdout is not None
    try:
        async with asyncio.timeout(HANG):
            url_line = (await proc.stdout.readline()).decode()
            token_line = (await proc.stdout.readline()).decode()
            url = url_line.split()[-1]
            token = token_line.removeprefix("token: ").strip()
            async with httpx.AsyncClient(base_url=url, trust_env=False) as http:
                while True:
                    try:
                        health = await http.get("/v1/health")
                    except httpx.ConnectError:
                        await asyncio.sleep(0.05)
                        continue
                    if health.json()["ready"]:
                        break
                    await asyncio.sleep(0.05)
                authed = await http.get("/metrics", headers={"Authorization": f"Bearer {token}"})
                assert authed.status_code == 200
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGINT)
        async with asyncio.timeout(HANG):
            _, err = await proc.communicate()
    assert url_line.startswith("itp serve: http://127.0.0.1:")
    assert proc.returncode is not None
    return url, token, proc.returncode, err.decode()


async def test_serve_prints_url_and_env_token_and_stops_cleanly(tmp_path: Path) -> None:
    env = {**os.environ, "ITP_TOKEN": "token-from-the-environment"}
    _, token, code, err = await _serve_once(tmp_path, env)
    assert token == "token-from-the-environment"
    assert code == 130 and "Traceback" not in err  # Ctrl-C is a normal stop
    assert not (tmp_path / "config" / "token").exists()


async def test_serve_makes_and_keeps_a_token(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "ITP_TOKEN"}
    _, first, _, _ = await _serve_once(tmp_path, env)
    _, second, _, _ = await _serve_once(tmp_path, env)
    assert first == second == (tmp_path / "config" / "token").read_text().strip()

"""`itp serve` as a subprocess on a free port, with its own config and cache directories.

It may download from the test sites' hosts 127.0.0.1 and 127.0.0.2 (standing for public
sites), not from 127.0.0.3 (standing for a host on the reader's network)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]
# The first start imports the OCR runtime and the pipeline; a busy CI machine is slow at it.
START_TIMEOUT_S = 180.0


@dataclass(frozen=True)
class ItpServer:
    url: str
    token: str

    def result(self, image_id: str) -> bytes:
        response = httpx.get(f"{self.url}/v1/results/{image_id}",
                             headers={"Authorization": f"Bearer {self.token}"}, timeout=30)
        response.raise_for_status()
        return response.content


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _log_tail(log: Path, lines: int = 40) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


@contextmanager
def itp_serve(workdir: Path, log: Path, token: str, *extra: str) -> Iterator[ItpServer]:
    port = free_port()
    env = {**os.environ, "ITP_TOKEN": token,
           "XDG_CONFIG_HOME": str(workdir / "config"), "XDG_CACHE_HOME": str(workdir / "cache")}
    cmd = [sys.executable, "-m", "backend.cli", "serve", "--port", str(port),
           "--fetch-allow", "127.0.0.1", "--fetch-allow", "127.0.0.2", *extra]
    server = ItpServer(f"http://127.0.0.1:{port}", token)
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"itp serve exited with {proc.returncode}:\n{_log_tail(log)}")
            try:
                health = httpx.get(f"{server.url}/v1/health", timeout=2)
                if health.status_code == 200 and health.json().get("ready"):
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"itp serve not ready in {START_TIMEOUT_S:g} s:\n"
                                   f"{_log_tail(log)}")
            time.sleep(0.25)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

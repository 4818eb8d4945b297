"""A private redis-server for a test: a free port on 127.0.0.1, data in a temp dir, AOF with
fsync on every write (so a SIGKILL loses nothing acknowledged). Never the machine's 6379."""

from __future__ import annotations

import contextlib
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import redis

REDIS_SERVER = shutil.which("redis-server")


def need_redis() -> str:
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not on PATH (apt-get install redis-server)")
    return REDIS_SERVER


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class RedisProc:
    """`options` are redis-server settings (underscores for dashes) that replace the defaults
    below (`appendonly="no"`) or add to them (`maxmemory="4mb"`)."""

    def __init__(self, workdir: Path, **options: str) -> None:
        self.binary = need_redis()
        defaults = {"appendonly": "yes", "appendfsync": "always",
                    "maxmemory-policy": "noeviction"}
        self.options = defaults | {k.replace("_", "-"): v for k, v in options.items()}
        self.dir = workdir
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        args = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
                "--dir", str(self.dir), "--save", "", "--loglevel", "warning",
                "--logfile", str(self.dir / "redis.log")]
        for name, value in self.options.items():
            args += [f"--{name}", value]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 15
        while True:
            try:
                if client.ping():
                    break
            except redis.exceptions.RedisError:
                pass
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError(f"redis-server did not start: {self.dir / 'redis.log'}")
            time.sleep(0.05)
        # Loading the AOF after a restart: the server answers PING with LOADING until done.
        while True:
            try:
                client.dbsize()
                break
            except redis.exceptions.BusyLoadingError:
                time.sleep(0.05)
        client.close()

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
        self.proc = None

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port)

    def close(self) -> None:
        """Stop the server and remove the shared-memory folder its blobs used."""
        from workers.transport.shared import shm_base

        instance = None
        if self.proc is not None:
            with contextlib.suppress(redis.exceptions.RedisError):
                client = self.client()
                instance = client.get("itp:instance")
                client.close()
        self.kill()
        if isinstance(instance, bytes):
            shutil.rmtree(shm_base() / f"itp-{instance.decode()}", ignore_errors=True)

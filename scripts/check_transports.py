"""The two transports give the same pages: `itp translate` (embedded) against the stage
workers on Redis (`itp worker all`), reached through `itp translate --redis` and through
`itp serve --redis`, on real sample pages.

Starts its own redis-server on a free port (never the machine's), one `itp worker all`, and
compares, per page: the output pixels and the sidecar (timings aside) of the two
`itp translate` runs, and the pixels `itp serve --redis` returns. Pages: two whose blocks
go to the inpainting model, a tall strip, and an erase-only run (`--translator none`) of
the same pages.

Usage: .venv/bin/python scripts/check_transports.py [--out DIR] [--inpainter NAME]
Exit status 0 when every page agrees, 1 otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT.parent / "shared" / "samples" / "images"
PAGES = [
    "ja_page_mit_original2_color.jpg",      # colour art: blocks on texture go to the model
    "ja_page_koharu_bluearchive_01.jpg",
    "ko_strip_basiccat_princess_hours.jpg",  # a tall strip
    "zh_strip_basiccat_SQ.webp",
]
# Formats the server answers with the same encoder `itp translate` writes (JPEG q92, PNG);
# a WebP input comes back from the server as PNG, so only the translate runs compare it.
SERVER_COMPARABLE = (".jpg", ".jpeg", ".png")
TOKEN = "check-transports-token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def redis_server(workdir: Path) -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "yes", "--appendfsync", "always",
                             "--dir", str(workdir)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            if time.monotonic() > deadline:
                raise SystemExit("redis-server did not start")
            time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(10)


@contextlib.contextmanager
def background(args: list[str], log: Path, ready: str, env: dict[str, str] | None = None,
               timeout: float = 300) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT,
                                env=env)
    try:
        deadline = time.monotonic() + timeout
        while ready not in log.read_text(errors="replace"):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"{args[3]} did not start:\n{log.read_text()[-2000:]}")
            time.sleep(0.2)
        yield proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()


def itp(*args: str) -> list[str]:
    return [sys.executable, "-m", "backend.cli", *args]


def translate(out: Path, flags: list[str], *extra: str) -> None:
    paths = [str(SAMPLES / p) for p in PAGES]
    subprocess.run(itp("translate", *paths, "-o", str(out), "--no-progress", *flags, *extra),
                   cwd=ROOT, check=True)


def pixels(path: Path) -> np.ndarray:
    with Image.open(path) as img:
        return np.asarray(img.convert("RGB"))


def meta(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    data.pop("timings", None)
    return data


def compare_dirs(a: Path, b: Path, label: str) -> list[str]:
    problems = []
    for page in PAGES:
        stem, suffix = Path(page).stem, Path(page).suffix
        if not np.array_equal(pixels(a / f"{stem}{suffix}"), pixels(b / f"{stem}{suffix}")):
            problems.append(f"{label} {page}: pixels differ")
        if meta(a / f"{stem}.json") != meta(b / f"{stem}.json"):
            problems.append(f"{label} {page}: sidecars differ")
    return problems


class QuietFiles(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def serve_pages(redis: str, namespace: str, flags: list[str], work: Path) -> dict[str, bytes]:
    """Each page through `itp serve --redis` (fetched from a local file server)."""
    files = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietFiles, directory=str(SAMPLES)))
    threading.Thread(target=files.serve_forever, daemon=True).start()
    port = free_port()
    env = {**os.environ, "ITP_TOKEN": TOKEN}
    args = itp("serve", "--port", str(port), "--redis", redis, "--namespace", namespace,
               "--fetch-allow", "127.0.0.1", "--cache-dir", str(work / "cache"), *flags)
    base = f"http://127.0.0.1:{port}"
    out: dict[str, bytes] = {}
    try:
        with background(args, work / "serve.log", "token:", env):
            wait_healthy(base)
            wanted = [p for p in PAGES if Path(p).suffix in SERVER_COMPARABLE]
            urls = [f"http://127.0.0.1:{files.server_port}/{p}" for p in wanted]
            job = call(base, "/v1/jobs", {"images": [{"url": u} for u in urls]})
            ids = {i["url"]: i["image_id"] for i in job["images"]}
            deadline = time.monotonic() + 1800
            while time.monotonic() < deadline:
                status = call(base, f"/v1/jobs/{job['job_id']}")
                states = {i["image_id"]: i["status"] for i in status["images"]}
                if all(s in ("done", "failed") for s in states.values()):
                    break
                time.sleep(1)
            for page, url in zip(wanted, urls, strict=True):
                out[page] = raw(base, f"/v1/results/{ids[url]}")
    finally:
        files.shutdown()
    return out


def wait_healthy(base: str, timeout: float = 300) -> None:
    """The port answers once uvicorn runs; `ready` once the pipeline reached Redis."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError, ValueError):
            if call(base, "/v1/health").get("ready"):
                return
        time.sleep(0.3)
    raise SystemExit("itp serve did not become ready")


def call(base: str, path: str, body: Any = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, headers={
        "Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        return json.loads(resp.read())


def raw(base: str, path: str) -> bytes:
    req = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {TOKEN}"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        return bytes(resp.read())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="keep the outputs here (default: a temp dir)")
    parser.add_argument("--inpainter", default="opencv", help="inpainter for both runs "
                        "(default opencv: needs no weights)")
    args = parser.parse_args()
    work = args.out or Path(tempfile.mkdtemp(prefix="itp-transports-"))
    work.mkdir(parents=True, exist_ok=True)
    missing = [p for p in PAGES if not (SAMPLES / p).is_file()]
    if missing:
        print(f"samples missing under {SAMPLES}: {', '.join(missing)}", file=sys.stderr)
        return 2
    machine = ["--inpainter", args.inpainter, "--threads", "1"]
    runs = {"translated": ["--translator", "deterministic", "--target", "en"],
            "erased": ["--translator", "none"]}
    problems: list[str] = []
    namespace = f"check-{os.getpid()}"
    with redis_server(work / "redis") as redis, background(
            itp("worker", "all", "--redis", redis, "--namespace", namespace, *machine),
            work / "worker.log", "itp worker: ready"):
        for name, flags in runs.items():
            embedded, distributed = work / f"{name}-embedded", work / f"{name}-redis"
            translate(embedded, [*flags, *machine])
            translate(distributed, [*flags, *machine], "--redis", redis, "--namespace",
                      namespace)
            problems += compare_dirs(embedded, distributed, name)
        served = serve_pages(redis, namespace, [*runs["translated"], *machine], work)
        for page, data in served.items():
            mine = pixels(work / "translated-embedded" / page)
            with Image.open(io.BytesIO(data)) as img:
                if not np.array_equal(np.asarray(img.convert("RGB")), mine):
                    problems.append(f"serve {page}: pixels differ")
    for line in problems:
        print(line)
    pages = len(PAGES) * len(runs) + len(served)
    print(f"{pages - len(problems)} of {pages} comparisons agree (outputs in {work})")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

"""Load test of `itp serve` on loopback: many readers each submitting a chapter at once.

Starts `itp serve` as a subprocess (deterministic translator with a small latency, OpenCV
inpainter, its own cache dir, `--fetch-allow` for a local image host) and an image host on
127.0.0.1 serving every client's pages: 400x600 images with a few words drawn by Pillow, each
one distinct (client and page number are drawn in), so the results cache answers none of
them. Then every client, like the extension: opens the WebSocket, says hello, posts its
chapter with its session (retrying after `Retry-After` on 503 queue_full), sends `prioritize`
for its first three pages (its viewport; with `--reprioritize` again once they are queued),
reads events until every page is done or failed, and downloads every result.

Reported: images lost (accepted, never finished: must be 0), duplicate `done` events (must
be 0), errors, 503 refusals, first-result time per client (p50/p95/max, from the client's
first submit), chapter time, wall time, and the server's peak RSS (VmHWM from /proc).

With `--redis URL` (or `--redis auto`: a private redis-server on a free loopback port), the
server runs in distributed mode with `--workers` `itp worker all` processes, all under a key
namespace of the run's own; the Redis keys left in it and the files under /dev/shm/itp-* are
reported after the run.

Only loopback is used; every wait has a deadline (`--timeout`), and the server is stopped at
the end whatever happens.

Usage: .venv/bin/python scripts/load_test.py [--clients 20] [--images 40] [--json]
       [--redis URL|auto [--workers N]]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import os
import secrets
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from PIL import Image, ImageDraw
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from websockets.asyncio.client import connect

from backend.server.runner import bind, serving

ROOT = Path(__file__).resolve().parents[1]
REFERER = "https://comics.example/series/chapter-1"
VIEWPORT = 3
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
WORDS = ["WAIT", "WHAT", "RUN", "HELLO", "NO WAY", "LOOK OUT", "AGAIN?", "WHY ME", "OKAY"]


# -- the pages -----------------------------------------------------------------------------


def draw_page(client: int, page: int, size: tuple[int, int]) -> bytes:
    """A white page with a speech bubble of a few words and a coloured panel below; the
    client and page numbers make every page's bytes distinct."""
    width, height = size
    img = Image.new("RGB", size, (255, 255, 255))
    draw = ImageDraw.Draw(img)
    draw.ellipse((width // 10, height // 10, width * 9 // 10, height * 4 // 10),
                 outline=(0, 0, 0), width=3)
    draw.text((width // 5, height // 6), f"{WORDS[page % len(WORDS)]} {client}-{page}",
              fill=(0, 0, 0), font_size=max(12, width // 16))
    draw.text((width // 5, height // 4), WORDS[(page + client) % len(WORDS)],
              fill=(0, 0, 0), font_size=max(12, width // 16))
    draw.rectangle((width // 20, height // 2, width * 19 // 20, height * 19 // 20),
                   fill=((client * 37) % 256, (page * 53) % 256, 120))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def host_app(pages: dict[str, bytes]) -> Starlette:
    async def page(request: Request) -> Response:
        found = pages.get(request.path_params["name"])
        if found is None:
            return PlainTextResponse("no such page", status_code=404)
        return Response(found, media_type="image/png")

    return Starlette(routes=[Route("/p/{name}", page)])


@contextlib.asynccontextmanager
async def image_host(pages: dict[str, bytes]) -> AsyncIterator[tuple[str, int]]:
    sock = bind("127.0.0.1", 0)
    port: int = sock.getsockname()[1]
    async with serving(host_app(pages), sock):
        yield f"http://127.0.0.1:{port}", port


# -- the server ----------------------------------------------------------------------------


@dataclass
class Server:
    proc: asyncio.subprocess.Process
    base: str
    token: str
    log: Path

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def ws_url(self) -> str:
        return self.base.replace("http://", "ws://") + "/v1/ws"


def serve_supports_redis() -> bool:
    from backend import cmd_serve

    parser = argparse.ArgumentParser()
    made = cmd_serve.add_parser(parser.add_subparsers(dest="command"))
    return "--redis" in made.format_help()


def child_env(workdir: Path, token: str, latency_s: float) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.update({"ITP_TOKEN": token, "ITP_TRANSLATOR_LATENCY": str(latency_s),
                "ITP_CACHE_DIR": str(workdir / "cache"), "ITP_CONFIG": str(workdir / "none"),
                "PYTHONPATH": str(ROOT)})
    return env


@contextlib.asynccontextmanager
async def itp_serve(workdir: Path, *, fetch_allow: str, latency_s: float, max_backlog: int,
                    redis: Redis | None = None) -> AsyncIterator[Server]:
    """`itp serve` on a free loopback port; stopped (SIGINT, then SIGKILL) on the way out."""
    token = secrets.token_urlsafe(24)
    args = [sys.executable, "-m", "backend.cli", "serve", "--host", "127.0.0.1", "--port", "0",
            "--translator", "deterministic", "--inpainter", "opencv",
            "--fetch-allow", fetch_allow, "--max-backlog", str(max_backlog)]
    if redis is not None:
        args += ["--redis", redis.url, "--namespace", redis.namespace]
    log = workdir / "server.log"
    with log.open("wb") as err:
        proc = await asyncio.create_subprocess_exec(
            *args, cwd=ROOT, env=child_env(workdir, token, latency_s),
            stdout=asyncio.subprocess.PIPE, stderr=err)
    assert proc.stdout is not None
    drain: asyncio.Task[None] | None = None
    try:
        async with asyncio.timeout(120):
            url_line = (await proc.stdout.readline()).decode()
            await proc.stdout.readline()  # the token line: we chose the token
        if not url_line.startswith("itp serve: "):
            raise RuntimeError(f"itp serve did not start:\n{log.read_text()[-3000:]}")
        drain = asyncio.create_task(_drain(proc.stdout))
        server = Server(proc, url_line.split()[-1], token, log)
        await wait_ready(server)
        yield server
    finally:
        await stop(proc)
        if drain is not None:
            drain.cancel()
            await asyncio.gather(drain, return_exceptions=True)


# -- the distributed mode ------------------------------------------------------------------


@dataclass
class Redis:
    url: str
    # A key prefix of this run's own, so a shared Redis is left as it was found.
    namespace: str = field(default_factory=lambda: f"itp-load-{secrets.token_hex(4)}")
    workers: list[asyncio.subprocess.Process] = field(default_factory=list)


@contextlib.asynccontextmanager
async def private_redis(workdir: Path) -> AsyncIterator[str]:
    """A redis-server of our own on a free loopback port, without persistence."""
    probe = bind("127.0.0.1", 0)
    port = probe.getsockname()[1]
    probe.close()
    proc = await asyncio.create_subprocess_exec(
        "redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
        "--appendonly", "no", "--dir", str(workdir), stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        async with asyncio.timeout(30):
            while await asyncio.to_thread(redis_keys, url, "") < 0:
                await asyncio.sleep(0.1)
        yield url
    finally:
        if proc.returncode is None:
            proc.terminate()
            await proc.wait()


def redis_keys(url: str, namespace: str) -> int:
    """Keys under `namespace` (all keys when empty); -1 while Redis does not answer."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        if not namespace:
            return int(client.dbsize())
        return sum(1 for _ in client.scan_iter(match=f"{namespace}:*", count=1000))
    except redis.ConnectionError:
        return -1
    finally:
        client.close()


def shm_files() -> int:
    """Files of the shared-memory blob store (/dev/shm/itp-*). os.walk, because blobs are
    deleted while we count: a folder gone midway is skipped, not an error."""
    return sum(len(files) for base in Path("/dev/shm").glob("itp-*")
               for _, _, files in os.walk(base))


@contextlib.asynccontextmanager
async def stage_workers(workdir: Path, redis: Redis, count: int,
                        latency_s: float) -> AsyncIterator[list[asyncio.subprocess.Process]]:
    """`itp worker all` processes on the same Redis and namespace; SIGTERM at the end."""
    env = child_env(workdir, "unused", latency_s)
    procs: list[asyncio.subprocess.Process] = []
    drains: list[asyncio.Task[None]] = []
    try:
        for i in range(count):
            with (workdir / f"worker{i}.log").open("wb") as err:
                proc = await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "backend.cli", "worker", "all", "--redis", redis.url,
                    "--namespace", redis.namespace, "--inpainter", "opencv", cwd=ROOT, env=env,
                    stdout=asyncio.subprocess.PIPE, stderr=err)
            procs.append(proc)
        for i, proc in enumerate(procs):
            assert proc.stdout is not None
            async with asyncio.timeout(300):
                line = (await proc.stdout.readline()).decode()
            if "ready" not in line:
                log = (workdir / f"worker{i}.log").read_text()[-3000:]
                raise RuntimeError(f"itp worker did not start:\n{log}")
            drains.append(asyncio.create_task(_drain(proc.stdout)))
        redis.workers = procs
        yield procs
    finally:
        for proc in procs:
            if proc.returncode is None:
                proc.terminate()
        for proc in procs:
            try:
                async with asyncio.timeout(30):
                    await proc.wait()
            except TimeoutError:
                proc.kill()
                await proc.wait()
        for task in drains:
            task.cancel()
        await asyncio.gather(*drains, return_exceptions=True)


async def _drain(stream: asyncio.StreamReader) -> None:
    while await stream.read(65536):
        pass


async def wait_ready(server: Server, timeout_s: float = 300.0) -> None:
    async with httpx.AsyncClient(base_url=server.base, trust_env=False) as http, \
            asyncio.timeout(timeout_s):
        while True:
            with contextlib.suppress(httpx.TransportError):
                health = (await http.get("/v1/health")).json()
                if health["ready"]:
                    return
                if health["status"] == "error":
                    raise RuntimeError(f"the server reports: {health}")
            await asyncio.sleep(0.1)


async def stop(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is not None:
        return
    proc.send_signal(signal.SIGINT)
    try:
        async with asyncio.timeout(15):
            await proc.wait()
    except TimeoutError:
        proc.kill()
        await proc.wait()


# -- measuring the server ------------------------------------------------------------------


def proc_status_kb(pid: int, field_name: str) -> int:
    """A `kB` field of /proc/PID/status (VmRSS, VmHWM); 0 once the process is gone."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in text.splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1])
    return 0


def open_fds(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


class Sampler:
    """Samples the server's RSS every `interval_s` while the load runs."""

    def __init__(self, pid: int, interval_s: float = 0.5) -> None:
        self.pid = pid
        self.interval_s = interval_s
        self.rss_kb: list[int] = []
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            self.rss_kb.append(proc_status_kb(self.pid, "VmRSS"))
            await asyncio.sleep(self.interval_s)

    def __enter__(self) -> Sampler:
        self._task = asyncio.create_task(self._run())
        return self

    def __exit__(self, *_: object) -> None:
        if self._task is not None:
            self._task.cancel()


# -- one client ----------------------------------------------------------------------------


@dataclass
class ClientRun:
    client: int
    urls: list[str]
    accepted: int = 0
    refused: int = 0
    resyncs: int = 0
    first_result_s: float | None = None
    chapter_s: float | None = None
    done: Counter[str] = field(default_factory=Counter)
    errors: dict[str, str] = field(default_factory=dict)
    results_bad: int = 0
    image_ids: list[str] = field(default_factory=list)

    @property
    def lost(self) -> int:
        return sum(1 for i in self.image_ids if i not in self.done and i not in self.errors)

    @property
    def duplicates(self) -> int:
        return sum(n - 1 for n in self.done.values() if n > 1)


async def submit(http: httpx.AsyncClient, run: ClientRun, session: str,
                 deadline: float) -> dict[str, Any]:
    """Posts the chapter, waiting out 503 queue_full as the extension does."""
    body = {"images": [{"url": u, "referer": REFERER} for u in run.urls], "session": session}
    while True:
        response = await http.post("/v1/jobs", json=body)
        if response.status_code == 202:
            job: dict[str, Any] = response.json()
            return job
        if response.status_code != 503 or time.monotonic() > deadline:
            raise RuntimeError(f"client {run.client}: POST /v1/jobs answered "
                               f"{response.status_code}: {response.text[:200]}")
        run.refused += 1
        await asyncio.sleep(float(response.headers.get("retry-after", "1")))


async def run_client(server: Server, run: ClientRun, deadline: float,
                     grace_s: float = 1.0, reprioritize: bool = False) -> None:
    """One reader: hello, the chapter, `prioritize` for the viewport (again once those pages
    are queued, with `reprioritize`), events until every page ends, then every result."""
    headers = {"Authorization": f"Bearer {server.token}"}
    async with httpx.AsyncClient(base_url=server.base, headers=headers, trust_env=False,
                                 timeout=60) as http, \
            connect(server.ws_url, proxy=None, open_timeout=60, max_size=None) as ws:
        await ws.send(json.dumps({"type": "hello", "token": server.token}))
        hello = json.loads(await ws.recv())
        started = time.monotonic()
        job = await submit(http, run, hello["session"], deadline)
        run.image_ids = [i["image_id"] for i in job["images"]]
        run.accepted = len(run.image_ids)
        await ws.send(json.dumps({"type": "prioritize",
                                  "image_ids": run.image_ids[:VIEWPORT]}))
        last_seq = 0
        wanted = set(run.image_ids)
        viewport_waiting = set(run.image_ids[:VIEWPORT]) if reprioritize else set()
        finished_at: float | None = None
        while True:
            now = time.monotonic()
            if finished_at is not None and now > finished_at + grace_s:
                break  # the grace period catches a late duplicate `done`
            if now > deadline:
                break
            wait = (finished_at + grace_s if finished_at is not None else deadline) - now
            try:
                raw = await asyncio.wait_for(ws.recv(), timeout=max(0.01, wait))
            except TimeoutError:
                continue
            message = json.loads(raw)
            last_seq = max(last_seq, int(message.get("seq", 0)))
            kind = message.get("type")
            if kind == "queued" and message.get("image_id") in viewport_waiting:
                viewport_waiting.discard(message["image_id"])
                if not viewport_waiting:
                    await ws.send(json.dumps({"type": "prioritize",
                                              "image_ids": run.image_ids[:VIEWPORT]}))
            if kind == "resync":
                run.resyncs += 1
                await ws.send(json.dumps({"type": "subscribe", "job_id": job["job_id"],
                                          "last_seq": last_seq}))
            elif kind == "done" and message.get("image_id") in wanted:
                run.done[message["image_id"]] += 1
                if run.first_result_s is None:
                    run.first_result_s = time.monotonic() - started
            elif kind == "error" and message.get("image_id") in wanted:
                run.errors[message["image_id"]] = str(message.get("code"))
            if finished_at is None and wanted <= set(run.done) | set(run.errors):
                finished_at = time.monotonic()
                run.chapter_s = finished_at - started
        for image_id in run.done:
            response = await http.get(f"/v1/results/{image_id}")
            if response.status_code != 200 or not response.content.startswith(PNG_MAGIC):
                run.results_bad += 1


# -- the whole run -------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def summary(runs: list[ClientRun], wall_s: float, peak_rss_kb: int,
            samples: list[int], options: argparse.Namespace) -> dict[str, Any]:
    firsts = [r.first_result_s for r in runs if r.first_result_s is not None]
    chapters = [r.chapter_s for r in runs if r.chapter_s is not None]
    done = sum(len(r.done) for r in runs)

    def stats(values: list[float]) -> dict[str, float | None]:
        return {"p50": _round(percentile(values, 50)), "p95": _round(percentile(values, 95)),
                "max": _round(max(values) if values else None)}

    return {
        "clients": options.clients, "images_per_client": options.images,
        "images_total": options.clients * options.images,
        "image_size": f"{options.width}x{options.height}", "distinct_images": True,
        "translator_latency_s": options.latency,
        "accepted": sum(r.accepted for r in runs), "done": done,
        "errors": sum(len(r.errors) for r in runs),
        "error_codes": dict(Counter(c for r in runs for c in r.errors.values())),
        "lost": sum(r.lost for r in runs), "duplicate_done": sum(r.duplicates for r in runs),
        "refused_503": sum(r.refused for r in runs), "resyncs": sum(r.resyncs for r in runs),
        "results_bad": sum(r.results_bad for r in runs),
        "clients_without_result": sum(1 for r in runs if r.first_result_s is None),
        "first_result_s": stats(firsts), "chapter_s": stats(chapters),
        "wall_s": round(wall_s, 2), "images_per_s": round(done / wall_s, 2) if wall_s else 0,
        "peak_rss_mb": round(peak_rss_kb / 1024, 1),
        "rss_start_mb": round(samples[0] / 1024, 1) if samples else None,
        "rss_end_mb": round(samples[-1] / 1024, 1) if samples else None,
        "cpus": os.cpu_count(), "redis": options.redis, "reprioritize": options.reprioritize,
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def make_pages(clients: int, images: int, size: tuple[int, int]) -> dict[str, bytes]:
    return {f"c{c}-p{p}.png": draw_page(c, p, size)
            for c in range(clients) for p in range(images)}


@contextlib.asynccontextmanager
async def deployment(options: argparse.Namespace, workdir: Path,
                     port: int) -> AsyncIterator[tuple[Server, Redis | None]]:
    """The server alone, or with `--redis`: Redis (ours with `auto`), stage workers, and the
    server in distributed mode."""
    allow = f"127.0.0.1:{port}"
    if options.redis is None:
        async with itp_serve(workdir, fetch_allow=allow, latency_s=options.latency,
                             max_backlog=options.max_backlog) as server:
            yield server, None
        return
    async with contextlib.AsyncExitStack() as stack:
        url = options.redis
        if url == "auto":
            url = await stack.enter_async_context(private_redis(workdir))
        redis = Redis(url)
        await stack.enter_async_context(stage_workers(workdir, redis, options.workers,
                                                      options.latency))
        server = await stack.enter_async_context(itp_serve(
            workdir, fetch_allow=allow, latency_s=options.latency,
            max_backlog=options.max_backlog, redis=redis))
        yield server, redis


async def load(options: argparse.Namespace,
               on_server: Callable[[Server], None] | None = None) -> dict[str, Any]:
    pages = await asyncio.to_thread(make_pages, options.clients, options.images,
                                    (options.width, options.height))
    with tempfile.TemporaryDirectory(prefix="itp-load-") as tmp:
        async with image_host(pages) as (host, port), \
                deployment(options, Path(tmp), port) as (server, redis):
            if on_server is not None:
                on_server(server)
            runs = [ClientRun(c, [f"{host}/p/c{c}-p{p}.png" for p in range(options.images)])
                    for c in range(options.clients)]
            started = time.monotonic()
            deadline = started + options.timeout
            with Sampler(server.pid) as sampler:
                outcomes = await asyncio.gather(
                    *(run_client(server, run, deadline, reprioritize=options.reprioritize)
                      for run in runs), return_exceptions=True)
            wall = max((r.chapter_s or 0.0) for r in runs) if runs else 0.0
            peak = proc_status_kb(server.pid, "VmHWM")
            failures = [o for o in outcomes if isinstance(o, BaseException)]
            if failures:
                raise RuntimeError(f"{len(failures)} clients failed: {failures[0]!r}")
            result = summary(runs, wall or time.monotonic() - started, peak, sampler.rss_kb,
                             options)
            if redis is not None:
                result["workers"] = len(redis.workers)
                result["worker_peak_rss_mb"] = round(max(
                    (proc_status_kb(w.pid, "VmHWM") for w in redis.workers), default=0) / 1024,
                    1)
                result["redis_keys_after"] = await asyncio.to_thread(redis_keys, redis.url,
                                                                     redis.namespace)
                result["shm_files_after"] = shm_files()
            return result


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--clients", type=int, default=20)
    p.add_argument("--images", type=int, default=40, help="pages per client's chapter")
    p.add_argument("--width", type=int, default=400)
    p.add_argument("--height", type=int, default=600)
    p.add_argument("--latency", type=float, default=0.05,
                   help="the deterministic translator's latency per request (s)")
    p.add_argument("--max-backlog", type=int, default=1000,
                   help="the server's --max-backlog (default admits the whole load)")
    p.add_argument("--timeout", type=float, default=900.0,
                   help="deadline for the whole load (s); what is unfinished then is lost")
    p.add_argument("--redis", metavar="URL", default=None,
                   help="distributed mode: `itp serve --redis URL` and --workers `itp worker "
                   "all` processes; `auto` starts a private redis-server on loopback")
    p.add_argument("--workers", type=int, default=1,
                   help="stage workers (`itp worker all`) with --redis (default 1)")
    p.add_argument("--reprioritize", action="store_true",
                   help="each client sends prioritize again once its viewport pages are "
                   "queued (the server keeps one viewport: the latest client's)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    options = p.parse_args(argv)
    if options.redis is not None and not serve_supports_redis():
        p.error("this `itp serve` has no --redis option")
    return options


def report(result: dict[str, Any]) -> str:
    first, chapter = result["first_result_s"], result["chapter_s"]
    return "\n".join([
        f"load: {result['clients']} clients x {result['images_per_client']} images "
        f"({result['image_size']}, all distinct), translator latency "
        f"{result['translator_latency_s']} s, {result['cpus']} CPUs",
        f"  accepted {result['accepted']}, done {result['done']}, errors {result['errors']} "
        f"{result['error_codes'] or ''}",
        f"  lost {result['lost']}, duplicate done {result['duplicate_done']}, bad results "
        f"{result['results_bad']}, 503 refusals {result['refused_503']}, resyncs "
        f"{result['resyncs']}",
        f"  first result per client: p50 {first['p50']} s, p95 {first['p95']} s, "
        f"max {first['max']} s",
        f"  whole chapter per client: p50 {chapter['p50']} s, p95 {chapter['p95']} s, "
        f"max {chapter['max']} s",
        f"  wall {result['wall_s']} s ({result['images_per_s']} images/s), server peak RSS "
        f"{result['peak_rss_mb']} MB (start {result['rss_start_mb']} MB, end "
        f"{result['rss_end_mb']} MB)",
        *([f"  redis: {result['workers']} workers (peak RSS {result['worker_peak_rss_mb']} "
           f"MB each at most); after the run {result['redis_keys_after']} keys in the run's "
           f"namespace, {result['shm_files_after']} files in /dev/shm/itp-*"]
          if result.get("workers") else []),
    ])


def verdict(result: dict[str, Any]) -> bool:
    return bool(result["lost"] == 0 and result["duplicate_done"] == 0 and result["errors"] == 0
            and result["results_bad"] == 0 and result["clients_without_result"] == 0)


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    result = asyncio.run(load(options))
    print(json.dumps(result) if options.json else report(result), flush=True)
    return 0 if verdict(result) else 1


if __name__ == "__main__":
    sys.exit(main())

"""Soak test of `itp serve` on loopback: chapters in a loop for a fixed time, while the
server's memory and open files are sampled; a CSV of the samples and a verdict on growth.

Every round, `--clients` readers each submit a chapter of `--images` new pages (distinct
bytes, so the pipeline does the work); every `--repeat-every`-th round repeats the previous
round's pages instead (answered from the results cache). Each round's events are checked like
the load test's: nothing lost, no duplicate `done`, no error.

Every `--interval` seconds a row goes to the CSV: elapsed seconds, the server's RSS, peak RSS
(VmHWM), threads, open fds (/proc/PID/fd), images done so far, and with `--redis` the Redis
keys under the run's namespace and the files under /dev/shm/itp-*. The verdict compares the
samples after the warm-up (the first `--warmup` share of the run): RSS is flat when the last
quarter's median is within 10% (and 64 MB) of the first quarter's; fds, threads, keys and shm
files when their last quarter's median is no higher than the first quarter's maximum. Exit
status 1 when something grew or an image was lost.

Not a CI test. Usage: .venv/bin/python scripts/soak.py [--minutes 30] [--csv soak.csv]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from load_test import (
    ClientRun,
    Redis,
    Server,
    deployment,
    draw_page,
    image_host,
    open_fds,
    proc_status_kb,
    redis_keys,
    run_client,
    serve_supports_redis,
    shm_files,
)

FIELDS = ["t_s", "rss_mb", "hwm_mb", "threads", "fds", "images_done", "rounds",
          "redis_keys", "shm_files"]
RSS_TOLERANCE = 0.10
RSS_SLACK_MB = 64.0


@dataclass
class Totals:
    rounds: int = 0
    images: int = 0
    done: int = 0
    lost: int = 0
    duplicates: int = 0
    errors: int = 0
    results_bad: int = 0
    error_codes: dict[str, int] = field(default_factory=dict)


def sample(server: Server, started: float, totals: Totals,
           redis: Redis | None) -> dict[str, Any]:
    pid = server.pid
    row: dict[str, Any] = {
        "t_s": round(time.monotonic() - started, 1),
        "rss_mb": round(proc_status_kb(pid, "VmRSS") / 1024, 1),
        "hwm_mb": round(proc_status_kb(pid, "VmHWM") / 1024, 1),
        "threads": proc_status_kb(pid, "Threads"), "fds": open_fds(pid),
        "images_done": totals.done, "rounds": totals.rounds, "redis_keys": "", "shm_files": ""}
    if redis is not None:
        row["redis_keys"] = redis_keys(redis.url, redis.namespace)
        row["shm_files"] = shm_files()
    return row


async def sampler(server: Server, redis: Redis | None, started: float, totals: Totals,
                  options: argparse.Namespace, rows: list[dict[str, Any]], writer: Any,
                  out: Any) -> None:
    while True:
        row = await asyncio.to_thread(sample, server, started, totals, redis)
        rows.append(row)
        writer.writerow(row)
        out.flush()
        if not options.quiet:
            print(" ".join(f"{k}={row[k]}" for k in FIELDS if row[k] != ""), flush=True)
        await asyncio.sleep(options.interval)


def round_pages(number: int, options: argparse.Namespace) -> dict[str, bytes]:
    size = (options.width, options.height)
    return {f"r{number}-c{c}-p{p}.png": draw_page(c + 1000 * number, p, size)
            for c in range(options.clients) for p in range(options.images)}


async def one_round(server: Server, host: str, pages: dict[str, bytes], source: int,
                    options: argparse.Namespace, totals: Totals) -> None:
    runs = [ClientRun(c, [f"{host}/p/r{source}-c{c}-p{p}.png" for p in range(options.images)])
            for c in range(options.clients)]
    deadline = time.monotonic() + options.round_timeout
    outcomes = await asyncio.gather(*(run_client(server, run, deadline, grace_s=0.5)
                                      for run in runs), return_exceptions=True)
    failures = [o for o in outcomes if isinstance(o, BaseException)]
    if failures:
        raise RuntimeError(f"round {totals.rounds}: {failures[0]!r}")
    totals.rounds += 1
    for run in runs:
        totals.images += run.accepted
        totals.done += len(run.done)
        totals.lost += run.lost
        totals.duplicates += run.duplicates
        totals.errors += len(run.errors)
        totals.results_bad += run.results_bad
        for code in run.errors.values():
            totals.error_codes[code] = totals.error_codes.get(code, 0) + 1


async def soak(options: argparse.Namespace) -> dict[str, Any]:
    pages: dict[str, bytes] = {}
    rows: list[dict[str, Any]] = []
    totals = Totals()
    with tempfile.TemporaryDirectory(prefix="itp-soak-") as tmp, \
            open(options.csv, "w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=FIELDS)
        writer.writeheader()
        async with image_host(pages) as (host, port), \
                deployment(options, Path(tmp), port) as (server, redis):
            started = time.monotonic()
            end = started + options.minutes * 60
            watch = asyncio.create_task(sampler(server, redis, started, totals, options, rows,
                                                writer, out))
            try:
                number = 0
                while time.monotonic() < end:
                    repeat = options.repeat_every > 0 and number > 0 \
                        and number % options.repeat_every == 0
                    source = number - 1 if repeat else number
                    if not repeat:
                        # Only the current round's pages are kept: the script's own memory
                        # stays flat too.
                        pages.clear()
                        pages.update(await asyncio.to_thread(round_pages, number, options))
                    await one_round(server, host, pages, source, options, totals)
                    number += 1
            finally:
                watch.cancel()
                await asyncio.gather(watch, return_exceptions=True)
            if not watch.cancelled() and watch.exception() is not None:
                # The samples stopped: a verdict on what is left would mean nothing.
                raise RuntimeError("sampling failed") from watch.exception()
            rows.append(sample(server, started, totals, redis))
            writer.writerow(rows[-1])
    return judge(rows, totals, options)


def _quarters(values: list[float]) -> tuple[list[float], list[float]]:
    n = max(1, len(values) // 4)
    return values[:n], values[-n:]


def judge(rows: list[dict[str, Any]], totals: Totals,
          options: argparse.Namespace) -> dict[str, Any]:
    settled = rows[int(len(rows) * options.warmup):] or rows
    rss = [float(r["rss_mb"]) for r in settled]
    first, last = _quarters(rss)
    rss_first, rss_last = statistics.median(first), statistics.median(last)
    grown = rss_last - rss_first
    rss_flat = grown <= RSS_TOLERANCE * rss_first and grown <= RSS_SLACK_MB
    checks: dict[str, bool] = {"rss": rss_flat}
    counters = ["fds", "threads"] + (["redis_keys", "shm_files"] if options.redis else [])
    growth: dict[str, Any] = {}
    for name in counters:
        values = [float(r[name]) for r in settled]
        head, tail = _quarters(values)
        checks[name] = statistics.median(tail) <= max(head)
        growth[name] = {"first_quarter_max": max(head), "last_quarter_median":
                        statistics.median(tail), "min": min(values), "max": max(values)}
    ok = all(checks.values()) and totals.lost == 0 and totals.duplicates == 0 \
        and totals.errors == 0 and totals.results_bad == 0
    return {
        "minutes": options.minutes, "samples": len(rows), "interval_s": options.interval,
        "rounds": totals.rounds, "images": totals.images, "done": totals.done,
        "lost": totals.lost, "duplicate_done": totals.duplicates, "errors": totals.errors,
        "error_codes": totals.error_codes, "results_bad": totals.results_bad,
        "rss_mb": {"first_quarter_median": round(rss_first, 1),
                   "last_quarter_median": round(rss_last, 1),
                   "growth_mb": round(grown, 1), "min": min(rss), "max": max(rss),
                   "peak_hwm": max(float(r["hwm_mb"]) for r in rows)},
        "counters": growth, "checks": checks, "verdict": "flat" if ok else "GROWING or lost",
        "csv": str(options.csv), "redis": options.redis,
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--minutes", type=float, default=30.0)
    p.add_argument("--interval", type=float, default=10.0, help="seconds between samples")
    p.add_argument("--clients", type=int, default=2)
    p.add_argument("--images", type=int, default=10, help="pages per chapter")
    p.add_argument("--width", type=int, default=400)
    p.add_argument("--height", type=int, default=600)
    p.add_argument("--latency", type=float, default=0.05)
    p.add_argument("--repeat-every", type=int, default=3,
                   help="every Nth round repeats the last pages (cache hits); 0: never")
    p.add_argument("--warmup", type=float, default=0.2,
                   help="share of the samples left out of the verdict (default 0.2)")
    p.add_argument("--round-timeout", type=float, default=600.0)
    p.add_argument("--csv", type=Path, default=Path("soak.csv"))
    p.add_argument("--redis", metavar="URL", default=None,
                   help="distributed mode (see load_test.py; `auto` starts a private "
                   "redis-server); also samples the run's Redis keys and /dev/shm/itp-*")
    p.add_argument("--workers", type=int, default=1, help="stage workers with --redis")
    p.add_argument("--json", action="store_true", help="print the verdict as JSON")
    p.add_argument("--quiet", action="store_true", help="no line per sample")
    options = p.parse_args(argv)
    options.max_backlog = 1000
    options.reprioritize = False
    if options.redis is not None and not serve_supports_redis():
        p.error("this `itp serve` has no --redis option")
    return options


def lines(result: dict[str, Any]) -> Iterator[str]:
    rss = result["rss_mb"]
    yield (f"soak: {result['minutes']} min, {result['rounds']} rounds, {result['done']} of "
           f"{result['images']} images done; lost {result['lost']}, duplicate done "
           f"{result['duplicate_done']}, errors {result['errors']}")
    yield (f"  RSS after warm-up: {rss['first_quarter_median']} -> "
           f"{rss['last_quarter_median']} MB (growth {rss['growth_mb']} MB; min {rss['min']}, "
           f"max {rss['max']}, peak {rss['peak_hwm']} MB)")
    for name, values in result["counters"].items():
        yield (f"  {name}: {values['min']:g}..{values['max']:g} (first quarter max "
               f"{values['first_quarter_max']:g}, last quarter median "
               f"{values['last_quarter_median']:g})")
    yield f"  verdict: {result['verdict']} {result['checks']}; samples in {result['csv']}"


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    result = asyncio.run(soak(options))
    print(json.dumps(result) if options.json else "\n".join(lines(result)), flush=True)
    return 0 if result["verdict"] == "flat" else 1


if __name__ == "__main__":
    sys.exit(main())

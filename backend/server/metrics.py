"""Prometheus text exposition (format 0.0.4), written by hand: a few counters, gauges and one
histogram family do not need a client library."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

STAGE_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class Histogram:
    def __init__(self, buckets: Iterable[float] = STAGE_BUCKETS) -> None:
        self.buckets = tuple(buckets)
        self.counts = [0] * len(self.buckets)
        self.total = 0
        self.sum = 0.0

    def observe(self, value: float) -> None:
        self.total += 1
        self.sum += value
        for i, bound in enumerate(self.buckets):
            if value <= bound:
                self.counts[i] += 1


class Metrics:
    def __init__(self) -> None:
        self.stage_seconds: dict[str, Histogram] = defaultdict(Histogram)
        self.fetch_seconds = Histogram()
        self.images_done: dict[bool, int] = {False: 0, True: 0}
        self.images_failed: dict[str, int] = defaultdict(int)
        self.jobs_created = 0
        self.jobs_refused = 0

    def observe_timings(self, timings: Mapping[str, float]) -> None:
        for stage, seconds in timings.items():
            self.stage_seconds[stage].observe(max(0.0, float(seconds)))

    def render(self, gauges: Mapping[str, tuple[str, float]],
               counters: Mapping[str, tuple[str, float]]) -> str:
        out: list[str] = []
        for name, (help_text, value) in gauges.items():
            out += [f"# HELP {name} {help_text}", f"# TYPE {name} gauge", f"{name} {_num(value)}"]
        for name, (help_text, value) in counters.items():
            out += [f"# HELP {name} {help_text}", f"# TYPE {name} counter",
                    f"{name} {_num(value)}"]
        out += ["# HELP itp_jobs_total Jobs accepted.", "# TYPE itp_jobs_total counter",
                f"itp_jobs_total {self.jobs_created}",
                "# HELP itp_jobs_refused_total Jobs refused with queue_full.",
                "# TYPE itp_jobs_refused_total counter",
                f"itp_jobs_refused_total {self.jobs_refused}",
                "# HELP itp_images_done_total Images finished, from the cache or the pipeline.",
                "# TYPE itp_images_done_total counter"]
        for cached in (False, True):
            out.append(f'itp_images_done_total{{cached="{str(cached).lower()}"}} '
                       f"{self.images_done[cached]}")
        out += ["# HELP itp_images_failed_total Images failed, by error code.",
                "# TYPE itp_images_failed_total counter"]
        for code in sorted(self.images_failed):
            out.append(f'itp_images_failed_total{{code="{_label(code)}"}} '
                       f"{self.images_failed[code]}")
        out += ["# HELP itp_stage_seconds Time an image spent in each pipeline stage.",
                "# TYPE itp_stage_seconds histogram"]
        for stage in sorted(self.stage_seconds):
            out += _histogram("itp_stage_seconds", self.stage_seconds[stage],
                              f'stage="{_label(stage)}"')
        out += ["# HELP itp_fetch_seconds Time to download an image from its URL.",
                "# TYPE itp_fetch_seconds histogram"]
        out += _histogram("itp_fetch_seconds", self.fetch_seconds, "")
        return "\n".join(out) + "\n"


def _histogram(name: str, hist: Histogram, labels: str) -> list[str]:
    sep = "," if labels else ""
    lines = [f'{name}_bucket{{{labels}{sep}le="{_num(bound)}"}} {count}'
             for bound, count in zip(hist.buckets, hist.counts, strict=True)]
    lines.append(f'{name}_bucket{{{labels}{sep}le="+Inf"}} {hist.total}')
    suffix = f"{{{labels}}}" if labels else ""
    lines += [f"{name}_sum{suffix} {_num(hist.sum)}", f"{name}_count{suffix} {hist.total}"]
    return lines


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")

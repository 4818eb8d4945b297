"""The stages as the worker runtime sees them: which queues, how many at once, how long."""

from __future__ import annotations

from dataclasses import dataclass

from workers.graph import STAGES


@dataclass(frozen=True, slots=True)
class StageSpec:
    name: str
    queues: tuple[str, ...]
    # Messages worked on at once by one worker (threads for the CPU stages, requests in flight
    # for translation).
    concurrency: int
    # Pages per model call. Inpainting batches the crops of several pages into one call; kept
    # small because GPU workers may share one card. Long strips are never batched.
    batch: int
    # A job running longer than this is presumed hung: its heartbeat stops, so it is reclaimed
    # (and, if it keeps hanging, dead-lettered) instead of holding its image forever.
    max_run_s: float


SPECS: dict[str, StageSpec] = {
    s.name: StageSpec(s.name, s.queues, s.concurrency, s.batch, s.max_run_s) for s in STAGES}


@dataclass(frozen=True, slots=True)
class WorkerOptions:
    """How one worker process behaves; 0 means "the stage's default"."""

    concurrency: int = 0
    batch: int = 0
    prefetch: int = 0
    # Work untouched for this long belongs to a dead worker and is taken over. Live workers
    # refresh theirs every third of it (the heartbeat), however long a job runs.
    claim_idle_s: float = 30.0
    # Deliveries after which a message is dead-lettered and its image fails.
    max_deliveries: int = 4
    # On SIGTERM: how long in-flight work may take to finish before it is handed back.
    grace_s: float = 30.0
    # How long a stage waits for Redis to come back before giving its message up to the
    # reaper (the message stays pending; nothing is lost either way).
    transport_retry_s: float = 60.0
    name: str = ""

    def concurrency_of(self, spec: StageSpec) -> int:
        return self.concurrency or spec.concurrency

    def batch_of(self, spec: StageSpec, queue: str) -> int:
        if queue.endswith(":long"):
            return 1
        return self.batch or spec.batch

    def prefetch_of(self, spec: StageSpec) -> int:
        # A few more than it can run: enough to reorder by priority, few enough that other
        # workers of the stage still get work.
        held = self.concurrency_of(spec) * max(self.batch or spec.batch, 1)
        return self.prefetch or held + 4

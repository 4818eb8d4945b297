"""Event fan-out: seq, replay from a job's log, and the bounded per-connection buffer."""

from __future__ import annotations

import asyncio

from backend.server.hub import Connection, Hub
from backend.server.jobs import Job, JobStore
from tests.backend.server.harness import default_settings


def _job(store: JobStore, images: int = 2) -> Job:
    job = store.new_job(default_settings().job)
    for i in range(images):
        store.add_image(job, f"http://x/{i}.png")
    return job


def _event(job: Job, index: int, kind: str = "progress") -> dict[str, object]:
    image_id = list(job.images)[index]
    return {"type": kind, "job_id": job.job_id, "image_id": image_id, "url": ""}


def _drain(conn: Connection) -> list[dict[str, object]]:
    out = []
    while not conn.queue.empty():
        out.append(conn.queue.get_nowait())
    return out


async def test_a_slow_client_is_told_to_resync_then_catches_up_exactly() -> None:
    hub, store = Hub(buffer=4), JobStore()
    job = _job(store)
    conn = Connection(4)
    session, resumed = hub.attach(None, conn)
    assert not resumed
    await hub.subscribe(session, job, 0)
    for _ in range(3):
        hub.publish(job, _event(job, 0))
    delivered = _drain(conn)
    assert [m["seq"] for m in delivered] == [1, 2, 3]
    for _ in range(10):  # nobody reads: the buffer overflows
        hub.publish(job, _event(job, 1))
    assert _drain(conn) == [{"type": "resync"}]
    assert hub.resyncs == 1
    hub.publish(job, _event(job, 0, "done"))  # held until the client subscribes again
    assert conn.queue.empty()
    conn.queue = asyncio.Queue(100)  # a roomier buffer for the replay
    await hub.subscribe(session, job, 3)
    replay = _drain(conn)
    assert [m["seq"] for m in replay] == list(range(4, 15))
    hub.publish(job, _event(job, 1, "done"))
    assert [m["seq"] for m in _drain(conn)] == [15]


async def test_replay_past_the_trimmed_log_gives_each_images_latest_event() -> None:
    hub, store = Hub(), JobStore()
    job = _job(store, images=1)
    for _ in range(200):
        hub.publish(job, _event(job, 0))
    assert job.log_floor > 0 and len(job.log) < 200
    assert [e["seq"] for e in job.events_after(0)] == [200]
    assert [e["seq"] for e in job.events_after(198)] == [199, 200]


async def test_sessions_resume_until_evicted() -> None:
    now = [0.0]
    hub = Hub(max_sessions=2, ttl_s=100.0, clock=lambda: now[0])
    conn1, conn2 = Connection(4), Connection(4)
    first, _ = hub.attach(None, conn1)
    hub.detach(first, conn1)
    again, resumed = hub.attach(first.session_id, conn2)
    assert resumed and again is first and first.conn is conn2
    hub.detach(first, conn1)  # a stale connection cannot detach its successor
    assert first.conn is conn2
    hub.detach(first, conn2)
    now[0] = 101.0
    hub.attach(None, Connection(4))  # purges the expired one
    assert first.session_id not in hub.sessions
    assert hub.attach(first.session_id, Connection(4))[1] is False


def test_finished_jobs_are_forgotten_first() -> None:
    forgotten: list[str] = []
    store = JobStore(max_jobs=2, on_evict=forgotten.append)
    a = _job(store, 1)
    b = _job(store, 1)
    next(iter(b.images.values())).status = "done"
    c = _job(store, 1)
    assert forgotten == [b.job_id] and set(store.jobs) == {a.job_id, c.job_id}
    assert store.image(next(iter(b.images))) is None

"""Fan-out of job events to WebSocket clients.

`seq` is one counter for the whole server, stamped on an event once when it happens, so it
rises within every client session and within every job, and means the same to every client.
That is what lets `subscribe {job_id, last_seq}` replay exactly what a client missed from the
job's log, whether it reconnected, resumed its session or lost its buffer.

A session (named in `hello`, resumable after a disconnect within `session_ttl_s`) remembers
which jobs the client follows. Each connection has a bounded outgoing buffer: when a slow
client lets it fill up, the buffer is dropped, `{"type": "resync"}` sent, and that client's
jobs are held (nothing more queued for them) until it subscribes again with its `last_seq`.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from backend.server.jobs import Event, Job

SubState = Literal["live", "held"]


class Connection:
    def __init__(self, limit: int) -> None:
        self.queue: asyncio.Queue[Event] = asyncio.Queue(max(2, limit))
        self.epoch = 0
        # Set when another connection resumes this one's session.
        self.taken_over = asyncio.Event()

    def offer(self, message: Event) -> bool:
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            return False
        return True

    async def put(self, message: Event) -> None:
        await self.queue.put(message)

    def reset(self) -> None:
        while not self.queue.empty():
            self.queue.get_nowait()
        self.epoch += 1
        self.queue.put_nowait({"type": "resync"})


@dataclass(eq=False)
class Session:
    session_id: str
    conn: Connection | None = None
    subs: dict[str, SubState] = field(default_factory=dict)
    detached_at: float = 0.0


class Hub:
    def __init__(self, *, buffer: int = 256, max_sessions: int = 64, ttl_s: float = 900.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.buffer = buffer
        self.max_sessions = max_sessions
        self.ttl_s = ttl_s
        self._clock = clock
        self.seq = 0
        self.sessions: dict[str, Session] = {}
        self._watchers: dict[str, set[str]] = {}
        self.resyncs = 0

    @property
    def connections(self) -> int:
        return sum(1 for s in self.sessions.values() if s.conn is not None)

    def publish(self, job: Job, event: Event) -> Event:
        """Stamp, log and deliver one event; never blocks."""
        self.seq += 1
        stamped = {"seq": self.seq, **event}
        job.append(stamped)
        for session_id in tuple(self._watchers.get(job.job_id, ())):
            session = self.sessions.get(session_id)
            if session is None or session.conn is None or session.subs.get(job.job_id) != "live":
                continue
            if not session.conn.offer(stamped):
                self._overflow(session)
        return stamped

    def attach(self, session_id: str | None, conn: Connection) -> tuple[Session, bool]:
        """The session named by the client (taken over from a connection still holding it),
        or a new one. Subscriptions of a resumed session are held until replayed."""
        session = self.sessions.get(session_id or "")
        if session is not None:
            if session.conn is not None and session.conn is not conn:
                session.conn.taken_over.set()
            session.conn = conn
            for job_id in session.subs:
                session.subs[job_id] = "held"
            return session, True
        self._purge()
        session = Session(secrets.token_urlsafe(16), conn)
        self.sessions[session.session_id] = session
        return session, False

    def detach(self, session: Session, conn: Connection) -> None:
        if session.conn is conn:
            session.conn = None
            session.detached_at = self._clock()

    def follow(self, session_id: str, job_id: str) -> bool:
        """Subscribe a session to a job from its first event on (no replay needed)."""
        session = self.sessions.get(session_id)
        if session is None:
            return False
        session.subs[job_id] = "live"
        self._watchers.setdefault(job_id, set()).add(session.session_id)
        return True

    async def subscribe(self, session: Session, job: Job, last_seq: int) -> None:
        """Replay what the client missed after `last_seq`, then deliver live. Runs in the
        connection's receive task: waiting for buffer space is the back-pressure."""
        conn = session.conn
        if conn is None:
            return
        session.subs[job.job_id] = "held"
        self._watchers.setdefault(job.job_id, set()).add(session.session_id)
        epoch, cursor = conn.epoch, last_seq
        while True:
            missed = job.events_after(cursor)
            if not missed:
                # No await since `events_after`: nothing can slip between replay and live.
                session.subs[job.job_id] = "live"
                return
            for event in missed:
                await conn.put(event)
                if conn.epoch != epoch or session.conn is not conn:
                    return
            cursor = int(missed[-1]["seq"])

    def forget_job(self, job_id: str) -> None:
        for session_id in self._watchers.pop(job_id, set()):
            session = self.sessions.get(session_id)
            if session is not None:
                session.subs.pop(job_id, None)

    def _overflow(self, session: Session) -> None:
        assert session.conn is not None
        session.conn.reset()
        self.resyncs += 1
        for job_id in session.subs:
            session.subs[job_id] = "held"

    def _purge(self) -> None:
        now = self._clock()
        idle = sorted((s for s in self.sessions.values() if s.conn is None),
                      key=lambda s: s.detached_at)
        for session in idle:
            expired = now - session.detached_at > self.ttl_s
            if not expired and len(self.sessions) < self.max_sessions:
                break
            self._drop(session)

    def _drop(self, session: Session) -> None:
        self.sessions.pop(session.session_id, None)
        for job_id in session.subs:
            watchers = self._watchers.get(job_id)
            if watchers is not None:
                watchers.discard(session.session_id)
                if not watchers:
                    del self._watchers[job_id]

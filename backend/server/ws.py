"""`/v1/ws`: the event stream, and the client's commands.

The first message is `{"type": "hello", "token", "session"?, "last_seq"?}` (the token may come
as an `Authorization: Bearer` header on the handshake instead); anything else, or a wrong
token, closes the socket with 1008. The answer is `{"type": "hello", "session", "resumed",
"server_seq", "version"}`, server_seq being the latest seq stamped so far. Then: `subscribe
{job_id, last_seq}`, `prioritize {image_ids}`, `cancel {job_id}`, `ping`. Protocol errors come
back as `{"type": "error", "code": "bad_request" | "not_found", "message"}` without `seq`; the
socket stays open.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass
from typing import Any, NoReturn

from starlette.websockets import WebSocket, WebSocketDisconnect

from backend.server.auth import AUTHENTICATED
from backend.server.hub import Connection, Session
from backend.server.state import AppState
from workers.aio import end

log = logging.getLogger("itp.server")
POLICY_VIOLATION = 1008
TAKEN_OVER = 4000
MAX_IDS = 1000


class _Closed(Exception):
    pass


@dataclass(frozen=True, slots=True)
class _Pending:
    """What the handshake leaves to do: a first message that was not `hello` (allowed with
    a Bearer header), or a resumed session's `last_seq`."""

    message: dict[str, Any] | None = None
    resume_from: int | None = None


async def ws_endpoint(websocket: WebSocket) -> None:
    state: AppState = websocket.app.state.itp
    await websocket.accept()
    conn = Connection(state.config.ws_buffer)
    try:
        session, pending = await _handshake(websocket, state, conn)
    except _Closed:
        return
    except (WebSocketDisconnect, RuntimeError):
        return
    tasks = [asyncio.create_task(_receive(websocket, state, session, pending)),
             asyncio.create_task(_send(websocket, conn)),
             asyncio.create_task(conn.taken_over.wait())]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        if tasks[2] in done:
            with contextlib.suppress(WebSocketDisconnect, RuntimeError):
                await websocket.close(TAKEN_OVER, "session resumed on another connection")
    finally:
        outcomes = await end(tasks, "websocket session")
        state.hub.detach(session, conn)
        for outcome in outcomes:
            if isinstance(outcome, Exception):
                log.error("websocket session %s failed", session.session_id,
                          exc_info=outcome)


async def _handshake(websocket: WebSocket, state: AppState,
                     conn: Connection) -> tuple[Session, _Pending]:
    """Authenticate and attach a session; returns it and a first message still to handle."""
    preauthed = bool(websocket.scope.get(AUTHENTICATED))
    try:
        async with asyncio.timeout(state.config.hello_timeout_s):
            first = await _read(websocket)
    except TimeoutError:
        await _close(websocket, "expected a hello message with the pairing token")
    if first is None or first.get("type") != "hello":
        if preauthed and first is not None:
            session, _ = state.hub.attach(None, conn)
            conn.offer(_hello(state, session, False))
            return session, _Pending(message=first)
        await _close(websocket, "the first message must be {type: hello, token}")
    if not preauthed:
        token = first.get("token")
        client = websocket.client.host if websocket.client else "unknown"
        verdict = state.guard.check(client, token if isinstance(token, str) else None)
        if verdict != "ok":
            reason = {"limited": "too many wrong tokens"}.get(verdict, f"token {verdict}")
            await _close(websocket, reason)
    requested = first.get("session")
    session, resumed = state.hub.attach(requested if isinstance(requested, str) else None,
                                        conn)
    conn.offer(_hello(state, session, resumed))
    last_seq = first.get("last_seq")
    if resumed and isinstance(last_seq, int) and not isinstance(last_seq, bool):
        return session, _Pending(resume_from=max(0, last_seq))
    return session, _Pending()


def _hello(state: AppState, session: Session, resumed: bool) -> dict[str, Any]:
    return {"type": "hello", "session": session.session_id, "resumed": resumed,
            "server_seq": state.hub.seq, "version": state.version}


async def _close(websocket: WebSocket, reason: str) -> NoReturn:
    with contextlib.suppress(WebSocketDisconnect, RuntimeError):
        await websocket.close(POLICY_VIOLATION, reason[:120])
    raise _Closed(reason)


async def _read(websocket: WebSocket) -> dict[str, Any] | None:
    """The next message as a JSON object, None for anything else; raises on disconnect."""
    message = await websocket.receive()
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000))
    text = message.get("text")
    if text is None:
        return None
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        # ValueError beside JSONDecodeError: an integer over Python's 4300-digit limit;
        # RecursionError: arrays or objects nested too deeply.
        return None
    return value if isinstance(value, dict) else None


async def _send(websocket: WebSocket, conn: Connection) -> None:
    while True:
        message = await conn.queue.get()
        try:
            await websocket.send_text(json.dumps(message, separators=(",", ":")))
        except (WebSocketDisconnect, RuntimeError, OSError):
            return


async def _receive(websocket: WebSocket, state: AppState, session: Session,
                   pending: _Pending) -> None:
    conn = session.conn
    assert conn is not None
    try:
        if pending.resume_from is not None:
            # Resume every job this session followed from one point, without a subscribe each.
            for job_id in list(session.subs):
                job = state.store.job(job_id)
                if job is not None:
                    await state.hub.subscribe(session, job, pending.resume_from)
        if pending.message is not None:
            await _handle(state, session, conn, pending.message)
        while True:
            message = await _read(websocket)
            if message is None:
                conn.offer(_problem("bad_request", "messages must be JSON objects"))
                continue
            await _handle(state, session, conn, message)
    except (WebSocketDisconnect, RuntimeError):
        return


async def _handle(state: AppState, session: Session, conn: Connection,
                  message: dict[str, Any]) -> None:
    kind = message.get("type")
    if kind == "subscribe":
        job_id = message.get("job_id")
        last_seq = message.get("last_seq") or 0
        if not isinstance(job_id, str) or not isinstance(last_seq, int) \
                or isinstance(last_seq, bool):
            conn.offer(_problem("bad_request", "subscribe needs job_id (str), last_seq (int)"))
            return
        job = state.store.job(job_id)
        if job is None:
            conn.offer(_problem("not_found", f"no job {job_id!r} (finished long ago, or the "
                                "server restarted)", job_id=job_id))
            return
        await state.hub.subscribe(session, job, max(0, last_seq))
    elif kind == "prioritize":
        ids = message.get("image_ids")
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            conn.offer(_problem("bad_request", "prioritize needs image_ids: [str]"))
            return
        state.service.prioritize(ids[:MAX_IDS])
    elif kind == "cancel":
        job = state.store.job(str(message.get("job_id", "")))
        if job is None:
            conn.offer(_problem("not_found", "cancel: no such job",
                                job_id=message.get("job_id")))
            return
        state.service.cancel(job)
    elif kind == "ping":
        conn.offer({"type": "pong"})
    else:
        conn.offer(_problem("bad_request", f"unknown message type {kind!r}"))


def _problem(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"type": "error", "code": code, "message": message, "retryable": False, **extra}

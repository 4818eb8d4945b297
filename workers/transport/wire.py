"""Transport values as flat stream-entry fields (strings), and back.

A message is `image`, `job` and one `r:<name>` field per blob reference, so a Lua script can
compose one (the join does) without a JSON encoder of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from workers.transport.base import DeadLetter, Event, EventKind, Message, Timings

# Replies as redis-py parses them (bytes) or as the tests write them (str).
Raw = Mapping[Any, Any]


def decode(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _fields(raw: Raw) -> dict[str, str]:
    return {decode(k): decode(v) for k, v in raw.items()}


def message_fields(message: Message) -> list[str]:
    flat = ["image", message.image_id, "job", message.job_id]
    for name, ref in message.refs:
        flat += [f"r:{name}", ref]
    return flat


def parse_message(raw: Raw) -> Message:
    fields = _fields(raw)
    refs = tuple((k[2:], v) for k, v in fields.items() if k.startswith("r:"))
    return Message(fields["image"], fields["job"], refs)


def event_fields(event: Event) -> list[str]:
    return ["kind", event.kind, "image", event.image_id, "job", event.job_id,
            "stage", event.stage, "result", event.result, "code", event.code,
            "message", event.message, "retryable", "1" if event.retryable else "0"]


def parse_event(raw: Raw) -> Event:
    f = _fields(raw)
    return Event(kind=cast(EventKind, f["kind"]), image_id=f["image"], job_id=f["job"],
                 stage=f.get("stage", ""), result=f.get("result", ""), code=f.get("code", ""),
                 message=f.get("message", ""), retryable=f.get("retryable") == "1")


def dead_fields(dead: DeadLetter) -> list[str]:
    return ["queue", dead.queue, "entry", dead.entry_id, "deliveries", str(dead.deliveries),
            "reason", dead.reason, *message_fields(dead.message)]


def parse_dead(raw: Raw) -> DeadLetter:
    f = _fields(raw)
    return DeadLetter(f["queue"], f["entry"], parse_message(raw), int(f["deliveries"]),
                      f["reason"])


def stream_entries(reply: Any) -> list[tuple[str, str, Raw | None]]:
    """An XREADGROUP reply as (stream, entry id, fields); fields are None for an entry
    deleted while pending."""
    out: list[tuple[str, str, Raw | None]] = []
    for stream, entries in reply or []:
        out += [(decode(stream), decode(i), f) for i, f in entries if i is not None]
    return out


def pairs(flat: list[str]) -> list[tuple[str, str]]:
    return list(zip(flat[::2], flat[1::2], strict=True))


def timing_rows(timings: Timings) -> list[list[str]]:
    """Timings for a Lua script: seconds as text, so no float is rounded on the way."""
    return [[stage, repr(float(seconds))] for stage, seconds in timings]

"""What crosses to and from the server in distributed mode, through the generic codec:
the job's settings (kept as text in the ledger), the finished page, and coded errors."""

from __future__ import annotations

import json

from workers.config import JobSettings, public
from workers.errors import ERROR_CODES, InternalError, ItpError
from workers.pipeline import codec
from workers.types import PageResult


def dump_settings(job: JobSettings) -> str:
    """The job's settings as ledger text. Credentials never travel (`config.public`)."""
    safe = job.with_(translator=public(job.translator))
    return json.dumps(codec.to_json(safe, JobSettings), sort_keys=True, separators=(",", ":"))


def load_settings(text: str) -> JobSettings:
    return codec.from_json(json.loads(text), JobSettings)


def dump_result(result: PageResult) -> bytes:
    return codec.encode(result, PageResult)


def load_result(data: bytes) -> PageResult:
    return codec.decode(data, PageResult)


def _error_classes() -> dict[str, type[ItpError]]:
    found: dict[str, type[ItpError]] = {}
    pending: list[type[ItpError]] = ItpError.__subclasses__()
    while pending:
        cls = pending.pop(0)
        found.setdefault(cls.code, cls)
        pending += cls.__subclasses__()
    return {code: found[code] for code in ERROR_CODES if code in found}


def load_error(code: str, message: str, retryable: bool) -> ItpError:
    """The coded error a worker reported, as the class that carries that code."""
    cls = _error_classes().get(code, InternalError)
    return cls(message, retryable=retryable)

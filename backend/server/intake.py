"""The checks an image's bytes pass before anything else is spent on them.

Only the header is parsed here (format from the magic bytes, pixel size), so a non-image or a
decompression bomb is refused at once with its code, for an upload even in the HTTP answer.
Truncation shows only on a full decode, which the pipeline does.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from backend.server.cache import cache_key
from workers.config import Limits
from workers.imageio import inspect_header


@dataclass(frozen=True, slots=True)
class Intake:
    format: str
    width: int
    height: int
    key: str
    sha256: str


def inspect(data: bytes, limits: Limits, settings_fingerprint: str) -> Intake:
    """Blocking (hashing a 50 MB strip takes a while): run in a thread."""
    fmt, width, height = inspect_header(data, limits)
    digest = hashlib.sha256(data).hexdigest()
    return Intake(fmt, width, height, cache_key(digest, settings_fingerprint), digest)

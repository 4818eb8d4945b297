"""The checks an image's bytes pass before anything else is spent on them.

Only the header is parsed here (format from the magic bytes, pixel size), so a non-image or a
decompression bomb is refused at once with its code, for an upload even in the HTTP answer.
Truncation shows only on a full decode, which the pipeline does.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image as PILImage
from PIL import UnidentifiedImageError

from backend.server.cache import cache_key
from workers.config import Limits
from workers.errors import BadImage, TooLarge
from workers.imageio import sniff_format


@dataclass(frozen=True, slots=True)
class Intake:
    format: str
    width: int
    height: int
    key: str


def inspect(data: bytes, limits: Limits, settings_fingerprint: str) -> Intake:
    """Blocking (hashing a 50 MB strip takes a while): run in a thread."""
    if not data:
        raise BadImage("empty file (0 bytes)")
    if len(data) > limits.max_bytes:
        raise TooLarge(f"{len(data)} bytes is over the {limits.max_bytes} byte limit")
    fmt = sniff_format(data)
    if fmt is None:
        raise BadImage(f"not a supported image (first bytes {data[:8]!r}); "
                       "accepted: JPEG, PNG, WebP, GIF, BMP, TIFF")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PILImage.DecompressionBombWarning)
            with PILImage.open(io.BytesIO(data)) as img:
                width, height = img.size
    except PILImage.DecompressionBombError as exc:
        raise TooLarge(f"decompression bomb refused: {exc}") from exc
    except UnidentifiedImageError as exc:
        raise BadImage(f"{fmt} header is unreadable") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise BadImage(f"corrupt {fmt} header: {exc}") from exc
    if width <= 0 or height <= 0:
        raise BadImage(f"image has no pixels ({width}x{height})")
    if max(width, height) > limits.max_side or width * height > limits.max_pixels:
        raise TooLarge(f"{width}x{height} px is over the limit ({limits.max_pixels} px, "
                       f"{limits.max_side} px per side)")
    key = cache_key(hashlib.sha256(data).hexdigest(), settings_fingerprint)
    return Intake(fmt, width, height, key)

"""Decoding and encoding images at the edge, with the checks that keep bad input contained.

Checks run before the pixels are decoded: the byte cap, the format (from the file's magic
bytes, not its name or Content-Type) and the pixel count from the header, so a decompression
bomb is refused without allocating it. Truncation is caught on decode. Every accepted image
comes out as RGB uint8; alpha is flattened on white, CMYK/16-bit/palette/grayscale converted,
EXIF orientation applied (that is how a reader sees the page).
"""

from __future__ import annotations

import io
import struct
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

import numpy as np
from PIL import Image as PILImage
from PIL import ImageOps, UnidentifiedImageError, features

from workers.config import Limits
from workers.errors import BadImage, TooLarge
from workers.types import Image


def _pillow_decodes_avif() -> bool:
    """Pillow 11.3+ reads AVIF itself (its wheels carry libavif); an older one, or a build
    without libavif, cannot, and AVIF is then neither accepted nor asked for."""
    try:
        return bool(features.check_module("avif"))
    except ValueError:  # a Pillow too old to know the plugin at all
        return False


AVIF_DECODES: Final = _pillow_decodes_avif()

# Formats we accept; anything else (SVG, HTML served as image/*, PDF…) is `bad_image`.
ACCEPTED_FORMATS: Final = frozenset({"JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF"}
                                    | ({"AVIF"} if AVIF_DECODES else set()))

ACCEPTED_NAMES: Final = "JPEG, PNG, WebP, GIF, BMP, TIFF" + (", AVIF" if AVIF_DECODES else "")

_MAGIC: Final = (
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"BM", "BMP"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
)


# What Pillow raises on corrupt data: truncation is OSError ("image file is truncated"), but
# the plugins' parsers also fail with these on malformed fields (TIFF's missing dimensions are
# a TypeError, a GIF block cut short an IndexError or struct.error).
PILLOW_DATA_ERRORS: Final = (OSError, SyntaxError, ValueError, TypeError, IndexError, KeyError,
                             EOFError, struct.error)


def _is_avif(data: bytes) -> bool:
    """An ISO-BMFF file whose `ftyp` box names AVIF (still image or sequence) as its major or a
    compatible brand. HEIF files of other codecs (HEIC) share the box but not the brand."""
    if data[4:8] != b"ftyp":
        return False
    size = int.from_bytes(data[:4], "big")
    box = data[8:min(max(size, 16), 64)]
    # Major brand, minor version, then the compatible brands.
    brands = {box[:4]} | {box[i:i + 4] for i in range(8, len(box) - 3, 4)}
    return bool(brands & {b"avif", b"avis"})


def sniff_format(data: bytes) -> str | None:
    """The format named by the file's first bytes, or None when it is not one we accept."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if AVIF_DECODES and _is_avif(data):
        return "AVIF"
    for magic, name in _MAGIC:
        if data.startswith(magic):
            return name
    return None


@contextmanager
def _pillow_errors(fmt: str, what: str) -> Iterator[None]:
    """Pillow's many ways of saying "bad file" as our coded errors."""
    try:
        with warnings.catch_warnings():
            # Pillow warns (and raises past 2x) on bombs; our own, lower cap decides first.
            warnings.simplefilter("ignore", PILImage.DecompressionBombWarning)
            yield
    except PILImage.DecompressionBombError as exc:
        raise TooLarge(f"decompression bomb refused: {exc}") from exc
    except UnidentifiedImageError as exc:
        raise BadImage(f"{fmt} header is unreadable") from exc
    except PILLOW_DATA_ERRORS as exc:
        raise BadImage(f"corrupt {what} {fmt}: {exc}") from exc


def inspect_header(data: bytes, limits: Limits) -> tuple[str, int, int]:
    """(format, width, height) from the bytes and the header alone, or `BadImage` /
    `TooLarge`: what may be refused before a pixel is decoded."""
    if not data:
        raise BadImage("empty file (0 bytes)")
    if len(data) > limits.max_bytes:
        raise TooLarge(f"{len(data)} bytes is over the {limits.max_bytes} byte limit")
    fmt = sniff_format(data)
    if fmt is None:
        raise BadImage(f"not a supported image (first bytes {data[:8]!r}); "
                       f"accepted: {ACCEPTED_NAMES}")
    with _pillow_errors(fmt, "header of the"), PILImage.open(io.BytesIO(data)) as img:
        width, height = img.size
    _check_size(width, height, limits)
    return fmt, width, height


def decode_image(data: bytes, limits: Limits) -> Image:
    """Bytes -> RGB uint8 array, or `BadImage` / `TooLarge` with a one-line reason."""
    fmt, _, _ = inspect_header(data, limits)
    with _pillow_errors(fmt, "or truncated"):
        # An animated GIF/WebP opens on its first frame, the page. Counting frames
        # (`n_frames`) would parse every later frame, and a corrupt one raises from there.
        img = PILImage.open(io.BytesIO(data))
        img.load()
        return _to_rgb(img)


def _check_size(width: int, height: int, limits: Limits) -> None:
    if width <= 0 or height <= 0:
        raise BadImage(f"image has no pixels ({width}x{height})")
    if max(width, height) > limits.max_side or width * height > limits.max_pixels:
        raise TooLarge(
            f"{width}x{height} px is over the limit ({limits.max_pixels} px, "
            f"{limits.max_side} px per side)"
        )


def _to_rgb(img: PILImage.Image) -> Image:
    img = ImageOps.exif_transpose(img) or img
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16-bit grayscale: scale to 8 bits instead of clipping everything to white.
        arr = np.asarray(img, dtype=np.float64)
        gray = np.clip(arr / 257.0, 0, 255).astype(np.uint8)
        return np.ascontiguousarray(np.repeat(gray[:, :, None], 3, axis=2))
    if img.mode == "P":
        img = img.convert("RGBA")
    if img.mode in ("RGBA", "LA", "PA"):
        # Transparent comic images are read on a white page.
        background = PILImage.new("RGBA", img.size, (255, 255, 255, 255))
        img = PILImage.alpha_composite(background, img.convert("RGBA"))
    rgb = img.convert("RGB")
    return np.ascontiguousarray(np.asarray(rgb, dtype=np.uint8))


def encode_image(image: Image, fmt: str, quality: int = 92) -> bytes:
    """RGB array -> bytes in `fmt` (a PIL format name or a file extension)."""
    name = {"JPG": "JPEG", "TIF": "TIFF"}.get(fmt.upper().lstrip("."), fmt.upper().lstrip("."))
    if name not in ACCEPTED_FORMATS:
        name = "PNG"
    buf = io.BytesIO()
    pil = PILImage.fromarray(image, "RGB")
    if name == "JPEG":
        pil.save(buf, "JPEG", quality=quality, subsampling=0)
    elif name in ("WEBP", "AVIF"):
        pil.save(buf, name, quality=quality)
    elif name == "GIF":
        pil.save(buf, "GIF")
    else:
        pil.save(buf, name)
    return buf.getvalue()


EXTENSIONS: Final = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "GIF": ".gif",
                     "BMP": ".bmp", "TIFF": ".tif", "AVIF": ".avif"}

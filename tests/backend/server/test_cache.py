"""The results cache on disk: keys, LRU eviction, and surviving a restart."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from backend.server.cache import ResultCache, cache_key, encode_result, fingerprint
from tests.backend.server.harness import default_settings
from workers.config import TranslatorSettings


def _blob(n: int, size: int = 1000) -> bytes:
    return bytes([n % 256]) * size


async def test_put_lookup_read(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path, max_bytes=10_000)
    cache.load()
    assert cache.lookup("k1") is None and cache.misses == 1
    entry = await cache.put("k1", _blob(1), "png")
    assert cache.lookup("k1") == entry and cache.hits == 1
    assert await cache.read(entry) == _blob(1)
    assert entry.media_type == "image/png" and len(entry.etag) == 32
    assert (tmp_path / entry.filename).is_file()


async def test_least_recently_used_goes_first(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path, max_bytes=3_000)
    cache.load()
    a = await cache.put("a", _blob(1), "png")
    await cache.put("b", _blob(2), "png")
    await cache.put("c", _blob(3), "png")
    await cache.read(a)  # a is now the most recently used
    await cache.put("d", _blob(4), "png")
    assert cache.get("b") is None and not any(p.name.startswith("b.") for p in tmp_path.iterdir())
    assert {k for k in ("a", "c", "d") if cache.get(k)} == {"a", "c", "d"}
    assert cache.total <= 3_000


async def test_the_newest_entry_survives_even_over_the_cap(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path, max_bytes=500)
    cache.load()
    await cache.put("small", _blob(1, 100), "png")
    big = await cache.put("big", _blob(2, 2_000), "jpg")
    assert cache.get("big") == big and cache.get("small") is None


async def test_index_is_rebuilt_after_a_restart(tmp_path: Path) -> None:
    first = ResultCache(tmp_path, max_bytes=10_000)
    first.load()
    old = await first.put("old", _blob(1), "png")
    new = await first.put("new", _blob(2), "jpg")
    os.utime(tmp_path / old.filename, (1_000_000, 1_000_000))
    (tmp_path / "half-written.png.123.tmp").write_bytes(b"x")
    (tmp_path / "stranger.txt").write_bytes(b"x")
    second = ResultCache(tmp_path, max_bytes=1_500)
    second.load()
    assert second.get("new") == new and second.get("old") is None  # oldest evicted on load
    assert not (tmp_path / "half-written.png.123.tmp").exists()
    assert (tmp_path / "stranger.txt").exists()
    assert await second.read(new) == _blob(2)


async def test_a_vanished_file_is_a_miss(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path, max_bytes=10_000)
    cache.load()
    entry = await cache.put("k", _blob(1), "png")
    (tmp_path / entry.filename).unlink()
    assert await cache.read(entry) is None and cache.get("k") is None


def test_fingerprint_covers_what_changes_the_output() -> None:
    base = default_settings()
    used = {"ocr": "ppocr+ppocr", "inpainter": "lama:abc", "font": "auto"}
    same = fingerprint(base.with_(threads=7, ocr_engines=3).job, used, "1")
    assert same == fingerprint(base.job, used, "1")
    changed = [
        (base.with_(target="ko"), used), (base.with_(source="ja"), used),
        (base.with_(translator=TranslatorSettings(name="openai", model="m")), used),
        (base.with_(translator=TranslatorSettings(name="openai", model="n")), used),
        (base, {**used, "inpainter": "opencv"}), (base, {**used, "font": "/f.ttf"}),
        (base, {**used, "ocr": "ppocr+tesseract-kor"}), (base, {**used, "analyser": "x"}),
    ]
    prints = {fingerprint(s.job, u, "1") for s, u in changed}
    prints |= {same, fingerprint(base.job, used, "2")}
    assert len(prints) == len(changed) + 2
    assert cache_key("a" * 64, same) != cache_key("b" * 64, same)


def test_results_are_png_except_for_jpeg_inputs() -> None:
    image = np.zeros((8, 8, 3), dtype=np.uint8)
    png, ext = encode_result(image, "PNG")
    assert ext == "png" and png.startswith(b"\x89PNG")
    jpg, ext = encode_result(image, "JPEG")
    assert ext == "jpg" and jpg.startswith(b"\xff\xd8")
    assert encode_result(image, "WEBP")[1] == "png"

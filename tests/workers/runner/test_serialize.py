"""Stage values through their blob encoding and back, unchanged."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from workers.config import Limits, Settings, TranslatorSettings
from workers.errors import BadImage, InternalError, TranslatorFailed
from workers.pipeline import serialize
from workers.types import Block, Crop, PageLayout, PageResult, RenderedBlock, TextLine

LINE = TextLine(((1.5, 2.0), (30.0, 2.0), (30.0, 12.25), (1.5, 12.25)), "日本語 text", 0.93,
                False)


def test_arrays_keep_shape_dtype_and_are_writable() -> None:
    image = np.random.default_rng(1).integers(0, 255, (7, 5, 3), dtype=np.uint8)
    back = serialize.load_image(serialize.dump_image(image))
    assert back.dtype == np.uint8 and np.array_equal(back, image)
    back[0, 0] = 0  # stages paste into their arrays in place
    meta, arrays = serialize.unpack(serialize.pack({"k": [1, "x"]},
                                                   [np.arange(6, dtype=np.float32)]))
    assert meta == {"k": [1, "x"]} and arrays[0].dtype == np.float32
    with pytest.raises(ValueError):
        serialize.unpack(b"\x93NUMPY not ours")


def test_layout_and_crops_round_trip() -> None:
    mask = np.zeros((20, 40), np.uint8)
    mask[2:12, 1:30] = 255
    layout = PageLayout(40, 20, [Block(0, (1, 2, 30, 12), [LINE], "h", "fill", (250, 251, 252)),
                                 Block(1, (0, 0, 4, 4), [], "v", "model")], mask, "ja")
    back = serialize.load_layout(serialize.dump_layout(layout))
    assert back.blocks == layout.blocks and back.source_lang == "ja"
    assert np.array_equal(back.mask, mask)
    assert serialize.load_lines(serialize.dump_lines([LINE])) == [LINE]
    crop = Crop((0, 0, 32, 32), np.full((32, 32, 3), 7, np.uint8), np.full((32, 32), 255,
                np.uint8), "short", (0, 1))
    (c,) = serialize.load_crops(serialize.dump_crops([crop]))
    assert (c.box, c.size_class, c.block_indices) == (crop.box, "short", (0, 1))
    assert np.array_equal(c.image, crop.image) and np.array_equal(c.mask, crop.mask)
    assert serialize.load_texts(serialize.dump_texts(["a", "", "ß"])) == ["a", "", "ß"]


def test_result_round_trip() -> None:
    blocks = [RenderedBlock(0, (1, 2, 3, 4), "h", "src", "dst", 18, (1, 2, 3), "model",
                            (255, 255, 255), True),
              RenderedBlock(1, (5, 6, 7, 8), "v", "s", "", 0, (0, 0, 0), "fill")]
    result = PageResult(np.zeros((4, 6, 3), np.uint8), 6, 4, "ja", "en", blocks,
                        {"ocr": 0.25, "render": 1.0})
    back = serialize.load_result(serialize.dump_result(result))
    assert back.blocks == blocks and back.timings == result.timings
    assert (back.width, back.height, back.source, back.target) == (6, 4, "ja", "en")


def test_settings_travel_without_secrets() -> None:
    settings = Settings(source="ja", target="ko", font=Path("/f.ttf"), threads=3,
                        limits=Limits(max_bytes=10),
                        translator=TranslatorSettings(
                            name="papago", api_key="sk-secret", glossary=Path("/g.txt"),
                            extra=(("client_id", "id"), ("client_secret", "shh"))))
    text = serialize.dump_settings(settings)
    assert "sk-secret" not in text and "shh" not in text
    back = serialize.load_settings(text)
    assert back.translator.api_key == "" and back.translator.extra == (("client_id", "id"),)
    assert back.with_(translator=settings.translator) == settings


def test_errors_keep_their_class() -> None:
    assert isinstance(serialize.load_error("bad_image", "nope", False), BadImage)
    failed = serialize.load_error("translator_failed", "503", True)
    assert isinstance(failed, TranslatorFailed) and failed.retryable
    unknown = serialize.load_error("no_such_code", "?", False)
    assert isinstance(unknown, InternalError) and unknown.message == "?"

"""Splitting a page's recognition is exact: PP-OCR reads each of its batches alone as it
reads them in one call, and the page's decision offers the lines outside its sample to
helpers without changing what is read."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
import pytest

from workers.ocr.base import Recognition
from workers.ocr.ppocr import REC_BATCH_GPU, Ppocr, rec_batches
from workers.ocr.script import read_page
from workers.types import Image

WORDS = ["HELLO", "THERE", "A", "LONGER LINE OF TEXT", "OK", "WHAT?!", "NO WAY", "WAIT",
         "COMICS ARE FUN", "YES", "I SEE", "THE END", "BANG", "WHY", "RUN!", "LATER",
         "SEE YOU TOMORROW", "HMM", "GOOD MORNING", "HEY"]


def _line(text: str) -> Image:
    width = 30 + 22 * len(text)
    img = np.full((44, width, 3), 255, np.uint8)
    cv2.putText(img, text, (8, 32), cv2.FONT_HERSHEY_SIMPLEX, 0.9, (0, 0, 0), 2)
    return img


def test_batches_follow_rapidocr_order_and_size() -> None:
    crops = [_line(w) for w in WORDS]
    batches = rec_batches(crops, REC_BATCH_GPU)
    narrow, wide = sorted(batches, key=len, reverse=True)
    assert len(narrow) == REC_BATCH_GPU and len(wide) == len(WORDS) - REC_BATCH_GPU
    assert sorted(i for b in batches for i in b) == list(range(len(WORDS)))
    ratios = [c.shape[1] / c.shape[0] for c in crops]
    assert max(ratios[i] for i in narrow) <= min(ratios[i] for i in wide)
    # The costliest first: lines times the widest line's width.
    costs = [len(b) * max(ratios[i] for i in b) for b in batches]
    assert costs == sorted(costs, reverse=True)
    assert rec_batches([], REC_BATCH_GPU) == []


def test_on_the_cpu_each_line_is_read_alone_the_widest_first() -> None:
    crops = [_line(w) for w in WORDS]
    recognizer = Ppocr(threads=1).recognizer
    batches = recognizer.batches(crops)
    assert all(len(b) == 1 for b in batches)
    # Narrower lines than RapidOCR's 320x48 cost the same (they are padded to it).
    costs = [max(crops[b[0]].shape[1], 44 * 320 // 48) for b in batches]
    assert costs == sorted(costs, reverse=True)


@pytest.mark.parametrize("rec_batch", [0, REC_BATCH_GPU])
def test_each_batch_read_alone_reads_as_in_one_call(rec_batch: int) -> None:
    recognizer = Ppocr(threads=1, rec_batch=rec_batch).recognizer
    crops = [_line(w) for w in WORDS]
    whole = recognizer.recognize(crops)
    split: dict[int, Recognition] = {}
    for batch in recognizer.batches(crops):
        split.update(zip(batch, recognizer.recognize([crops[i] for i in batch]),
                         strict=True))
    assert [split[i] for i in range(len(crops))] == whole
    assert sum(r.text.replace(" ", "") == w.replace(" ", "")
               for r, w in zip(whole, WORDS, strict=True)) >= 15


class Started:
    def __init__(self, recognizer: Starts, crops: Sequence[Image]) -> None:
        self.recognizer = recognizer
        self.crops = crops
        self.withdrawn = False
        self.asked = False

    def result(self) -> list[Recognition]:
        self.asked = True
        return self.recognizer.recognize(self.crops)

    def withdraw(self) -> None:
        self.withdrawn = True


class Starts:
    """A recognizer that can start reading ahead (as a crew's shared one can)."""

    min_score = 0.5

    def __init__(self, name: str, text: str, score: float) -> None:
        self.name = name
        self.langs = frozenset({"ko"} if name == "ko" else {"ja"})
        self.answer = Recognition(text, score)
        self.started: list[Started] = []

    def recognize(self, crops: Sequence[Image]) -> list[Recognition]:
        return [self.answer] * len(crops)

    def start(self, crops: Sequence[Image]) -> Started:
        self.started.append(Started(self, crops))
        return self.started[-1]


def _crops(n: int) -> tuple[list[Image], list[tuple[int, int, int, int]]]:
    return ([np.zeros((10, 10 + i, 3), np.uint8) for i in range(n)],
            [(0, 0, 10 + i, 10) for i in range(n)])


def test_the_lines_outside_the_sample_are_started_and_used() -> None:
    crops, boxes = _crops(12)
    main, korean = Starts("main", "ありがとう", 0.99), Starts("ko", "안녕", 0.9)
    reading = read_page(crops, boxes, main, korean, "auto")
    assert not reading.korean and len(reading.recognitions) == 12
    [ahead] = main.started
    assert len(ahead.crops) == 4 and ahead.asked and not ahead.withdrawn


def test_on_a_korean_page_the_started_lines_are_withdrawn_and_dropped() -> None:
    crops, boxes = _crops(12)
    main, korean = Starts("main", "言", 0.6), Starts("ko", "안녕하세요", 0.9)
    reading = read_page(crops, boxes, main, korean, "auto")
    assert reading.korean
    assert [r.text for r in reading.recognitions] == ["안녕하세요"] * 12
    [ahead] = main.started
    assert ahead.withdrawn and not ahead.asked


def test_tesseract_reads_each_line_alone_the_largest_first() -> None:
    from workers.ocr.tesseract import TesseractRecognizer

    crops = [np.zeros((20, w, 3), np.uint8) for w in (50, 200, 80)]
    unloaded = TesseractRecognizer.__new__(TesseractRecognizer)  # batches need no model
    assert unloaded.batches(crops) == [[1], [2], [0]]

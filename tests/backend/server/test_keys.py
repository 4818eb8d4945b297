"""Results-cache keys follow the models that make the results, as the pipeline reports them."""

from __future__ import annotations

from backend.server.keys import ResultKeys
from workers.config import JobSettings

JOB = JobSettings(target="fr")
SHA = "a" * 64


def test_a_new_model_reported_by_a_result_changes_the_key() -> None:
    keys = ResultKeys("1")
    keys.learn({"ocr": "ppocr+ppocr", "inpainter": "lama:1111", "font": "auto"})
    before = keys.key(SHA, JOB)
    keys.learn({"inpainter": "lama:2222"})  # the workers were given other weights
    assert keys.key(SHA, JOB) != before


def test_a_page_that_needed_no_inpainter_says_nothing_about_it() -> None:
    keys = ResultKeys("1")
    keys.learn({"inpainter": "lama:1111"})
    before = keys.key(SHA, JOB)
    keys.learn({"inpainter": "fill"})
    assert keys.key(SHA, JOB) == before


def test_the_key_covers_the_image_the_job_and_the_version() -> None:
    keys = ResultKeys("1")
    keys.learn({"ocr": "ppocr"})
    base = keys.key(SHA, JOB)
    assert keys.key("b" * 64, JOB) != base
    assert keys.key(SHA, JOB.with_(source="ja")) != base
    other = ResultKeys("2")
    other.learn({"ocr": "ppocr"})
    assert other.key(SHA, JOB) != base

"""What crosses to and from the server: job settings without secrets, results, errors."""

from __future__ import annotations

import numpy as np

from workers.config import JobSettings, MachineSettings, TranslatorSettings
from workers.errors import BadImage, InternalError, TranslatorFailed
from workers.pipeline import serialize
from workers.types import PageResult, RenderedBlock, RenderedLine

SECRET = TranslatorSettings(name="papago", url="https://papago.example", api_key="sk-secret",
                            glossary="ナルト = Naruto\n",
                            extra=(("client_id", "id"), ("client_secret", "shh")))


def test_job_settings_travel_without_secrets() -> None:
    job = JobSettings(source="ja", target="ko", translator=SECRET)
    text = serialize.dump_settings(job)
    assert "sk-secret" not in text and "shh" not in text
    back = serialize.load_settings(text)
    assert back.translator.api_key == "" and back.translator.extra == (("client_id", "id"),)
    assert back.translator.glossary == SECRET.glossary
    assert back.with_(translator=SECRET) == job


def test_a_machine_lends_its_key_only_to_its_own_service() -> None:
    machine = MachineSettings(credentials=SECRET)
    job = serialize.load_settings(serialize.dump_settings(JobSettings(translator=SECRET)))
    mine = machine.translator_for(job)
    assert mine.api_key == "sk-secret" and mine.option("client_secret") == "shh"
    # A job naming another URL (anyone who can write the ledger could) gets no key.
    elsewhere = job.with_(translator=TranslatorSettings(name="papago", url="http://evil.example"))
    lent = machine.translator_for(elsewhere)
    assert lent.api_key == "" and lent.option("client_secret") == ""


def test_result_round_trip() -> None:
    blocks = [RenderedBlock(0, (1, 2, 3, 4), "h", "src", "dst", 18, (1, 2, 3), "model",
                            (255, 255, 255), True, "caption", ((0, 0), (5, 0), (5, 5)),
                            (RenderedLine("dst-", (1, 2, 3, 3)),), True),
              RenderedBlock(1, (5, 6, 7, 8), "v", "s", "", 0, (0, 0, 0), "fill")]
    result = PageResult(np.zeros((4, 6, 3), np.uint8), 6, 4, "ja", "en", blocks,
                        {"ocr": 0.25, "render": 1.0}, {"ocr": "ppocr"})
    back = serialize.load_result(serialize.dump_result(result))
    assert back.blocks == blocks and back.timings == result.timings
    assert back.used == {"ocr": "ppocr"}
    assert (back.width, back.height, back.source, back.target) == (6, 4, "ja", "en")


def test_errors_keep_their_class() -> None:
    assert isinstance(serialize.load_error("bad_image", "nope", False), BadImage)
    failed = serialize.load_error("translator_failed", "503", True)
    assert isinstance(failed, TranslatorFailed) and failed.retryable
    unknown = serialize.load_error("no_such_code", "?", False)
    assert isinstance(unknown, InternalError) and unknown.message == "?"

"""`itp eval` end to end on generated pages, with the real pipeline (deterministic
translator, OpenCV inpainting)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from backend.cli import main
from backend.cmd_eval import eval_settings
from tests.drawing import encode, text_page
from workers.config import Settings, TranslatorSettings


@pytest.fixture
def images(tmp_path: Path) -> Path:
    folder = tmp_path / "images"
    folder.mkdir()
    (folder / "one.png").write_bytes(encode(text_page(
        [("HELLO THERE", (40, 60)), ("GOOD MORNING", (40, 110))], size=(480, 320))))
    (folder / "two.png").write_bytes(encode(text_page([("WAIT FOR ME", (60, 80))],
                                                      size=(420, 240))))
    (folder / "broken.png").write_bytes(b"<html>not an image</html>")
    return folder


def test_eval_writes_json_and_sheet_and_compares(
        images: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ITP_CONFIG", str(tmp_path / "no-config.toml"))
    previous = tmp_path / "previous.json"
    previous.write_text(json.dumps({"totals": {"failed": 0, "removal": {"share": 1.5}},
                                    "images": []}), encoding="utf-8")
    out = tmp_path / "out"
    rc = main(["eval", "--images", str(images), "--out", str(out), "--no-progress",
               "--inpainter", "opencv", "--threads", "1", "--compare", str(previous)])
    assert rc == 1  # broken.png failed; the others are still evaluated
    report = json.loads((out / "eval.json").read_text(encoding="utf-8"))
    assert report["settings"]["job"]["translator"]["name"] == "deterministic"
    assert report["inpainter"] == "opencv"
    assert "api_key" not in report["settings"]["job"]["translator"]
    assert "api_key" not in report["settings"]["machine"]["credentials"]
    pages = {p["name"]: p for p in report["images"]}
    assert set(pages) == {"one.png", "two.png", "broken.png"}
    assert pages["broken.png"]["error"].startswith("bad_image")
    one = pages["one.png"]
    assert one["blocks"] and one["layout_mismatch"] == 0
    assert one["removal"]["share"] == 1.0
    assert one["placement"]["rendered"] == len(one["blocks"])
    assert (out / one["output"]).is_file()
    assert report["totals"]["images"] == 3 and report["totals"]["failed"] == 1
    assert "ocr" in report["totals"]["timings"]
    html = (out / "index.html").read_text(encoding="utf-8")
    assert all(name in html for name in pages)
    printed = capsys.readouterr().out
    assert "removal" in printed and "worse" in printed and "removal.share" in printed


def test_missing_samples_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ITP_CONFIG", str(tmp_path / "no-config.toml"))
    rc = main(["eval", "--images", str(tmp_path / "nowhere"), "--out", str(tmp_path / "o")])
    assert rc == 2 and "no samples at" in capsys.readouterr().err


def test_translator_defaults_to_deterministic_unless_named() -> None:
    base = Settings.build(download=False,
                          translator=TranslatorSettings(name="openai", url="http://x"))
    chosen = eval_settings(argparse.Namespace(translator=None), base)
    assert chosen.job.translator == TranslatorSettings(name="deterministic", latency_s=0.0)
    named = eval_settings(argparse.Namespace(translator="openai"), base)
    assert named.job.translator.name == "openai"

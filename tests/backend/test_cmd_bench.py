"""`itp bench`: workloads, the JSON it prints, and that the naive baseline runs beside ours.
Images are drawn here; no figure is asserted (timings belong to benchmarks)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from backend.bench.report import median_run, table
from backend.bench.workload import WORKLOADS, parse_names, slice_strip, workload_images
from backend.cli import main
from backend.cmd_bench import random_lama
from tests.drawing import text_page
from tests.workers.ocr.hangul import cjk_font
from workers.config import MachineSettings

HEADLINE = ("images", "wall_s", "s_per_image", "first_result_s", "peak_rss_mb", "stages")


def strip(lines: list[str], lang: str = "en", width: int = 480, height: int = 1800) -> Image.Image:
    """A tall strip with a few lines of dialogue spread down it."""
    step = height // (len(lines) + 1)
    if lang == "en" or cjk_font(lang, 40) is None:
        page = text_page([(t, (40, step * (i + 1))) for i, t in enumerate(lines)],
                         size=(width, height), font_size=40)
        return Image.fromarray(page)
    img = Image.new("RGB", (width, height), (255, 255, 255))
    from PIL import ImageDraw

    draw = ImageDraw.Draw(img)
    for i, text in enumerate(lines):
        draw.text((40, step * (i + 1)), text, fill=(0, 0, 0), font=cjk_font(lang, 40))
    return img


@pytest.fixture
def samples(tmp_path: Path) -> Path:
    """A samples folder holding drawn stand-ins under the workloads' file names."""
    folder = tmp_path / "samples"
    folder.mkdir()
    strip(["WHERE ARE WE", "NOT HERE", "LOOK OUT"], height=23 * 160).save(
        folder / WORKLOADS["en-webtoon"].strip, "JPEG", quality=92)
    strip(["어디 가?", "학교에 가요"], "ko").save(folder / WORKLOADS["ko-webtoon"].strip, "JPEG",
                                          quality=92)
    for name in WORKLOADS["manga"].pages:
        page = text_page([("HELLO", (30, 40))], size=(320, 448))
        Image.fromarray(page).save(folder / name)
    return folder


def test_workload_names_in_order_without_repeats() -> None:
    assert parse_names(None) == ["en-webtoon"]
    assert parse_names(["manga,ko-webtoon", "manga", "en-webtoon"]) == [
        "manga", "ko-webtoon", "en-webtoon"]
    with pytest.raises(SystemExit, match="unknown workload"):
        parse_names(["webtoon"])


def test_a_strip_is_cut_into_equal_slices(tmp_path: Path) -> None:
    path = tmp_path / "s.png"
    Image.fromarray(np.full((1000, 200, 3), 255, np.uint8)).save(path)
    slices = slice_strip(path, 3)
    sizes = [Image.open(io.BytesIO(data)).size for _, data in slices]
    assert [name for name, _ in slices] == ["slice00", "slice01", "slice02"]
    assert sizes == [(200, 333), (200, 333), (200, 334)]


def test_workloads_read_their_samples(samples: Path) -> None:
    assert len(workload_images("ko-webtoon", samples)) == WORKLOADS["ko-webtoon"].slices
    assert len(workload_images("en-webtoon", samples, 4)) == 4
    pages = workload_images("manga", samples, 2)
    assert [name for name, _ in pages] == [Path(p).stem for p in WORKLOADS["manga"].pages[:2]]
    with pytest.raises(SystemExit, match="missing"):
        workload_images("manga", samples.parent)


def test_lama_runs_with_random_weights_only_where_none_are_here(tmp_path: Path) -> None:
    empty = MachineSettings(cache_dir=tmp_path)
    assert random_lama(empty, asked=False)
    assert random_lama(empty.with_(inpainter="lama"), asked=False)
    assert not random_lama(empty.with_(inpainter="opencv"), asked=False)
    assert not random_lama(empty.with_(lama_weights=tmp_path / "big-lama.ckpt"), asked=False)
    assert random_lama(empty.with_(inpainter="opencv"), asked=True)


def test_medians_and_the_table() -> None:
    runs = [{"wall_s": w, "s_per_image": w / 2, "first_result_s": 1.0, "peak_rss_mb": 100.0 + w,
             "cpu_s": w, "images": 2, "stages": {"ocr": w}, "utilisation": {"ocr": 1.0},
             "errors": []} for w in (3.0, 1.0, 2.0)]
    result = median_run(runs)
    assert result["wall_s"] == 2.0
    assert result["stages"] == {"ocr": 2.0}
    assert result["peak_rss_mb"] == 102.0
    assert len(result["runs"]) == 3
    assert "busy ocr" in table({**result, "workload": "en-webtoon"})


def test_json_has_one_object_per_workload_with_the_baseline(
        samples: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["bench", "--workload", "en-webtoon,ko-webtoon", "--samples", str(samples),
                 "--n", "2", "--json", "--inpainter", "opencv", "--latency", "0",
                 "--offline"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert list(out) == ["en-webtoon", "ko-webtoon"]
    for name, result in out.items():
        assert result["workload"] == name
        assert all(key in result for key in (*HEADLINE, "baseline", "speedup"))
        assert result["images"] == 2
        assert result["errors"] == []
        assert {"ocr", "process", "render"} <= set(result["stages"])
        base = result["baseline"]
        assert base["mode"] == "naive"
        assert base["images"] == 2
        assert all(key in base for key in HEADLINE)
        assert base["wall_s"] > 0
        assert result["speedup"] > 0
        assert result["peak_rss_mb"] > 0


def test_the_page_order_can_be_switched_off_to_measure_what_it_buys(
        samples: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["bench", "--workload", "en-webtoon", "--samples", str(samples), "--n", "2",
            "--json", "--inpainter", "opencv", "--latency", "0", "--offline", "--no-baseline"]
    assert main(args) == 0
    ordered = json.loads(capsys.readouterr().out)["en-webtoon"]
    assert main([*args, "--no-page-order"]) == 0
    unordered = json.loads(capsys.readouterr().out)["en-webtoon"]
    assert (ordered["page_order"], unordered["page_order"]) == (True, False)
    assert ordered["images"] == unordered["images"] == 2
    assert ordered["errors"] == unordered["errors"] == []


def test_the_measured_child_gets_the_machine_settings_asked_for(tmp_path: Path) -> None:
    """Every machine setting the command line gives reaches the child process that measures:
    a `--font` or `--precision` dropped on the way would measure another configuration."""
    import argparse

    from backend.bench.child import settings_from
    from backend.cmd_bench import base_spec
    from workers.config import JobSettings, Settings, TranslatorSettings

    font = tmp_path / "Face.ttf"
    machine = MachineSettings(
        inpainter="patchmatch", analyser="classical", korean="tesseract", font=font,
        device="cuda:1", precision="fp16", lama_random_weights=True, lama_runtime="torch",
        det_runtime="onnx", cache_dir=tmp_path, download=False, threads=3, ocr_engines=2)
    args = argparse.Namespace(images=None, n=None, latency=0.1, samples=None,
                              lama_random_weights=True, no_page_order=False)
    spec = json.loads(json.dumps(base_spec(args, Settings(JobSettings(), machine))))
    assert settings_from({**spec, "latency_s": 0.1}).machine == machine
    # A translator key of this machine is not written into the child's spec.
    keyed = machine.with_(credentials=TranslatorSettings(name="deepl", api_key="s3cret"))
    assert "s3cret" not in json.dumps(base_spec(args, Settings(JobSettings(), keyed)))

"""The broken-file corpus through `itp translate` (the real command, in a subprocess) and the
decoder under hypothesis: every file ends in a written result of the right size or one coded
line on stderr; never a traceback, a hang, a `.part` file or anything left in the temp dir."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from backend.server.intake import inspect
from tests.hardening.corpus import OK, Case, corpus, mutants, valid_cases
from tests.hardening.support import (
    CONTENT_TYPES,
    check_outcomes,
    expected_size,
    image_host,
)
from workers.config import Limits
from workers.errors import BadImage, TooLarge
from workers.imageio import decode_image

# Pillow warns about the corrupt files it is fed, which is the point.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")
ROOT = Path(__file__).resolve().parents[2]
# Only stops a hung run; the corpus takes well under a minute.
CLI_TIMEOUT_S = 300.0
FAST_MUTANTS = 40
SLOW_MUTANTS = 400


def cli_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    (tmp / "tmp").mkdir(exist_ok=True)
    env.update({"TMPDIR": str(tmp / "tmp"), "ITP_TRANSLATOR_LATENCY": "0",
                "ITP_CONFIG": str(tmp / "no-config.toml"), "PYTHONPATH": str(ROOT)})
    return env


async def run_translate(tmp: Path, inputs: list[str], out: Path) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "backend.cli", "translate", *inputs, "-o", str(out),
        "--translator", "deterministic", "--inpainter", "opencv", "--no-progress",
        cwd=ROOT, env=cli_env(tmp), stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)
    try:
        async with asyncio.timeout(CLI_TIMEOUT_S):
            _, err = await proc.communicate()
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise AssertionError("itp translate hung") from None
    assert proc.returncode is not None
    return proc.returncode, err.decode("utf-8", "replace")


def temp_leftovers(tmp: Path) -> list[str]:
    # ONNX Runtime keeps one fixed-name session id file (.ses) in TMPDIR; it is not per image.
    return sorted(p.name for p in (tmp / "tmp").iterdir() if p.name != ".ses")


def failure_codes(stderr: str, prefix: str) -> dict[str, str]:
    """`SOURCE: code: message` lines -> {source: code}."""
    found = {}
    for line in stderr.splitlines():
        if line.startswith(prefix):
            source, _, rest = line.partition(": ")
            found[source] = rest.split(":", 1)[0]
    return found


def stray_traceback(stderr: str) -> bool:
    """Any traceback at all, or a run that did not reach its summary line."""
    lines = stderr.rstrip().splitlines()
    return "Traceback" in stderr or not lines or " images written to " not in lines[-1]


def check_written(out: Path, stem: str, case: Case) -> str | None:
    """Why the written result of `case` is wrong, or None."""
    images = [p for p in out.glob(f"{stem}.*") if p.suffix != ".json"]
    sidecar = out / f"{stem}.json"
    if len(images) != 1 or not sidecar.is_file():
        return f"{case.name}: outputs {sorted(p.name for p in out.glob(stem + '.*'))}"
    with Image.open(images[0]) as img:
        size = img.size
    meta = json.loads(sidecar.read_text(encoding="utf-8"))
    want = expected_size(case)
    if size != want or (meta["width"], meta["height"]) != want:
        return f"{case.name}: result {size}, sidecar {meta['width']}x{meta['height']}, " \
            f"expected {want}"
    return None


async def translate_cases(tmp: Path, cases: list[Case]) -> list[str]:
    """Runs the cases as files through `itp translate`; the problems found."""
    src, out = tmp / "in", tmp / "out"
    src.mkdir()
    stems = {}
    for i, case in enumerate(cases):
        stem = f"{i:04d}_{case.name}"
        (src / f"{stem}{case.suffix}").write_bytes(case.data)
        stems[stem] = case
    code, stderr = await run_translate(tmp, [str(src)], out)
    problems = [f"traceback on stderr:\n{stderr}"] if stray_traceback(stderr) else []
    failed = {Path(k).stem: v for k, v in failure_codes(stderr, str(src)).items()}
    outcomes = {}
    for stem, case in stems.items():
        outcomes[case.name] = failed.get(stem, OK)
        if stem not in failed:
            problem = check_written(out, stem, case)
            if problem is not None:
                problems.append(problem)
    problems += check_outcomes(outcomes, {c.name: c for c in stems.values()})
    if code != (1 if failed else 0):
        problems.append(f"exit code {code} with {len(failed)} failures")
    leftovers = [p.name for p in out.iterdir() if p.name.startswith(".")]
    leftovers += temp_leftovers(tmp)
    if leftovers:
        problems.append(f"left behind: {leftovers}")
    return problems


async def test_corpus_through_itp_translate(tmp_path: Path) -> None:
    cases = [*corpus(), *mutants(1, FAST_MUTANTS)]
    assert await translate_cases(tmp_path, cases) == []


@pytest.mark.slow
async def test_many_mutants_through_itp_translate(tmp_path: Path) -> None:
    assert await translate_cases(tmp_path, mutants(2, SLOW_MUTANTS)) == []


async def test_url_inputs_with_hostile_answers(tmp_path: Path) -> None:
    """The image host lies about types, sends HTML and compression bombs: each URL ends in a
    result or its coded line."""
    picked = {c.name: c for c in corpus()
              if c.name in ("png_rgb", "jpeg_cmyk", "svg", "html", "zero_bytes",
                            "png_bomb_real", "gif_animated_cut816")}
    async with image_host(picked.values()) as host:
        urls = {}
        for i, name in enumerate(picked):
            kind = CONTENT_TYPES[i % len(CONTENT_TYPES)]
            urls[f"{host.url(f'/c/{name}')}?type={kind}"] = picked[name].allowed
        urls[host.url("/c/png_rgb?gzip=1")] = frozenset({OK})
        urls[host.url("/bomb/gzip")] = frozenset({"too_large"})
        urls[host.url("/bomb/gzip2")] = frozenset({"too_large"})
        urls[host.url("/bomb/deflate")] = frozenset({"too_large"})
        urls[host.url("/bomb/broken")] = frozenset({"fetch_failed"})
        urls[host.url("/c/missing")] = frozenset({"fetch_failed"})
        code, stderr = await run_translate(tmp_path, list(urls), tmp_path / "out")
    failed = failure_codes(stderr, host.base)
    wrong = {url: failed.get(url, OK) for url, allowed in urls.items()
             if failed.get(url, OK) not in allowed}
    assert wrong == {} and not stray_traceback(stderr), stderr
    assert code == 1
    assert temp_leftovers(tmp_path) == []


# -- the decoder and the server's header check, under hypothesis ---------------------------

LIMITS = Limits()
edits = st.lists(st.tuples(st.sampled_from(["flip", "cut", "insert"]),
                           st.integers(0, 1 << 16), st.binary(min_size=1, max_size=8)),
                 min_size=1, max_size=4)


def apply(data: bytes, changes: list[tuple[str, int, bytes]]) -> bytes:
    out = bytearray(data)
    for kind, at, payload in changes:
        where = at % (len(out) + 1)
        if kind == "flip" and out:
            out[where % len(out)] = payload[0]
        elif kind == "cut":
            del out[where:]
        else:
            out[where:where] = payload
    return bytes(out)


def check_decoder(data: bytes) -> None:
    """The decoder either refuses with a code or returns an RGB page; the header check
    agrees with it."""
    try:
        image = decode_image(data, LIMITS)
    except (BadImage, TooLarge):
        image = None
    try:
        header = inspect(data, LIMITS, "fingerprint")
    except (BadImage, TooLarge):
        header = None
    if image is None:
        return
    assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3
    assert header is not None, "decoded, yet refused by the header check"
    assert {image.shape[1], image.shape[0]} == {header.width, header.height}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(base=st.sampled_from(valid_cases()), changes=edits)
def test_decoder_on_mutated_pages(base: Case, changes: list[tuple[str, int, bytes]]) -> None:
    check_decoder(apply(base.data, changes))


@settings(max_examples=200, deadline=None)
@given(magic=st.sampled_from([b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF89a", b"BM",
                              b"II*\x00", b"MM\x00*", b"RIFF\x00\x00\x00\x00WEBP", b""]),
       tail=st.binary(max_size=512))
def test_decoder_on_magic_plus_noise(magic: bytes, tail: bytes) -> None:
    check_decoder(magic + tail)


@pytest.mark.slow
@settings(max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(base=st.sampled_from(valid_cases()), changes=edits)
def test_decoder_on_many_mutated_pages(base: Case,
                                       changes: list[tuple[str, int, bytes]]) -> None:
    check_decoder(apply(base.data, changes))

"""`itp translate` end to end in-process: files, folders, URLs, sidecars, bad inputs, exit
codes, and a LibreTranslate-compatible fake server as the translator."""

from __future__ import annotations

import argparse
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest
from PIL import Image

from backend.cmd_translate import run
from tests.drawing import encode, text_page
from workers.config import Limits, Settings, TranslatorSettings


class _Handler(BaseHTTPRequestHandler):
    requests: ClassVar[list[dict[str, Any]]] = []
    files: ClassVar[dict[str, bytes]] = {}

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append(body)
        out = json.dumps({"translatedText": [f"GREEN PAPER {i}" for i, _ in
                                             enumerate(body["q"])]}).encode()
        self._send(200, out, "application/json")

    def do_GET(self) -> None:
        data = type(self).files.get(self.path)
        if data is None:
            self._send(404, b"missing", "text/plain")
        else:
            self._send(200, data, "image/png")

    def _send(self, status: int, data: bytes, ctype: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    _Handler.requests = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def page(text: str, size: tuple[int, int] = (480, 320)) -> Image.Image:
    return Image.fromarray(text_page([(text, (40, 60))], size=size))


def save(img: Image.Image, path: Path, fmt: str, **kw: Any) -> Path:
    img.save(path, fmt, **kw)
    return path


def args(inputs: list[str], out: Path) -> argparse.Namespace:
    return argparse.Namespace(inputs=inputs, out=out, no_progress=True)


def test_files_folders_and_urls_with_libretranslate(tmp_path: Path, server: str) -> None:
    src = tmp_path / "in"
    (src / "chapter").mkdir(parents=True)
    save(page("HELLO THERE"), src / "chapter" / "p2.png", "PNG")
    save(page("GOOD MORNING"), src / "chapter" / "p10.jpg", "JPEG", quality=95)
    single = save(page("SEE YOU", (300, 900)), src / "single.webp", "WEBP", quality=95)
    _Handler.files["/remote/page.png"] = encode(np.asarray(page("FROM THE WEB")))
    settings = Settings.build(download=False, target="fr", inpainter="opencv", threads=1,
                        translator=TranslatorSettings(name="libretranslate", url=server))
    out = tmp_path / "out"
    code = run(args([str(src / "chapter"), str(single), f"{server}/remote/page.png"], out),
               settings)
    assert code == 0
    for stem, ext, size in (("p2", ".png", (480, 320)), ("p10", ".jpg", (480, 320)),
                            ("single", ".webp", (300, 900)), ("page", ".png", (480, 320))):
        with Image.open(out / f"{stem}{ext}") as img:
            assert img.size == size
        meta = json.loads((out / f"{stem}.json").read_text())
        assert meta["width"] == size[0] and meta["height"] == size[1]
        assert meta["source"] == "en" and meta["target"] == "fr"
        block = meta["blocks"][0]
        assert block["translation"].startswith("GREEN PAPER")
        assert len(block["bbox"]) == 4 and block["font_size"] > 0 and block["erase"] == "fill"
        assert {"ocr", "translate", "render"} <= set(meta["timings"])
    # One request per page, with every block of the page.
    assert len(_Handler.requests) == 4
    assert all(r["format"] == "text" and isinstance(r["q"], list) for r in _Handler.requests)


def test_bad_inputs_fail_alone_with_one_line_each(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    d = tmp_path / "in"
    d.mkdir()
    good = save(page("HELLO THERE"), d / "good.png", "PNG")
    (d / "empty.png").write_bytes(b"")
    (d / "html.jpg").write_bytes(b"<html>not an image</html>")
    data = encode(np.asarray(page("TRUNCATED")))
    (d / "cut.png").write_bytes(data[: len(data) // 2])
    save(Image.new("CMYK", (200, 100), (0, 0, 0, 0)), d / "cmyk.jpg", "JPEG")
    Image.fromarray(np.full((100, 200), 50000, np.uint16)).save(d / "deep.png")
    save(Image.new("L", (200, 100), 200), d / "gray.png", "PNG")
    save(Image.new("RGBA", (200, 100), (0, 0, 0, 0)), d / "alpha.png", "PNG")
    frames = [page("FRAME ONE"), page("FRAME TWO")]
    frames[0].save(d / "anim.gif", save_all=True, append_images=frames[1:])
    save(Image.new("RGB", (600, 400)), d / "huge.png", "PNG")
    settings = Settings.build(download=False,
                              translator=TranslatorSettings(name="deterministic", latency_s=0.0),
                        inpainter="opencv", threads=1,
                        limits=Limits(max_pixels=200_000))
    out = tmp_path / "out"
    code = run(args([str(d), str(tmp_path / "missing.png")], out), settings)
    assert code == 1
    err = capsys.readouterr().err
    failed = {line.split(": ")[0].rsplit("/", 1)[-1]: line for line in err.splitlines()
              if ": " in line and not line.startswith(" ")}
    assert "bad_image" in failed["empty.png"] and "bad_image" in failed["html.jpg"]
    assert "bad_image" in failed["cut.png"] and "too_large" in failed["huge.png"]
    assert "missing.png" in failed
    for name in ("good.png", "cmyk.jpg", "deep.png", "gray.png", "alpha.png", "anim.gif"):
        stem = Path(name).stem
        assert (out / f"{stem}.json").is_file(), (name, err)
    assert (out / "good.png").is_file()
    assert not list(out.glob(".*.part")), "no temp files left"
    assert good.read_bytes() == (d / "good.png").read_bytes()


def test_no_translator_names_the_setting(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    path = save(page("HELLO"), tmp_path / "p.png", "PNG")
    code = run(args([str(path)], tmp_path / "out"), Settings.build(download=False,
                                                                   inpainter="opencv"))
    assert code == 2
    assert "--translator" in capsys.readouterr().err


def test_erase_only_writes_clean_pages(tmp_path: Path) -> None:
    path = save(page("ERASE ME"), tmp_path / "p.png", "PNG")
    settings = Settings.build(download=False,
                              translator=TranslatorSettings(name="none"), inpainter="opencv",
                        threads=1)
    assert run(args([str(path)], tmp_path / "out"), settings) == 0
    with Image.open(tmp_path / "out" / "p.png") as img:
        assert np.asarray(img.convert("L")).min() > 200

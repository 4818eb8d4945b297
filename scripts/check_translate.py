"""End-to-end check of `itp translate` on real pages, read back by OCR.

Starts a LibreTranslate-compatible fake on 127.0.0.1 (it answers English words chosen by a
hash of each text), runs `./itp translate` on six sample pages in four scripts (two tall
strips among them), then OCRs input and output and reports per page:

- removed: share of the source characters that OCR no longer reads in place;
- found:   share of the translation's words that OCR reads back;
- inside:  share of the translation lines OCR reads that lie inside their block's box.

The measures are `itp eval`'s (backend/evaluate); this script adds a translator reached over
HTTP, so the whole `itp translate` command line is exercised.

Usage: .venv/bin/python scripts/check_translate.py [--out DIR] [PAGE...]
Exit status 1 when removed < 0.90 or found < 0.5 overall.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from backend.evaluate.page import kept_indices
from backend.evaluate.placement import placement
from backend.evaluate.removal import removal
from workers.config import MachineSettings
from workers.ocr.registry import load_reader
from workers.process.classical import ClassicalAnalyser
from workers.types import PageText, RenderedBlock

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT.parent / "shared" / "samples" / "images"
PAGES = [
    "en_page_basiccat_alzward_comic.webp",
    "en_strip_handjumper_ep001_p023.jpg",
    "ja_page_openmantra_balloon_dream_009.jpg",
    "ja_page_mokuro_nyan_000b.jpg",
    "zh_strip_basiccat_SQ.webp",
    "zh_panel_basiccat_adog_1.jpg",
]
VOCAB = ("MOON", "RIVER", "STONE", "LIGHT", "HOUSE", "GREEN", "PAPER", "SMILE", "NIGHT",
         "WATER", "BREAD", "CLOUD", "TIGER", "SUGAR", "OCEAN", "PLANT", "MUSIC", "HEART")


def fake_translation(text: str) -> str:
    digest = hashlib.sha256(text.encode()).digest()
    units = sum(2 if ord(c) > 0x2E80 else 1 for c in text if not c.isspace())
    count = max(1, min(12, units // 6))
    return " ".join(VOCAB[b % len(VOCAB)] for b in digest[:count])


class FakeLibreTranslate(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        q = body["q"]
        out: Any = [fake_translation(t) for t in q] if isinstance(q, list) else \
            fake_translation(q)
        data = json.dumps({"translatedText": out}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def sidecar_blocks(meta: dict[str, Any]) -> list[RenderedBlock]:
    """The sidecar's blocks as the pipeline reported them (index = reading order)."""
    return [RenderedBlock(i, tuple(b["bbox"]), b["direction"], b["source_text"],
                          b["translation"], b["font_size"], tuple(b["fg"]), b["erase"],
                          tuple(b["outline"]) if b.get("outline") else None,
                          bool(b.get("overflow")))
            for i, b in enumerate(meta["blocks"])]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=ROOT / "out" / "check")
    ap.add_argument("pages", nargs="*")
    args = ap.parse_args()
    pages = [Path(p) for p in args.pages] or [SAMPLES / p for p in PAGES]
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeLibreTranslate)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    cmd = [str(ROOT / "itp"), "translate", *map(str, pages), "-o", str(args.out),
           "--source", "auto", "--target", "en", "--translator", "libretranslate",
           "--translator-url", url]
    print("$", " ".join(cmd), flush=True)
    rc = subprocess.run(cmd, check=False).returncode
    server.shutdown()
    engine = load_reader(MachineSettings(), threads=1)
    removals: list[float] = []
    words_all = found_all_n = inside_all_n = lines_all = 0
    print(f"\n{'page':<44}{'size':>12}{'blocks':>7}{'removed':>9}{'found':>7}{'inside':>7}")
    for page in pages:
        out_img = next(args.out.glob(f"{page.stem}.*[!n]"), None)
        meta_path = args.out / f"{page.stem}.json"
        if out_img is None or not meta_path.is_file():
            print(f"{page.name:<44} MISSING OUTPUT")
            removals.append(0.0)
            continue
        src = np.asarray(Image.open(page).convert("RGB"))
        dst = np.asarray(Image.open(out_img).convert("RGB"))
        assert src.shape == dst.shape, f"{page.name}: size changed {src.shape} -> {dst.shape}"
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        before, after = engine.read(src).lines, engine.read(dst).lines
        layout = ClassicalAnalyser().analyse(src, PageText(before), meta["source"])
        blocks = sidecar_blocks(meta)
        removed = removal(layout.blocks, kept_indices(blocks), after, blocks).share
        heights = {b.index: b.line_height for b in layout.blocks}
        placed = placement(dst, blocks, after, heights)
        words, found = placed.words, placed.found
        inside, lines = placed.inside, placed.lines
        if removed is not None:
            removals.append(removed)
        words_all += words
        found_all_n += found
        inside_all_n += inside
        lines_all += lines
        size = f"{src.shape[1]}x{src.shape[0]}"
        shown = "kept" if removed is None else f"{removed:.2f}"
        print(f"{page.name:<44}{size:>12}{len(meta['blocks']):>7}{shown:>9}"
              f"{found / max(words, 1):>7.2f}{inside / max(lines, 1):>7.2f}")
    removed_all = float(np.mean(removals)) if removals else 0.0
    found_all = found_all_n / max(words_all, 1)
    inside_all = inside_all_n / max(lines_all, 1)
    print(f"{'ALL':<63}{removed_all:>9.2f}{found_all:>7.2f}{inside_all:>7.2f}")
    ok = rc == 0 and removed_all >= 0.90 and found_all >= 0.5
    print("OK" if ok else "BELOW TARGET (removed >= 0.90, found >= 0.50, exit 0)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""End-to-end check of `itp translate` on real pages, read back by OCR.

Starts a LibreTranslate-compatible fake on 127.0.0.1 (it answers English words chosen by a
hash of each text), runs `./itp translate` on six sample pages in four scripts (two tall
strips among them), then OCRs input and output and reports per page:

- removed: share of the source characters that OCR no longer reads in place;
- found:   share of the translation's words that OCR reads back;
- inside:  share of those words read inside the block box they were fitted into.

Usage: .venv/bin/python scripts/check_translate.py [--out DIR] [PAGE...]
Exit status 1 when removed < 0.90 or found < 0.5 overall.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import json
import re
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from workers.ocr.engine import OcrEngine
from workers.types import TextLine

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


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    iw = min(a[2], b[2]) - max(a[0], b[0])
    ih = min(a[3], b[3]) - max(a[1], b[1])
    if iw <= 0 or ih <= 0:
        return 0.0
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return iw * ih / max(smaller, 1)


def _norm(text: str) -> str:
    return re.sub(r"\W+", "", text).upper()


def removed_share(before: list[TextLine], after: list[TextLine],
                  meta: dict[str, Any]) -> float | None:
    """None when every block kept its text (a page already in the target language: the
    pipeline leaves the artist's lettering in place)."""
    unchanged = [tuple(b["bbox"]) for b in meta["blocks"]
                 if b["translation"] and b["translation"] == b["source_text"]]
    total = kept = 0
    for line in before:
        src = _norm(line.text)
        if not src or any(_overlap(line.bbox, box) > 0.5 for box in unchanged):
            continue
        near = "".join(_norm(a.text) for a in after if _overlap(line.bbox, a.bbox) > 0.3)
        total += len(src)
        if near and difflib.SequenceMatcher(None, src, near).ratio() >= 0.5:
            kept += len(src)
    return 1.0 - kept / total if total else None


def words_found(meta: dict[str, Any], after: list[TextLine]) -> tuple[int, int, int]:
    """(translation words, words read back anywhere, read back inside their block box)."""
    words = found = inside = 0
    for block in meta["blocks"]:
        if not block["translation"]:
            continue
        box = tuple(block["bbox"])
        pad = 8
        padded = (box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad)
        if block["translation"] == block["source_text"]:
            continue
        for word in set(re.findall(r"[A-Za-z]{3,}", block["translation"])):
            words += 1
            hits = [a for a in after if word.upper() in _norm(a.text)]
            if hits:
                found += 1
                if any(_overlap(padded, h.bbox) > 0.8 for h in hits):
                    inside += 1
    return words, found, inside


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
    engine = OcrEngine()
    removals: list[float] = []
    words_all = found_all_n = inside_all_n = 0
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
        before, after = engine.read(src), engine.read(dst)
        removed = removed_share(before, after, meta)
        words, found, inside = words_found(meta, after)
        if removed is not None:
            removals.append(removed)
        words_all += words
        found_all_n += found
        inside_all_n += inside
        size = f"{src.shape[1]}x{src.shape[0]}"
        shown = "kept" if removed is None else f"{removed:.2f}"
        print(f"{page.name:<44}{size:>12}{len(meta['blocks']):>7}{shown:>9}"
              f"{found / max(words, 1):>7.2f}{inside / max(found, 1):>7.2f}")
    removed_all = float(np.mean(removals)) if removals else 0.0
    found_all = found_all_n / max(words_all, 1)
    inside_all = inside_all_n / max(found_all_n, 1)
    print(f"{'ALL':<63}{removed_all:>9.2f}{found_all:>7.2f}{inside_all:>7.2f}")
    ok = rc == 0 and removed_all >= 0.90 and found_all >= 0.5
    print("OK" if ok else "BELOW TARGET (removed >= 0.90, found >= 0.50, exit 0)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

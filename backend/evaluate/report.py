"""`eval.json` and the console summary."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from backend.evaluate.machine import machine_info, settings_info
from backend.evaluate.page import PageRecord
from backend.evaluate.totals import totals
from workers.config import Settings

VERSION = 1


def build_report(records: Sequence[PageRecord], settings: Settings, samples: Path,
                 repo: Path, wall_s: float, inpainter: str) -> dict[str, Any]:
    return {
        "version": VERSION,
        "samples": str(samples),
        "wall_s": wall_s,
        "machine": machine_info(repo),
        "settings": settings_info(settings),
        "inpainter": inpainter,
        "totals": totals(records),
        "images": [dataclasses.asdict(r) for r in records],
    }


def _f(value: Any, digits: int = 2) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def summary(report: dict[str, Any]) -> str:
    t = report["totals"]
    out = [f"{'image':<44}{'blk':>4}{'cer':>6}{'P':>6}{'R':>6}{'rem':>6}{'in':>6}{'found':>6}"
           f"{'ovf':>4}{'font':>6}{'cmin':>6}{'s':>6}"]
    for page in report["images"]:
        if page["error"]:
            out.append(f"{page['name'][:43]:<44}FAILED {page['error']}")
            continue
        ocr, det = page["ocr"] or {}, page["detection"] or {}
        rem, pl = page["removal"] or {}, page["placement"] or {}
        removed = _f(rem.get("share")) if rem.get("share") is not None else (
            "kept" if rem.get("kept_blocks") else "-")
        out.append(
            f"{page['name'][:43]:<44}{len(page['blocks']):>4}{_f(ocr.get('cer')):>6}"
            f"{_f(det.get('precision')):>6}{_f(det.get('recall')):>6}{removed:>6}"
            f"{_f(pl.get('share')):>6}{_f(pl.get('found_share')):>6}"
            f"{_f(pl.get('overflow')):>4}{_f(pl.get('font_ratio_median')):>6}"
            f"{_f(pl.get('contrast_min'), 1):>6}{sum(page['timings'].values()):>6.1f}")
    out.append("")
    out.append(f"images {t['images']} (failed {t['failed']}), blocks {t['blocks']}, "
               f"source language right {_f(t['source_detected'])}")
    for kind, v in t["ocr"].items():
        out.append(f"OCR  {kind:<24} CER {_f(v['cer'], 3)} over {v['regions']} regions "
                   f"({v['chars']} chars, {v['images']} images), exact {_f(v['exact'])}")
    for kind, v in t["detection"].items():
        out.append(f"DET  {kind:<24} P {_f(v['precision'])} R {_f(v['recall'])} at IoU 0.5, "
                   f"P {_f(v['precision_contain'])} R {_f(v['recall_contain'])} contained "
                   f"({v['found']} found, {v['annotated']} annotated)")
    r = t["removal"]
    out.append(f"removal: {_f(r['share'], 4)} of {r['chars']} source chars gone "
               f"({r['still_read_lines']} of {r['lines']} lines still read; "
               f"{r['kept_blocks']} blocks kept)")
    p = t["placement"]
    out.append(f"placement: inside {_f(p['share'], 3)} of {p['lines']} lines read back, "
               f"words found {_f(p['found_share'], 3)}, overflow {p['overflow']} of "
               f"{p['rendered']} blocks, font/line median {_f(p['font_ratio_median'])} "
               f"(p10 {_f(p['font_ratio_p10'])}), contrast median "
               f"{_f(p['contrast_median'], 1)} min {_f(p['contrast_min'], 1)}, "
               f"low contrast {p['low_contrast']}")
    lt = t.get("lettering")
    if lt and lt["blocks"]:
        out.append(f"lettering: inside {_f(lt['inside_share'], 3)} of {lt['lines']} lines "
                   f"(worst {_f(lt['worst_out_px'], 1)} px out), mid-word breaks "
                   f"{lt['mid_word']}, hyphenated {lt['hyphenated']}, size spread median "
                   f"{_f(lt['spread_median'])} (max {_f(lt['spread_max'])}), smallest "
                   f"{_f(lt['floor_per_mille_min'], 1)}‰ of width, too small "
                   f"{lt['too_small']}, contrast min {_f(lt['contrast_min'], 1)}")
    ko = t.get("korean")
    if ko and ko["images"]:
        out.append(f"korean: hangul CER {_f(ko['cer'], 3)} over {ko['syllables']} syllables "
                   f"({ko['images']} images), removed {_f(ko['removed'], 3)} of the "
                   f"{ko['readable']} Tesseract reads in the input")
    er = t.get("erasing")
    if er and er["pages"]:
        out.append(f"erasing ({er['pages']} pages with boxes): found {_f(er['found'], 3)}, "
                   f"ink left {_f(er['ink_left'], 3)} (letters only "
                   f"{_f(er['letters_left'], 3)}), ghosts {_f(er['ghosts'], 3)} (letters "
                   f"only {_f(er['letter_ghosts'], 3)}), art lost "
                   f"{_f(er['art_lost'], 4)} (worst page {_f(er['art_lost_max'], 4)}), "
                   f"spill {_f(er['spill'], 2)}‰, CER {_f(er['cer'], 3)}")
    stages = ", ".join(f"{k} {v['mean']:.2f}" for k, v in t["timings"].items())
    out.append(f"seconds per image: {stages}; wall {report['wall_s']:.0f}s "
               f"(inpainter {report['inpainter']})")
    return "\n".join(out)

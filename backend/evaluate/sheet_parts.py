"""Pieces of the contact sheet: style, legend, number formatting, figure tables."""

from __future__ import annotations

from html import escape
from typing import Any

from backend.evaluate.page import PageRecord

STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:1em 2em;color:#222}
h2{margin-top:2em;border-top:1px solid #ccc;padding-top:.5em;font-size:1.1em}
.meta{color:#666;margin:.2em 0}
table{border-collapse:collapse;margin:.5em 0}
td,th{border:1px solid #ddd;padding:2px 6px;vertical-align:top;text-align:left}
th{background:#f4f4f4}
.row{display:flex;gap:12px;align-items:flex-start;flex-wrap:wrap}
figure{margin:0;text-align:center}
figure img{display:block;border:1px solid #ccc}
figcaption{color:#666;font-size:12px}
.facts{display:flex;gap:16px;align-items:flex-start;margin-top:8px}
.bad{color:#b00020}
.src{font-family:"Noto Sans CJK JP","Noto Sans CJK SC",sans-serif}
table.blocks td{max-width:420px}
.missing{width:120px;height:80px;border:1px dashed #aaa;color:#999}
"""

LEGEND = """
<details><summary>How to read this sheet</summary>
<p>Each image: the input, the output (click for the full-size file) and a third copy with the
blocks drawn on it. <span style="color:#e60000">Red</span>: where the pipeline found source
text, numbered in reading order (1 = first); <span style="color:#969696">grey</span>: blocks
whose lettering was kept because their translation equals the source;
<span style="color:#005aff">blue</span>: the box the translation was fitted into;
<span style="color:#00aa00">green</span>: the ground truth's regions, where there are any.</p>
<ul>
<li><b>cer</b>: character error rate of what the pipeline read against the ground truth
(edits per ground-truth character, after NFKC, case folding and removing spaces), with the
ground-truth kind: only <i>human_annotation</i> is truth; <i>model_expected_output</i> is
another OCR model's reading, errors included.</li>
<li><b>det</b>: blocks found / annotated, precision and recall at IoU ≥ 0.5; in brackets
by containment (one box ≥ 70 % inside the other, one to one), which forgives our boxes for
hugging the glyphs more tightly than an annotator's.</li>
<li><b>removed</b>: share of the source text's characters that OCR no longer reads in place in
the output (blocks kept on purpose are left out). 1.00 is clean.</li>
<li><b>inside</b>: share of the translation lines OCR reads in the output that lie inside the
box they were fitted into. <b>found</b>: share of the translation's words read back.</li>
<li><b>erasing</b> (erase-only runs, <code>--translator none</code>, pages with boxes): the
figures of EVAL.md. <b>found</b>: boxes with half their ink inside a block; <b>ink left</b>:
ink in the boxes not lightened by 60 (<i>letters</i>: counting only dark shapes that stay in
the boxes, not the outline or art a loose box takes in); <b>ghosts</b>: ink on flat boxes
left more than 24 off the background; <b>art lost</b>: ink outside the text areas lightened
by more than 80; <b>spill</b>: pixels changed by more than 48 outside the text areas, per
thousand. The <b>diff</b> view shows the output faded, with the pixels changed inside the
text areas in green and <span style="color:#e61414">outside them in red</span>.</li>
<li><b>overflow</b>: blocks whose translation did not fit at the smallest allowed size.</li>
<li><b>font</b>: rendered font size over the source line height (median).
<b>contrast</b>: WCAG contrast of the text colour against the background behind it (lowest
on the page; 21 is black on white, under 4.5 without an outline is flagged).</li>
</ul></details>
"""


def fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return escape(str(value))


def _bad(text: str, bad: bool) -> str:
    return f'<span class="bad">{text}</span>' if bad else text


def figure_values(r: PageRecord) -> dict[str, str]:
    """The per-image figures as short strings, problems marked."""
    values = {k: "–" for k in ("blocks", "cer", "det", "removed", "inside", "found",
                               "overflow", "font", "contrast", "time")}
    if r.error:
        return values
    values["blocks"] = str(len(r.blocks))
    if r.ocr is not None and r.ocr.cer is not None:
        values["cer"] = _bad(fmt(r.ocr.cer), r.ocr.cer > 0.3)
    if r.detection is not None:
        d = r.detection
        values["det"] = (f"{d.found}/{d.annotated} P {fmt(d.precision)} R {fmt(d.recall)}"
                         f" (contained {fmt(d.precision_contain)}/{fmt(d.recall_contain)})")
    rm = r.removal
    if rm is not None and rm.share is not None:
        values["removed"] = _bad(fmt(rm.share), rm.share < 0.9)
    elif rm is not None and rm.kept_blocks:
        values["removed"] = "kept"
    p = r.placement
    if p is not None:
        if p.share is not None:
            values["inside"] = _bad(fmt(p.share), p.share < 0.9)
        if p.found_share is not None:
            values["found"] = _bad(fmt(p.found_share), p.found_share < 0.5)
        values["overflow"] = _bad(str(p.overflow), p.overflow > 0)
        values["font"] = fmt(p.font_ratio_median)
        if p.contrast_min is not None:
            values["contrast"] = _bad(fmt(p.contrast_min, 1), p.low_contrast > 0)
    values["time"] = f"{sum(r.timings.values()):.1f}s"
    return values


def figures(r: PageRecord, row: bool = False) -> str:
    values = figure_values(r)
    if row:
        return "".join(f"<td>{v}</td>" for v in values.values())
    names = {"cer": f"cer ({r.truth_kind})" if r.truth_kind else "cer"}
    body = "".join(f"<tr><th>{escape(names.get(k, k))}</th><td>{v}</td></tr>"
                   for k, v in values.items())
    timings = " · ".join(f"{escape(k)} {v:.2f}s" for k, v in r.timings.items())
    body += f"<tr><th>stages</th><td>{timings or '–'}</td></tr>"
    if r.layout_mismatch:
        body += (f'<tr><th>layout</th><td class="bad">{r.layout_mismatch} block(s) differ '
                 "from the pipeline's</td></tr>")
    if r.erasing is not None:
        e = r.erasing.figures()
        art = e["art_lost"]
        body += ("<tr><th>erasing</th><td>"
                 f"found {_bad(fmt(e['found']), (e['found'] or 0) < 0.96)} · "
                 f"ink left {_bad(fmt(e['ink_left']), (e['ink_left'] or 0) > 0.05)} "
                 f"(letters {fmt(e['letters_left'])}) · "
                 f"ghosts {_bad(fmt(e['ghosts']), (e['ghosts'] or 0) > 0.03)} "
                 f"(letters {fmt(e['letter_ghosts'])}) · "
                 f"art lost {_bad(fmt(art, 4), art is not None and art > 0.005)} · "
                 f"spill {_bad(fmt(e['spill']), (e['spill'] or 0) > 0.4)}‰ · "
                 f"CER {fmt(e['cer'])}</td></tr>")
    if r.korean is not None:
        k = r.korean
        cer = _bad(fmt(k.cer), k.cer is not None and k.cer > 0.08)
        removed = _bad(fmt(k.removed), k.removed is not None and k.removed < 0.9)
        body += (f"<tr><th>korean</th><td>hangul CER {cer} over {k.syllables} syllables; "
                 f"removed {removed} ({k.left} of the {k.readable} Tesseract reads in the "
                 "input still read)</td></tr>")
    return f"<table>{body}</table>"


def _table(title: str, rows: dict[str, dict[str, Any]]) -> str:
    if not rows:
        return ""
    keys = list(next(iter(rows.values())).keys())
    head = "".join(f"<th>{escape(k)}</th>" for k in keys)
    body = "".join(f"<tr><th>{escape(name)}</th>"
                   + "".join(f"<td>{fmt(v.get(k), 3)}</td>" for k in keys) + "</tr>"
                   for name, v in rows.items())
    return f"<h3>{escape(title)}</h3><table><tr><th></th>{head}</tr>{body}</table>"


def totals_tables(t: dict[str, Any]) -> str:
    head = (f"<p>{t['images']} images, {t['failed']} failed, {t['blocks']} blocks; source "
            f"language detected right on {fmt(t.get('source_detected'))} of those with a "
            "known language.</p>")
    return (head + _table("OCR accuracy by ground-truth kind", t["ocr"])
            + _table("Detection by ground-truth kind (IoU ≥ 0.5; _contain: containment)",
                     t["detection"])
            + _table("Text removal", {"removal": t["removal"]})
            + _table("Placement", {"placement": t["placement"]})
            + (_table("Erasing (EVAL.md; means over pages, CER over characters)",
                      {"erasing": t["erasing"]}) if t.get("erasing", {}).get("pages") else "")
            + (_table("Lettering", {"lettering": t["lettering"]}) if "lettering" in t else "")
            + (_table("Korean (hangul CER; hangul removed, read by Tesseract kor)",
                      {"korean": t["korean"]}) if t.get("korean", {}).get("images") else "")
            + _table("Seconds per stage", t["timings"]))

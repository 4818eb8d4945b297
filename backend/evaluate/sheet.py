"""The contact sheet: one self-contained HTML file (images embedded as base64 JPEGs; the only
links are to the full-size outputs written next to it and to anchors in the page)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import Any

from backend.evaluate.page import PageRecord
from backend.evaluate.runner import Evaluated
from backend.evaluate.sheet_parts import LEGEND, STYLE, figures, fmt, totals_tables

ROW_KEYS = ("blocks", "cer", "det", "removed", "inside", "found", "overflow", "font", "contrast",
            "time")


def _img(data: str, alt: str) -> str:
    if not data:
        return '<div class="missing">no image</div>'
    return f'<img alt="{escape(alt)}" src="data:image/jpeg;base64,{data}">'


def _blocks_table(record: PageRecord) -> str:
    placed = {b.index: b for b in record.placement.blocks} if record.placement else {}
    rows = []
    for row in record.blocks:
        p = placed.get(row.index)
        flags = [row.erase]
        if row.kept:
            flags.append("kept")
        if row.overflow:
            flags.append('<b class="bad">overflow</b>')
        if p is not None and p.lines and p.inside < p.lines:
            flags.append(f'<b class="bad">{p.lines - p.inside} line(s) outside</b>')
        rows.append(
            f"<tr><td>{row.index + 1}</td><td class=src>{escape(row.source_text)}</td>"
            f"<td>{escape(row.translation)}</td><td>{row.font_size or '–'}</td>"
            f"<td>{fmt(p.font_ratio) if p else '–'}</td>"
            f"<td>{fmt(p.contrast) if p else '–'}</td><td>{' '.join(flags)}</td></tr>")
    head = ("<tr><th>#</th><th>source</th><th>translation</th><th>px</th>"
            "<th title='font size / source line height'>size</th><th>contrast</th>"
            "<th></th></tr>")
    return f"<table class=blocks>{head}{''.join(rows)}</table>" if rows else ""


def _section(page: Evaluated, anchor: str) -> str:
    r = page.record
    thumbs = page.thumbs
    title = (f"<h2 id={anchor}>{escape(r.name)}</h2><p class=meta>{escape(r.language or '?')}"
             f" · {escape(r.kind or '?')} · {r.width}×{r.height}")
    if r.detected_source:
        title += f" · read as {escape(r.detected_source)} → {escape(r.target)}"
    if r.truth_kind:
        title += f" · ground truth: {escape(r.truth_kind)}"
    title += "</p>"
    if r.error:
        title += f'<p class="bad">failed: {escape(r.error)}</p>'
    inp = _img(thumbs.input if thumbs else "", f"{r.name} input")
    out = _img(thumbs.output if thumbs else "", f"{r.name} output")
    if r.output and thumbs and thumbs.output:
        out = f'<a href="{escape(r.output)}" title="full size">{out}</a>'
    drawn = _img(thumbs.blocks if thumbs else "", f"{r.name} blocks")
    diff = (f"<figure>{_img(page.diff, f'{r.name} diff')}<figcaption>diff: changed outside "
            "the text in red</figcaption></figure>") if page.diff else ""
    leftovers = ""
    if r.removal and r.removal.leftovers:
        items = "".join(f"<li>{escape(t)}</li>" for t in r.removal.leftovers)
        leftovers = f"<p>still read in the output:</p><ul class=src>{items}</ul>"
    link = f'<p><a href="{escape(r.output)}">full-size output</a></p>' if r.output else ""
    return (f"<section>{title}<div class=row><figure>{inp}<figcaption>input</figcaption>"
            f"</figure><figure>{out}<figcaption>output</figcaption></figure><figure>{drawn}"
            f"<figcaption>blocks</figcaption></figure>{diff}</div><div class=facts><div>"
            f"{figures(r)}{link}{leftovers}</div>{_blocks_table(r)}</div></section>")


def _index(pages: Sequence[Evaluated]) -> str:
    head = "".join(f"<th>{k}</th>" for k in ("image", *ROW_KEYS))
    rows = []
    for i, page in enumerate(pages):
        cells = figures(page.record, row=True)
        rows.append(f'<tr><td><a href="#p{i}">{escape(page.record.name)}</a></td>{cells}</tr>')
    return f"<table class=index><tr>{head}</tr>{''.join(rows)}</table>"


def render_sheet(report: dict[str, Any], pages: Sequence[Evaluated]) -> str:
    machine = report.get("machine", {})
    stamp = escape(f"{machine.get('time', '')} · {machine.get('git_commit', '')[:10]}"
                   f"{' (modified)' if machine.get('git_dirty') else ''} · "
                   f"translator {report.get('settings', {}).get('translator', {}).get('name')} · "
                   f"inpainter {report.get('inpainter', '?')}")
    sections = "".join(_section(p, f"p{i}") for i, p in enumerate(pages))
    return (f"<!doctype html><html><head><meta charset=utf-8><title>itp eval</title>"
            f"<style>{STYLE}</style></head><body><h1>itp eval</h1><p class=meta>{stamp}</p>"
            f"{LEGEND}{totals_tables(report['totals'])}<h2>Images</h2>{_index(pages)}"
            f"{sections}</body></html>")


def write_sheet(path: Path, report: dict[str, Any], pages: Sequence[Evaluated]) -> None:
    path.write_text(render_sheet(report, pages), encoding="utf-8")

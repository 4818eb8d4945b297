"""Render stage: letter translations into the inpainted page (see `render.render_page`)."""

from workers.render.color import TextStyle, contrast_ratio, text_style
from workers.render.fonts import FontFace, find_font, load_font
from workers.render.layout import Fit, fit_text
from workers.render.render import render_page

__all__ = [
    "Fit",
    "FontFace",
    "TextStyle",
    "contrast_ratio",
    "find_font",
    "fit_text",
    "load_font",
    "render_page",
    "text_style",
]

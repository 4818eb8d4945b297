"""Render stage: letter translations into the inpainted page (see `render.render_page`)."""

from workers.render.color import TextStyle, contrast_ratio, text_style
from workers.render.fonts import FontFace, find_font, load_font
from workers.render.layout import Fitter, Placed
from workers.render.render import render_page
from workers.render.room import Room

__all__ = [
    "Fitter",
    "FontFace",
    "Placed",
    "Room",
    "TextStyle",
    "contrast_ratio",
    "find_font",
    "load_font",
    "render_page",
    "text_style",
]

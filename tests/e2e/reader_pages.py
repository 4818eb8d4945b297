"""The HTML of the fake reader sites: each page is built the way a family of real readers is.

- `lighthouse`: plain <img> strips on the site itself (lazy `data-src`, srcset, a Referer check,
  a cookie only the browser holds, a CSS background, a broken image, a strip added later).
- `webtoon`: a lazy `data-src` reader whose strips come from a CDN on another loopback address
  (Referer-checked, no CORS headers) and from a media host of the same site that wants the
  reader's session cookie; with a sidebar ad and "next episode" thumbnails around it.
- `blob`: pages downloaded encrypted, decrypted by the page into blob: URLs that are revoked
  once shown; and one inline data: page.
- `canvas`: no <img> at all: pages drawn on canvases from shuffled tiles, and one from the CDN
  (which makes that canvas unreadable to scripts); a page can be flipped (redrawn).
- `spa`: a single-page app that swaps chapters without loading a new document.
- `long`: a 150-strip chapter, lazy-loaded.
- `lan`: strips on a host of the reader's network the itp server may not reach.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass

from tests.e2e import reader_art

# Strict for images, as many sites are: neither blob: nor data: may be shown by the page's
# own scripts (connect-src allows blob: only so that the tests can read back what is shown).
CSP = ("default-src 'self'; img-src 'self' data: {cdn} {media} {lan}; "
       "script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self' blob:")
# The blob: reader makes its own blob: URLs, so its CSP has to allow them.
BLOB_CSP = ("default-src 'self'; img-src 'self' blob: data:; script-src 'unsafe-inline'; "
            "style-src 'unsafe-inline'; connect-src 'self' blob:")

PLACEHOLDER = "data:image/gif;base64,R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw=="

LIGHTHOUSE = ["p1", "p2", "p3", "p4", "referer", "cookie", "late", "bg"]
WEBTOON = ["w1", "w2", "w3", "m1"]
WEBTOON_NOT_COMIC = ["ad", "t1", "t2", "t3", "t4"]
BLOB = ["b1", "b2", "b3", "d1"]
BLOB_MANY = [f"b{i}" for i in range(1, 13)]
CANVAS = ["k1", "k2", "k3"]
CANVAS_TAINTED = "k4"
CANVAS_FLIPPED = "k9"
SPA_1 = ["s1", "s2"]
SPA_2 = ["s3", "s4"]
LONG = [f"L{i:03d}" for i in range(150)]
LAN = ["n1", "n2"]


@dataclass(frozen=True)
class Origins:
    site: str
    cdn: str
    media: str
    lan: str


HEAD = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
  body {{ margin: 0; background: #1f2937; color: #f9fafb; font: 16px sans-serif; }}
  header {{ display: flex; gap: 8px; align-items: center; padding: 8px 16px; }}
  .strip {{ display: block; width: 600px; max-width: 100%; margin: 0 auto; }}
  .bg {{ height: 1300px; background-size: cover; }}
  .layout {{ display: flex; gap: 16px; justify-content: center; }}
  aside {{ width: 300px; }}
  .thumbs {{ display: flex; gap: 8px; justify-content: center; padding: 16px; }}
  .thumbs img {{ width: 200px; height: 280px; }}
  canvas.page {{ display: block; width: 600px; height: 900px; margin: 0 auto 8px; }}
</style>
</head>
<body>
<header>{icon}<h1>{title}</h1></header>
"""
ICON = '<img class="icon" src="/img/icon.png" width="32" height="32" alt="">'


def head(title: str, *, icon: bool = True) -> str:
    return HEAD.format(title=title, icon=ICON if icon else "")

# A reader's toolbar fixed at the bottom of the window, over the pages: what is under it is
# not on screen.
TOOLBAR = """
<nav id="toolbar" style="position: fixed; left: 0; right: 0; bottom: 0; height: 56px;
     background: #111827; color: #e5e7eb; display: flex; align-items: center;
     justify-content: center; gap: 24px">
  <span>‹ previous</span><span>page 1</span><span>next ›</span>
</nav>
"""

LAZY_LOADER = """
<script>
  // The site's own lazy loader, as webtoon sites have: the real URL waits in data-src.
  const io = new IntersectionObserver((entries) => {
    for (const e of entries) {
      if (e.isIntersecting) { e.target.src = e.target.dataset.src; io.unobserve(e.target); }
    }
  }, { rootMargin: "200px" });
  document.querySelectorAll("img.lazy").forEach((img) => io.observe(img));
</script>
"""


def lighthouse(o: Origins) -> str:
    return head("Lighthouse — chapter 1") + f"""
<main id="chapter">
  <img class="strip" id="p1" src="/img/p1.png" width="600" height="1300" alt="">
  <img class="strip" id="p2" src="/img/p2.png" srcset="/img/p2.png 1x, /img/p2.png?hd 2x" alt="">
  <img class="strip lazy" id="p3" src="{PLACEHOLDER}" data-src="/img/p3.png"
       width="600" height="1300" alt="">
  <img class="strip lazy" id="p4" src="{PLACEHOLDER}" data-src="/img/p4.png" alt="">
  <img class="strip" id="referer" src="/img/referer.png" loading="lazy" alt="">
  <img class="strip" id="cookie" src="/img/cookie.png" alt="">
  <img class="strip" id="broken" src="/img/broken.png" width="600" height="600" alt="">
  <div class="strip bg" id="bg" style="background-image: url('/img/bg.png')"></div>
</main>
{LAZY_LOADER}
<script>
  // Infinite-scroll sites append the next strips as the reader goes.
  window.addStrip = () => {{
    const img = document.createElement("img");
    img.className = "strip"; img.id = "late"; img.src = "/img/late.png"; img.alt = "";
    document.getElementById("chapter").append(img);
  }};
  // A site script that sets the pictures again (a re-render, a second lazy-loader pass).
  window.resetPictures = () => {{
    const p1 = document.getElementById("p1");
    p1.src = "/img/p1.png";
    const p2 = document.getElementById("p2");
    p2.srcset = "/img/p2.png 1x, /img/p2.png?hd 2x";
  }};
</script>
</body></html>
"""


def webtoon(o: Origins) -> str:
    strips = "\n".join(
        f'  <img class="strip lazy" id="{name}" src="{PLACEHOLDER}" '
        f'data-src="{o.cdn}/img/{name}.png" alt="">' for name in WEBTOON[:-1])
    thumbs = "\n".join(f'  <a href="#"><img id="t{n}" src="/img/thumb{n}.png" alt=""></a>'
                       for n in range(1, 5))
    return head("Harbour — episode 12") + f"""
<div class="layout">
  <main id="viewer">
{strips}
    <img class="strip lazy" id="m1" src="{PLACEHOLDER}" data-src="{o.media}/img/m1.png" alt="">
  </main>
  <aside><img id="ad" src="/img/ad.png" width="300" height="250" alt="advertisement"></aside>
</div>
<nav class="thumbs">
{thumbs}
</nav>
{LAZY_LOADER}
</body></html>
"""


def blob(o: Origins, names: list[str] = BLOB[:-1], inline: bool = True) -> str:
    slots = "\n".join(f'  <img class="strip" id="{name}" alt="">' for name in names)
    if inline:
        data = base64.b64encode(reader_art.strip("d1")).decode()
        slots += f'\n  <img class="strip" id="d1" src="data:image/png;base64,{data}" alt="">'
    return head("Vault — chapter 3") + f"""
<main id="pages">
{slots}
</main>
<script>
  // Pages come encrypted; the reader decrypts them into blob: URLs and revokes each URL once
  // the picture is shown, as readers that protect their pages do.
  for (const img of document.querySelectorAll("img[id^=b]")) {{
    fetch(`/enc/${{img.id}}.bin`).then((r) => r.arrayBuffer()).then((buf) => {{
      const bytes = new Uint8Array(buf);
      for (let i = 0; i < bytes.length; i += 1) bytes[i] ^= {reader_art.XOR_KEY};
      const url = URL.createObjectURL(new Blob([bytes], {{ type: "image/png" }}));
      img.addEventListener("load", () => URL.revokeObjectURL(url), {{ once: true }});
      img.src = url;
    }});
  }}
</script>
</body></html>
"""


def canvas(o: Origins) -> str:
    canvases = "\n".join(f'  <canvas class="page" id="{name}"></canvas>'
                         for name in [*CANVAS, CANVAS_TAINTED])
    return head("Tiles — volume 2", icon=False) + f"""
<main id="pages">
{canvases}
</main>
{TOOLBAR}
<script>
  const ORDER = {json.dumps(reader_art.TILE_ORDER)};
  const N = {reader_art.TILES};
  // Downloads the shuffled page and draws its tiles back in order.
  function drawPage(canvas, name) {{
    const img = new Image();
    img.onload = () => {{
      canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
      const ctx = canvas.getContext("2d");
      const tw = Math.floor(img.naturalWidth / N), th = Math.floor(img.naturalHeight / N);
      ORDER.forEach((tile, place) => {{
        ctx.drawImage(img, (place % N) * tw, Math.floor(place / N) * th, tw, th,
                      (tile % N) * tw, Math.floor(tile / N) * th, tw, th);
      }});
      canvas.dataset.drawn = name;
      canvas.dataset.draws = String(Number(canvas.dataset.draws ?? 0) + 1);
    }};
    img.src = `/tiles/${{name}}.png`;
  }}
  // Drawing a page again (a reader re-rendering on resize, say): the same picture.
  window.redrawPage = (id) => drawPage(document.getElementById(id), id);
  for (const name of {json.dumps(CANVAS)}) drawPage(document.getElementById(name), name);
  // One page straight from the CDN, which sends no CORS headers: scripts may not read it back.
  const tainted = document.getElementById("{CANVAS_TAINTED}");
  const direct = new Image();
  direct.onload = () => {{
    tainted.width = direct.naturalWidth; tainted.height = direct.naturalHeight;
    tainted.getContext("2d").drawImage(direct, 0, 0);
    tainted.dataset.drawn = "{CANVAS_TAINTED}";
  }};
  direct.src = "{o.cdn}/img/{CANVAS_TAINTED}.png";
  // Turning the page: the first canvas shows another page.
  window.flipPage = () => drawPage(document.getElementById("{CANVAS[0]}"), "{CANVAS_FLIPPED}");
</script>
</body></html>
"""


def scrollbox(o: Origins) -> str:
    """A canvas reader that scrolls inside a box of its own (the page itself does not)."""
    canvases = "\n".join(f'  <canvas class="page" id="{name}"></canvas>' for name in CANVAS)
    return head("Tiles — in a box", icon=False) + f"""
<main id="pages" style="height: 700px; overflow-y: auto; width: 640px; margin: 0 auto">
{canvases}
</main>
<script>
  const ORDER = {json.dumps(reader_art.TILE_ORDER)};
  const N = {reader_art.TILES};
  for (const name of {json.dumps(CANVAS)}) {{
    const canvas = document.getElementById(name);
    const img = new Image();
    img.onload = () => {{
      canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
      const ctx = canvas.getContext("2d");
      const tw = Math.floor(img.naturalWidth / N), th = Math.floor(img.naturalHeight / N);
      ORDER.forEach((tile, place) => {{
        ctx.drawImage(img, (place % N) * tw, Math.floor(place / N) * th, tw, th,
                      (tile % N) * tw, Math.floor(tile / N) * th, tw, th);
      }});
      canvas.dataset.drawn = name;
    }};
    img.src = `/tiles/${{name}}.png`;
  }}
</script>
</body></html>
"""


def spa(o: Origins) -> str:
    chapters = {"1": SPA_1, "2": SPA_2}
    return head("Drift — single-page reader") + f"""
<main id="reader"></main>
<script>
  const CHAPTERS = {json.dumps(chapters)};
  // Shows a chapter in place: the old pages leave the document, new ones come in.
  function show(ch) {{
    const main = document.getElementById("reader");
    main.replaceChildren(...CHAPTERS[ch].map((name) => {{
      const img = document.createElement("img");
      img.className = "strip"; img.id = name; img.alt = "";
      img.src = `{o.cdn}/img/${{name}}.png`;
      return img;
    }}));
  }}
  window.nextChapter = () => {{ history.pushState({{}}, "", "?ch=2"); show("2"); }};
  show("1");
</script>
</body></html>
"""


def long(o: Origins) -> str:
    strips = "\n".join(
        f'  <img class="strip lazy" id="{name}" src="{PLACEHOLDER}" '
        f'data-src="{o.cdn}/img/{name}.png" width="600" height="900" alt="">' for name in LONG)
    return head("Marathon — chapter 150") + f"""
<main id="chapter">
{strips}
</main>
{LAZY_LOADER}
</body></html>
"""


def lan(o: Origins) -> str:
    strips = "\n".join(f'  <img class="strip" id="{name}" src="{o.lan}/img/{name}.png" alt="">'
                       for name in LAN)
    return head("Home shelf — volume 1") + f"""
<main id="chapter">
{strips}
</main>
{TOOLBAR}
</body></html>
"""


def episodes(o: Origins) -> str:
    """A series' episode list: thumbnails only, no comic."""
    thumbs = "\n".join(f'  <a href="#"><img id="t{n}" src="/img/thumb{n}.png" alt=""></a>'
                       for n in range(1, 9))
    return head("Harbour — episodes") + f"""
<nav class="thumbs" style="flex-wrap: wrap">
{thumbs}
</nav>
</body></html>
"""


def blobs(o: Origins) -> str:
    return blob(o, BLOB_MANY, inline=False)


PAGES = {"lighthouse": lighthouse, "webtoon": webtoon, "blob": blob, "blobs": blobs,
         "episodes": episodes, "scrollbox": scrollbox,
         "canvas": canvas, "spa": spa, "long": long, "lan": lan}

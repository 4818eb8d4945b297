// Finding the comic images on a page: <img> (srcset, lazy-loading attributes, and pictures the
// page made itself as blob: or data: URLs), <canvas> and CSS background images, big enough to
// be pages or strips rather than icons. Which of those are the comic (not ads, thumbnails)
// is select.js's call.
(() => {
  const itp = globalThis.__itp;
  if (itp.discover) return;

  // Where lazy loaders keep the real URL until the image nears the viewport.
  const LAZY_ATTRS = [
    "data-src", "data-lazy-src", "data-original", "data-lazy", "data-url", "data-echo",
    "data-original-src",
  ];
  const LAZY_SRCSET_ATTRS = ["data-srcset", "data-lazy-srcset"];
  const SKIP_TAGS = new Set([
    "IMG", "SCRIPT", "STYLE", "LINK", "META", "HEAD", "SVG", "PATH", "CANVAS", "VIDEO", "IFRAME",
  ]);
  // Background images on more elements than this are not looked for: huge pages stay fast.
  const MAX_BG_SCAN = 4000;

  function absolute(raw) {
    if (!raw) return "";
    try {
      const url = new URL(raw.trim(), document.baseURI);
      if (url.protocol !== "http:" && url.protocol !== "https:") return "";
      // Text drawn as SVG is real text already; it needs no image translation.
      if (/\.svgz?$/i.test(url.pathname)) return "";
      return url.href;
    } catch {
      return "";
    }
  }

  function largestCandidate(srcset) {
    let best = "";
    let bestScore = -1;
    for (const part of srcset.split(/,\s+/)) {
      const [url, descriptor = "1x"] = part.trim().split(/\s+/);
      const score = parseFloat(descriptor) || 1;
      if (url && score > bestScore) {
        best = url;
        bestScore = score;
      }
    }
    return best;
  }

  const isPlaceholder = (url) => !url || /^(data|blob|about):/i.test(url);
  const isPageMade = (url) => /^(data|blob):/i.test(url ?? "");
  // Canvases that keep changing (animations, games) are not comic pages; main.js adds here.
  const restless = new WeakSet();
  // Canvases the page has drawn on (page-hook.js says so): a blank reading of one of these is
  // a WebGL buffer that is not kept, read from the screen instead; of the others, nothing drawn
  // yet.
  const drawnOn = new WeakSet();

  function blankUndrawn(canvas) {
    return !drawnOn.has(canvas) && itp.pixels.fingerprint(canvas) === "blank";
  }

  /** The URL a lazy loader holds for an <img>; "" when it has none. */
  function lazyUrl(img) {
    for (const name of LAZY_ATTRS) {
      const value = img.getAttribute(name);
      if (value && !isPlaceholder(value)) {
        const url = absolute(value);
        if (url) return url;
      }
    }
    for (const name of LAZY_SRCSET_ATTRS) {
      const value = img.getAttribute(name);
      if (value) {
        const url = absolute(largestCandidate(value));
        if (url) return url;
      }
    }
    return "";
  }

  /** The URL an <img> shows, or will show once its lazy loader runs; "" when none. */
  function imageUrl(img) {
    const lazy = lazyUrl(img);
    if (lazy) return lazy;
    const current = img.currentSrc || img.getAttribute("src") || "";
    if (!isPlaceholder(current)) return absolute(current);
    const srcset = img.getAttribute("srcset");
    return srcset ? absolute(largestCandidate(srcset)) : "";
  }

  function backgroundUrl(el) {
    const value = getComputedStyle(el).backgroundImage;
    if (!value || value === "none") return "";
    const match = /url\(\s*(["']?)(.*?)\1\s*\)/.exec(value);
    return match ? absolute(match[2]) : "";
  }

  /**
   * A picture the page made itself (decrypted or unscrambled into a blob: or data: URL): its
   * bytes are read in the page. Only once loaded, and bigger than a 1-pixel placeholder.
   */
  function pageMadeSource(img) {
    const current = img.currentSrc || img.getAttribute("src") || "";
    if (!isPageMade(current) || lazyUrl(img)) return "";
    return img.complete && img.naturalWidth > 1 && img.naturalHeight > 1 ? current : "";
  }

  /** Whether the real picture is not on screen yet (lazy placeholder, still loading). */
  function pending(img, url) {
    const current = img.currentSrc || img.src;
    return !img.complete || img.naturalWidth <= 1 || isPlaceholder(current) || current !== url;
  }

  /**
   * Big enough to be a comic page? Rendered size decides; for an image still waiting for its
   * lazy loader only the width is known (the height comes with the picture), or the
   * width/height attributes the site reserved.
   */
  function bigEnough(el, url, min) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) return false;
    if (r.width >= min && r.height >= min) return true;
    if (el.tagName !== "IMG" || !pending(el, url)) return false;
    const w = Number(el.getAttribute("width")) || 0;
    const h = Number(el.getAttribute("height")) || 0;
    return r.width >= min || (w >= min && h >= min);
  }

  const ours = (el) => Boolean(el.closest?.("[data-itp-overlay]"));

  /**
   * Looks under `root` for images not in `known`.
   * @returns {{found: {el: Element, kind: string, url: string}[], small: Element[]}}
   *   `small`: images to look at again when they grow or load.
   */
  function scan(root, min, known) {
    const found = [];
    const small = [];
    if (!root?.querySelectorAll || ours(root)) return { found, small };
    const imgs = [...root.querySelectorAll("img")];
    if (root.tagName === "IMG") imgs.push(root);
    for (const img of imgs) {
      if (known(img) || ours(img)) continue;
      const made = pageMadeSource(img);
      const url = made || imageUrl(img);
      if (url && bigEnough(img, url, min)) {
        found.push({ el: img, kind: "img", url, upload: Boolean(made) });
      } else {
        small.push(img);
      }
    }
    const canvases = [...root.querySelectorAll("canvas")];
    if (root.tagName === "CANVAS") canvases.push(root);
    for (const canvas of canvases) {
      if (known(canvas) || ours(canvas) || restless.has(canvas)) continue;
      const r = canvas.getBoundingClientRect();
      // The drawing buffer too: a big CSS box around a tiny buffer is a spinner, not a page.
      if (r.width >= min && r.height >= min && canvas.width >= 64 && canvas.height >= 64
          && !blankUndrawn(canvas)) {
        found.push({ el: canvas, kind: "canvas", url: "", upload: true });
      } else {
        small.push(canvas);
      }
    }
    const all = root.querySelectorAll("*");
    const limit = Math.min(all.length, MAX_BG_SCAN);
    const candidates = root.nodeType === Node.ELEMENT_NODE ? [root] : [];
    for (let i = 0; i < limit; i += 1) candidates.push(all[i]);
    for (const el of candidates) {
      if (SKIP_TAGS.has(el.tagName.toUpperCase()) || known(el) || ours(el)) continue;
      const r = el.getBoundingClientRect();
      if (r.width < min || r.height < min) continue;
      const url = backgroundUrl(el);
      if (url) found.push({ el, kind: "bg", url, upload: false });
    }
    return { found, small };
  }

  /** Viewport first: on screen and the next screen, then further down, then what was read. */
  function readingOrder(items) {
    const h = window.innerHeight || 800;
    const keyed = items.map((item) => {
      const r = item.el.getBoundingClientRect();
      let bucket = 1;
      if (r.bottom <= 0) bucket = 2;
      else if (r.top < 2 * h) bucket = 0;
      return { item, bucket, top: r.top, left: r.left };
    });
    keyed.sort((a, b) => a.bucket - b.bucket || a.top - b.top || a.left - b.left);
    return keyed.map((k) => k.item);
  }

  itp.discover = { scan, imageUrl, lazyUrl, readingOrder, absolute, restless, drawnOn };
})();

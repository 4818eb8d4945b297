// Putting the translated picture in place of the original and back. The originals are kept in
// data-itp-* attributes while the translation shows, so the page can always be put back.
// A page that sets `srcset` again (or its <picture> sources) while the translation shows gets
// its new value set aside the same way: srcset would otherwise win over our src.
(() => {
  const itp = globalThis.__itp;
  if (itp.swap) return;

  const ORIGINAL_SRC = "data-itp-original-src";
  const ORIGINAL_SRCSET = "data-itp-original-srcset";
  const ORIGINAL_STYLE = "data-itp-original-style";
  const ORIGINAL_LOADING = "data-itp-original-loading";
  let onFailed = () => {};

  function setOrRemove(el, name, value) {
    if (value === null || value === undefined) el.removeAttribute(name);
    else el.setAttribute(name, value);
  }

  // A <picture>'s <source srcset> wins over the <img src>, so those are set aside too.
  const sourcesOf = (img) =>
    img.parentElement?.tagName === "PICTURE"
      ? [...img.parentElement.querySelectorAll("source[srcset]")]
      : [];

  /** Moves srcset (and a <picture>'s sources) aside; the page's latest value is kept. */
  function setAsideSrcset(img) {
    if (img.hasAttribute("srcset")) {
      img.setAttribute(ORIGINAL_SRCSET, img.getAttribute("srcset"));
      img.removeAttribute("srcset");
    }
    for (const source of sourcesOf(img)) {
      source.setAttribute(ORIGINAL_SRCSET, source.getAttribute("srcset"));
      source.removeAttribute("srcset");
    }
  }

  function showImg(rec) {
    const img = rec.el;
    setAsideSrcset(img);
    if (img.getAttribute("src") === rec.shownUrl) return;
    const before = img.getBoundingClientRect();
    // Only when the page showed the real picture is its box the one to keep; a lazy
    // placeholder's box would squash the image.
    const shownReal = img.complete && img.naturalWidth > 1 && before.width > 0;
    const current = img.getAttribute("src");
    // Switching between our own blob: and data: copies keeps the page's original as it is.
    const ours = current && (current === rec.blobUrl || current === rec.dataUrl);
    if (!ours || !img.hasAttribute(ORIGINAL_SRC)) img.setAttribute(ORIGINAL_SRC, current ?? "");
    // A deferred (lazy) load would start outside this content script, where the page's CSP
    // may refuse blob: images; the picture is in memory anyway, so it loads now.
    if (img.getAttribute("loading") === "lazy") {
      img.setAttribute(ORIGINAL_LOADING, "lazy");
      img.setAttribute("loading", "eager");
    }
    img.addEventListener("error", itp.util.safe(() => {
      if (img.getAttribute("src") === rec.shownUrl) onFailed(rec);
    }), { once: true });
    img.addEventListener("load", itp.util.safe(() => {
      const after = img.getBoundingClientRect();
      if (!shownReal || img.getAttribute("src") !== rec.shownUrl) return;
      if (Math.abs(after.width - before.width) > 1 || Math.abs(after.height - before.height) > 1) {
        if (!img.hasAttribute(ORIGINAL_STYLE)) {
          img.setAttribute(ORIGINAL_STYLE, img.getAttribute("style") ?? "");
        }
        img.style.setProperty("width", `${before.width}px`, "important");
        img.style.setProperty("height", `${before.height}px`, "important");
      }
    }), { once: true });
    img.src = rec.shownUrl;
  }

  function restoreImg(rec) {
    const img = rec.el;
    if (!img.hasAttribute(ORIGINAL_SRC)) return;
    const src = img.getAttribute(ORIGINAL_SRC);
    if (src) img.setAttribute("src", src);
    else img.removeAttribute("src");
    img.removeAttribute(ORIGINAL_SRC);
    if (img.hasAttribute(ORIGINAL_SRCSET)) {
      img.setAttribute("srcset", img.getAttribute(ORIGINAL_SRCSET));
      img.removeAttribute(ORIGINAL_SRCSET);
    }
    for (const source of img.parentElement?.querySelectorAll(`source[${ORIGINAL_SRCSET}]`) ?? []) {
      source.setAttribute("srcset", source.getAttribute(ORIGINAL_SRCSET));
      source.removeAttribute(ORIGINAL_SRCSET);
    }
    if (img.hasAttribute(ORIGINAL_STYLE)) {
      setOrRemove(img, "style", img.getAttribute(ORIGINAL_STYLE) || null);
      img.removeAttribute(ORIGINAL_STYLE);
    }
    if (img.hasAttribute(ORIGINAL_LOADING)) {
      img.setAttribute("loading", img.getAttribute(ORIGINAL_LOADING));
      img.removeAttribute(ORIGINAL_LOADING);
    }
  }

  /** Leaves the element as the page set it, dropping only what we added. */
  function forget(rec) {
    const el = rec.el;
    if (rec.kind === "canvas") {
      itp.overlay.drop(rec);
      return;
    }
    el.removeAttribute(ORIGINAL_SRC);
    el.removeAttribute(ORIGINAL_SRCSET);
    if (el.hasAttribute(ORIGINAL_STYLE)) {
      setOrRemove(el, "style", el.getAttribute(ORIGINAL_STYLE) || null);
      el.removeAttribute(ORIGINAL_STYLE);
    }
    if (el.hasAttribute(ORIGINAL_LOADING)) {
      el.setAttribute("loading", el.getAttribute(ORIGINAL_LOADING));
      el.removeAttribute(ORIGINAL_LOADING);
    }
  }

  function showBackground(rec) {
    const el = rec.el;
    if (!el.hasAttribute(ORIGINAL_STYLE)) {
      el.setAttribute(ORIGINAL_STYLE, el.getAttribute("style") ?? "");
    }
    el.style.setProperty("background-image", `url("${rec.shownUrl}")`, "important");
  }

  function restoreBackground(rec) {
    const el = rec.el;
    if (!el.hasAttribute(ORIGINAL_STYLE)) return;
    setOrRemove(el, "style", el.getAttribute(ORIGINAL_STYLE) || null);
    el.removeAttribute(ORIGINAL_STYLE);
  }

  function showTranslation(rec) {
    if (rec.kind === "img") showImg(rec);
    else if (rec.kind === "canvas") itp.overlay.show(rec, (r) => onFailed(r));
    else showBackground(rec);
  }

  function showOriginal(rec) {
    if (rec.kind === "img") restoreImg(rec);
    else if (rec.kind === "canvas") itp.overlay.hide(rec);
    else restoreBackground(rec);
  }

  /** Whether the element now shows our translation (a page script may have replaced it). */
  function showingTranslation(rec) {
    if (rec.kind === "img") {
      const img = rec.el;
      return img.getAttribute("src") === rec.shownUrl && !img.hasAttribute("srcset")
        && sourcesOf(img).length === 0;
    }
    if (rec.kind === "canvas") return itp.overlay.showing(rec);
    return rec.el.style.getPropertyValue("background-image").includes(rec.shownUrl);
  }

  /** `handler(rec)` runs when the browser refuses to show a translation (CSP, say). */
  function onShowFailed(handler) {
    onFailed = handler;
  }

  itp.swap = { showTranslation, showOriginal, showingTranslation, forget, onShowFailed };
})();

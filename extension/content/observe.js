// Watching the page change under us: images added later, lazy loaders swapping URLs, srcset
// set again, canvases drawn on, images growing once loaded, the layout moving (badges and
// canvas overlays follow), and which images the reader is about to see (those go first).
(() => {
  const itp = globalThis.__itp;
  if (itp.observe) return;
  const { safe } = itp.util;

  const ATTRS = [
    "src", "srcset", "style", "class", "data-src", "data-lazy-src", "data-original", "data-lazy",
    "data-srcset", "data-lazy-srcset",
    // Setting a canvas's size clears it: a new picture follows.
    "width", "height",
  ];

  let hooks = null;
  const dirty = new Set();
  const visible = new Set();

  // Changes are gathered for a moment and looked at together. Not a debounce: a page that
  // never stops changing (an animation) must not keep postponing the look forever.
  const GATHER_MS = 300;
  let gathering = null;

  function flushDirty() {
    gathering ??= setTimeout(safe(() => {
      gathering = null;
      const roots = [...dirty];
      dirty.clear();
      hooks.rescan(roots);
    }), GATHER_MS);
  }

  const isOurs = (node) => Boolean(node.closest("[data-itp-overlay]"));

  function markDirty(node) {
    if (node?.nodeType !== Node.ELEMENT_NODE || isOurs(node)) return;
    dirty.add(node);
    flushDirty();
  }

  /** The record a change to `node` concerns: the image itself, or a <picture>'s <img>. */
  function recordOf(node) {
    const direct = itp.records.get(node);
    if (direct) return direct;
    if (node.tagName === "SOURCE" && node.parentElement?.tagName === "PICTURE") {
      const img = node.parentElement.querySelector("img");
      return img ? itp.records.get(img) : undefined;
    }
    return undefined;
  }

  // After a layout change the badges' frames and the canvas overlays are put where their
  // images are now, once, before the next paint.
  let layoutFrame = 0;
  function layoutChanged() {
    layoutFrame ||= requestAnimationFrame(safe(() => {
      layoutFrame = 0;
      for (const rec of itp.records.all()) if (rec.overlay) itp.overlay.place(rec);
      itp.badges.place();
    }));
  }

  const mutations = new MutationObserver(safe((list) => {
    let moved = false;
    for (const m of list) {
      if (m.type === "childList") {
        // Content added or removed may have moved the images below it.
        moved = true;
        for (const node of m.addedNodes) {
          const rec = node.nodeType === Node.ELEMENT_NODE ? recordOf(node) : undefined;
          if (rec) hooks.mutated(rec);
          else markDirty(node);
        }
        continue;
      }
      if (m.target.nodeType !== Node.ELEMENT_NODE || isOurs(m.target)) continue;
      const rec = recordOf(m.target);
      if (rec) hooks.mutated(rec);
      else markDirty(m.target);
    }
    if (moved) layoutChanged();
  }));

  const sizes = new ResizeObserver(safe((entries) => {
    for (const entry of entries) {
      const el = entry.target;
      if (el === document.documentElement || el === document.body) continue;
      if (!itp.records.has(el)) markDirty(el);
    }
    layoutChanged();
  }));

  // The next screen counts as "about to be seen": its images should be ready on arrival.
  const views = new IntersectionObserver(safe((entries) => {
    for (const entry of entries) {
      if (entry.isIntersecting) visible.add(entry.target);
      else visible.delete(entry.target);
    }
    sendPriority();
  }), { rootMargin: "0px 0px 100% 0px" });

  const sendPriority = itp.util.debounce(() => {
    const ids = new Set();
    for (const el of visible) {
      const rec = itp.records.get(el);
      if (rec?.imageId && !itp.records.isTerminal(rec)) ids.add(rec.imageId);
    }
    if (ids.size) itp.util.send({ kind: "itp-prioritize", image_ids: [...ids] });
  }, 250);

  function start(h) {
    hooks = h;
    mutations.observe(document.documentElement, {
      childList: true, subtree: true, attributes: true, attributeFilter: ATTRS,
    });
    // A lazy image that finished loading may now be big enough; `load` does not bubble.
    document.addEventListener("load", safe((e) => {
      if (e.target?.tagName === "IMG" && !itp.records.has(e.target)) markDirty(e.target);
    }), true);
    // From page-hook.js, in the page's world: something was drawn on this canvas.
    document.addEventListener("itp-canvas-drawn", safe((e) => {
      const canvas = e.target;
      const rec = itp.records.get(canvas);
      if (rec) {
        hooks.mutated(rec);
      } else if (!itp.discover.drawnOn.has(canvas)) {
        // Its first drawing: it may be a page now. Later ones change nothing for discovery.
        itp.discover.drawnOn.add(canvas);
        markDirty(canvas);
      }
    }), true);
    // The page growing or shrinking moves everything below the change.
    sizes.observe(document.documentElement);
    if (document.body) sizes.observe(document.body);
  }

  function watchSize(el) {
    sizes.observe(el);
  }

  function track(rec) {
    sizes.unobserve(rec.el);
    sizes.observe(rec.el);
    views.observe(rec.el);
  }

  function untrack(rec) {
    sizes.unobserve(rec.el);
    views.unobserve(rec.el);
    visible.delete(rec.el);
  }

  itp.observe = { start, watchSize, track, untrack, sendPriority, markDirty, layoutChanged };
})();

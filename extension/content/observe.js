// Watching the page change under us: images added later, lazy loaders swapping URLs, images
// growing once loaded, and which images the reader is about to see (those go first).
(() => {
  const itp = globalThis.__itp;
  if (itp.observe) return;

  const ATTRS = [
    "src", "srcset", "style", "class", "data-src", "data-lazy-src", "data-original", "data-lazy",
    "data-srcset", "data-lazy-srcset",
  ];

  let hooks = null;
  const dirty = new Set();
  const visible = new Set();

  const flushDirty = itp.util.debounce(() => {
    const roots = [...dirty];
    dirty.clear();
    hooks.rescan(roots);
  }, 300);

  function markDirty(node) {
    if (node?.nodeType !== Node.ELEMENT_NODE || node.closest("[data-itp-overlay]")) return;
    dirty.add(node);
    flushDirty();
  }

  const mutations = new MutationObserver(itp.util.safe((list) => {
    for (const m of list) {
      if (m.type === "childList") {
        m.addedNodes.forEach(markDirty);
        continue;
      }
      const rec = itp.records.get(m.target);
      if (rec) hooks.mutated(rec);
      else markDirty(m.target);
    }
  }));

  const sizes = new ResizeObserver(itp.util.safe((entries) => {
    for (const entry of entries) {
      if (!itp.records.has(entry.target)) markDirty(entry.target);
    }
    itp.badges.schedule();
  }));

  // The next screen counts as "about to be seen": its images should be ready on arrival.
  const views = new IntersectionObserver(itp.util.safe((entries) => {
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
    document.addEventListener("load", itp.util.safe((e) => {
      if (e.target?.tagName === "IMG" && !itp.records.has(e.target)) markDirty(e.target);
    }), true);
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

  itp.observe = { start, watchSize, track, untrack, sendPriority };
})();

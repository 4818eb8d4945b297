// One small badge per image, in an overlay of our own (a closed shadow root: page styles cannot
// reach it, and it never takes part in the page's layout).
//
// The overlay is positioned in the document, not the viewport: each image gets a frame at its
// place in the page, and its badge sticks to the frame's top right (CSS `position: sticky`).
// Scrolling the page therefore moves the badges with their images without any script running:
// a badge is where its image is the moment the page has scrolled, so a click right after a
// scroll lands on it. (A fixed layer moved by script after each scroll was always a frame
// late, and a click in that frame went to the image underneath.) Script only re-places the
// frames when the layout changes (sizes, images added, inner scroll boxes: observe.js).
(() => {
  const itp = globalThis.__itp;
  if (itp.badges) return;

  const STYLE = `
    :host { all: initial; }
    .frame {
      position: absolute; box-sizing: border-box; pointer-events: none;
      display: flex; justify-content: flex-end; align-items: flex-start;
    }
    .frame.fixed { position: fixed; }
    .frame[hidden] { display: none; }
    .badge {
      position: sticky; top: 6px; margin: 6px; box-sizing: border-box; max-width: 320px;
      padding: 3px 8px; border: 0; border-radius: 10px; font: 600 11px/16px system-ui, sans-serif;
      color: #fff; background: rgba(30, 41, 59, 0.82); box-shadow: 0 1px 3px rgba(0,0,0,.35);
      pointer-events: auto; cursor: default; white-space: nowrap; overflow: hidden;
      text-overflow: ellipsis; transition: opacity .2s;
    }
    .done, .original, .error { cursor: pointer; }
    .done, .original { opacity: .55; }
    .done:hover, .original:hover { opacity: 1; }
    .done { background: rgba(22, 101, 52, 0.85); }
    .original { background: rgba(71, 85, 105, 0.85); }
    .error { background: rgba(185, 28, 28, 0.9); white-space: normal; }
  `;
  const HOST_STYLE =
    "all: initial !important; position: absolute !important; top: 0 !important;" +
    " left: 0 !important; width: 0 !important; height: 0 !important;" +
    " overflow: visible !important; pointer-events: none !important;" +
    " z-index: 2147483647 !important; display: block !important;";

  let layer = null;
  let host = null;
  let onClick = () => {};
  const shown = new Set();

  function ensureLayer() {
    if (host?.isConnected) return layer;
    host = document.createElement("div");
    host.setAttribute("data-itp-overlay", "");
    host.setAttribute("style", HOST_STYLE);
    layer = host.attachShadow({ mode: "closed" });
    const style = document.createElement("style");
    style.textContent = STYLE;
    layer.append(style);
    for (const rec of shown) if (rec.frame) layer.append(rec.frame);
    // On <html>, not <body>: page rules such as `body > div` or `:last-child` stay as they were.
    document.documentElement.append(host);
    return layer;
  }

  function label(rec) {
    switch (rec.state) {
      case "sending": return ["itp · sending", "Sending to the itp server"];
      case "queued": {
        const where = Number.isFinite(rec.position) ? ` #${rec.position}` : "";
        return [`itp · queued${where}`, "Waiting in the itp server's queue"];
      }
      case "working":
        if (rec.stage === "screen") {
          const read = Number(rec.el.getAttribute("data-itp-screen") ?? 0);
          const part = read > 0 ? ` ${Math.round(read * 100)}%` : "";
          return [`itp · reading from the screen${part}`,
            "itp reads this image from the screen as it comes into view: scroll past all of it"];
        }
        return [`itp · ${rec.stage || "working"}`, `itp is at stage: ${rec.stage}`];
      case "done": return ["itp ✓", "Translated by itp. Click to show the original."];
      case "original": return ["itp ↺", "Showing the original. Click to show the translation."];
      case "error": {
        const text = rec.code === "needs_access"
          ? `needs access to ${rec.origin ? new URL(rec.origin).host : "the screen"}:`
            + " open the itp menu"
          : rec.error || "failed";
        return [`itp ⚠ ${text}`, `itp could not translate this image: ${rec.error || text}.`
          + " Click to try again."];
      }
      default: return ["itp", ""];
    }
  }

  function stop(e) {
    e.stopPropagation();
    e.preventDefault();
  }

  function update(rec) {
    const root = ensureLayer();
    if (!rec.badge) {
      const box = document.createElement("div");
      box.className = "frame";
      const badge = document.createElement("div");
      badge.setAttribute("role", "button");
      // The page must not see presses on the badge as presses on its image (a reader turning
      // the page on click, say).
      for (const type of ["pointerdown", "mousedown", "pointerup", "mouseup"]) {
        badge.addEventListener(type, stop);
      }
      badge.addEventListener("click", itp.util.safe((e) => {
        stop(e);
        onClick(rec);
      }));
      box.append(badge);
      Object.assign(rec, { badge, frame: box });
      root.append(box);
      shown.add(rec);
      placeOne(rec, origin());
    }
    const [text, title] = label(rec);
    rec.badge.className = `badge ${rec.state}`;
    rec.badge.textContent = text;
    rec.badge.title = title;
  }

  function remove(rec) {
    rec.frame?.remove();
    rec.badge = null;
    rec.frame = null;
    shown.delete(rec);
  }

  /**
   * Where the image can be seen (viewport coordinates): its box, cut by the boxes around it
   * that clip (a reader scrolling inside a box of its own); and whether it sits in a fixed
   * box (which stays put when the page scrolls).
   */
  function geometry(el) {
    const r = el.getBoundingClientRect();
    const seen = { left: r.left, top: r.top, right: r.right, bottom: r.bottom };
    let fixed = getComputedStyle(el).position === "fixed";
    for (let node = el.parentElement; node && node !== document.body
         && node !== document.documentElement; node = node.parentElement) {
      const cs = getComputedStyle(node);
      if (cs.position === "fixed") fixed = true;
      if (cs.overflowX === "visible" && cs.overflowY === "visible") continue;
      const clip = node.getBoundingClientRect();
      seen.left = Math.max(seen.left, clip.left);
      seen.top = Math.max(seen.top, clip.top);
      seen.right = Math.min(seen.right, clip.right);
      seen.bottom = Math.min(seen.bottom, clip.bottom);
    }
    return { seen, fixed };
  }

  const origin = () => host.getBoundingClientRect();

  function placeOne(rec, at) {
    const box = rec.frame;
    const { seen, fixed } = geometry(rec.el);
    const width = seen.right - seen.left;
    const height = seen.bottom - seen.top;
    box.hidden = !rec.el.isConnected || width <= 0 || height <= 0;
    if (box.hidden) return;
    box.classList.toggle("fixed", fixed);
    const left = fixed ? seen.left : seen.left - at.left;
    const top = fixed ? seen.top : seen.top - at.top;
    Object.assign(box.style, {
      left: `${left}px`, top: `${top}px`, width: `${width}px`, height: `${height}px`,
    });
  }

  /** Puts every frame where its image is now. */
  function place() {
    if (!host?.isConnected) return;
    const at = origin();
    for (const rec of shown) placeOne(rec, at);
  }

  /** Hides all badges (while the screen is read for a capture), or shows them again. */
  function hideAll(hidden) {
    ensureLayer();
    host.style.setProperty("visibility", hidden ? "hidden" : "visible", "important");
  }

  function init(clickHandler) {
    onClick = clickHandler;
    const opts = { capture: true, passive: true };
    // The page's own scrolling moves the frames with it; boxes that scroll inside it do not.
    document.addEventListener("scroll", (e) => {
      if (e.target !== document) itp.observe.layoutChanged();
    }, opts);
    window.addEventListener("resize", () => itp.observe.layoutChanged(), opts);
  }

  itp.badges = { init, update, remove, place, hideAll };
})();

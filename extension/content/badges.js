// One small badge per image, in an overlay of our own: a fixed, click-through layer in a closed
// shadow root, so page styles cannot reach it and it never takes part in the page's layout.
(() => {
  const itp = globalThis.__itp;
  if (itp.badges) return;

  const STYLE = `
    :host { all: initial; }
    .badge {
      position: absolute; box-sizing: border-box; max-width: 320px; padding: 3px 8px;
      border: 0; border-radius: 10px; font: 600 11px/16px system-ui, sans-serif;
      color: #fff; background: rgba(30, 41, 59, 0.82); box-shadow: 0 1px 3px rgba(0,0,0,.35);
      pointer-events: auto; cursor: default; white-space: nowrap; overflow: hidden;
      text-overflow: ellipsis; transition: opacity .2s;
    }
    .badge[hidden] { display: none; }
    .done, .original { cursor: pointer; opacity: .55; }
    .done:hover, .original:hover { opacity: 1; }
    .done { background: rgba(22, 101, 52, 0.85); }
    .original { background: rgba(71, 85, 105, 0.85); }
    .error { background: rgba(185, 28, 28, 0.9); cursor: help; white-space: normal; }
  `;
  const MARGIN = 6;
  const BADGE_HEIGHT = 22;

  let layer = null;
  let host = null;
  let onClick = () => {};
  let frame = 0;
  const shown = new Set();

  function ensureLayer() {
    if (host?.isConnected) return layer;
    host = document.createElement("div");
    host.setAttribute("data-itp-overlay", "");
    host.setAttribute(
      "style",
      "all: initial !important; position: fixed !important; inset: 0 !important;" +
        " pointer-events: none !important; z-index: 2147483647 !important;" +
        " display: block !important;",
    );
    layer = host.attachShadow({ mode: "closed" });
    const style = document.createElement("style");
    style.textContent = STYLE;
    layer.append(style);
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
      case "working": return [`itp · ${rec.stage || "working"}`, `itp is at stage: ${rec.stage}`];
      case "done": return ["itp ✓", "Translated by itp. Click to show the original."];
      case "original": return ["itp ↺", "Showing the original. Click to show the translation."];
      case "error": {
        const text = rec.error || "failed";
        return [`itp ⚠ ${text}`, `itp could not translate this image: ${text}`];
      }
      default: return ["itp", ""];
    }
  }

  function update(rec) {
    const root = ensureLayer();
    if (!rec.badge) {
      const badge = document.createElement("div");
      badge.setAttribute("role", "button");
      badge.addEventListener("click", itp.util.safe((e) => {
        e.stopPropagation();
        e.preventDefault();
        onClick(rec);
      }));
      rec.badge = badge;
      root.append(badge);
      shown.add(rec);
    }
    const [text, title] = label(rec);
    rec.badge.className = `badge ${rec.state}`;
    rec.badge.textContent = text;
    rec.badge.title = title;
    schedule();
  }

  function remove(rec) {
    rec.badge?.remove();
    rec.badge = null;
    shown.delete(rec);
  }

  /** Keeps each badge at its image's top right, and on screen while any of the image is. */
  function place() {
    frame = 0;
    const width = document.documentElement.clientWidth;
    const height = window.innerHeight;
    for (const rec of shown) {
      const r = rec.el.getBoundingClientRect();
      const visible = rec.el.isConnected && r.width > 0 && r.bottom > 0 && r.top < height;
      rec.badge.hidden = !visible;
      if (!visible) continue;
      const top = Math.max(r.top + MARGIN, Math.min(MARGIN, r.bottom - BADGE_HEIGHT - MARGIN));
      rec.badge.style.top = `${Math.round(top)}px`;
      rec.badge.style.right = `${Math.round(Math.max(0, width - r.right) + MARGIN)}px`;
    }
  }

  function schedule() {
    if (!frame) frame = requestAnimationFrame(itp.util.safe(place));
  }

  function init(clickHandler) {
    onClick = clickHandler;
    const opts = { capture: true, passive: true };
    window.addEventListener("scroll", schedule, opts);
    window.addEventListener("resize", schedule, opts);
  }

  itp.badges = { init, update, remove, schedule };
})();

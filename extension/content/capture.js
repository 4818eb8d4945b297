// Reading a picture from the screen, the last resort (a canvas drawn from another site's
// images; an image on a host the extension may not fetch). The background worker captures the
// visible tab; this side decides when, and crops and stitches:
// - only when the whole width of the element is in view, and only rows where nothing of the
//   page's content covers it (hit-tested); our badges, and the page's fixed or sticky boxes
//   over it (a reader's toolbar), are hidden for the two frames painted before the capture;
// - an element taller than the window is read in bands as the reader scrolls past it, each
//   band pasted at its place, until all of it has been seen;
// - a band whose element moved between the checks and the capture is thrown away.
// Nothing is scrolled on the reader's behalf: a picture is read when the reader looks at it.
(() => {
  const itp = globalThis.__itp;
  if (itp.capture) return;
  const { safe, send, frames, base64ToBytes, blobToBase64 } = itp.util;

  const MIN_BAND = 24;
  const MAX_TRIES = 40;
  const pending = new Map();
  let busy = false;
  // A look asked for while a capture was under way (the reader scrolled meanwhile): taken as
  // soon as that capture is over, or the scroll would be lost.
  let missed = false;
  let frame = 0;
  let listening = false;

  class CaptureError extends Error {
    constructor(message, code) {
      super(message);
      this.code = code;
    }
  }
  // Worth another try at the next scroll, resize or visibility change.
  const TRANSIENT = new Set(["moved", "not_visible"]);

  const schedule = () => {
    if (!frame) frame = requestAnimationFrame(safe(tick));
  };

  // Layout changes that bring an element into view without a scroll (a page flip) count too.
  const views = new IntersectionObserver(safe(schedule), { threshold: [0, 0.25, 0.5, 0.75, 1] });

  function listen() {
    if (listening) return;
    listening = true;
    const opts = { capture: true, passive: true };
    document.addEventListener("scroll", schedule, opts);
    window.addEventListener("resize", schedule, opts);
    document.addEventListener("visibilitychange", schedule);
  }

  function fresh(job) {
    Object.assign(job, { bands: [], canvas: null, scale: 0, width: 0, height: 0 });
  }

  /**
   * How much of the element has been read, 0 to 1, on the element as data-itp-screen (and
   * in its badge): the reader sees what is left to scroll past.
   */
  function progress(rec, job) {
    let read = 0;
    const sorted = [...job.bands].sort((a, b) => a[0] - b[0]);
    let reach = 0;
    for (const [a, b] of sorted) {
      read += Math.max(0, b - Math.max(a, reach));
      reach = Math.max(reach, b);
    }
    const fraction = job.height ? Math.min(1, read / job.height) : 0;
    rec.el.setAttribute("data-itp-screen", fraction >= 0.999 ? "1" : fraction.toFixed(2));
    itp.badges.update(rec);
  }

  /** Resolves with {b64, type} once all of `rec.el` has been read from the screen. */
  function request(rec) {
    listen();
    cancel(rec);
    return new Promise((resolve, reject) => {
      const job = { resolve, reject, tries: 0 };
      fresh(job);
      pending.set(rec, job);
      progress(rec, job);
      views.observe(rec.el);
      schedule();
    });
  }

  function settle(rec) {
    pending.delete(rec);
    views.unobserve(rec.el);
  }

  function cancel(rec) {
    const job = pending.get(rec);
    if (!job) return;
    settle(rec);
    job.reject(new CaptureError("no longer needed", "cancelled"));
  }

  const covered = (bands, y0, y1) => bands.some(([a, b]) => a <= y0 + 0.5 && b >= y1 - 0.5);

  function complete(job) {
    const sorted = [...job.bands].sort((a, b) => a[0] - b[0]);
    let reach = 0;
    for (const [a, b] of sorted) {
      if (a > reach + 0.5) return false;
      reach = Math.max(reach, b);
    }
    return reach >= job.height - 0.5;
  }

  // Rows of the element are hit-tested this far apart, at four points across.
  const ROW_STEP = 24;

  /** The fixed or sticky box `node` is part of (a toolbar, a header), or null. */
  function floating(node) {
    for (let n = node; n && n !== document.body && n !== document.documentElement;
         n = n.parentElement) {
      const position = getComputedStyle(n).position;
      if (position === "fixed" || position === "sticky") return n;
    }
    return null;
  }

  /**
   * Whether the page shows `el` itself at (x, y). A fixed or sticky box of the page's on top (a
   * reader's toolbar, which stays over every page however far one scrolls) counts as clear:
   * it is added to `covers`, to be hidden for the capture like our own badges.
   */
  function shows(el, x, y, covers) {
    const hit = document.elementFromPoint(x, y);
    if (!hit) return false;
    if (hit === el || el.contains(hit) || hit.closest("[data-itp-overlay]")) return true;
    const box = floating(hit);
    if (!box || box.contains(el)) return false;
    covers.add(box);
    return true;
  }

  /**
   * The runs of rows between `top` and `bottom` (viewport coordinates) where nothing of the
   * page's content covers the element. A run that reaches the first or last row sampled
   * reaches that edge.
   */
  function clearRuns(el, left, right, top, bottom, covers) {
    const xs = [0.02, 0.35, 0.65, 0.98].map((f) => left + f * (right - left));
    const ys = [];
    for (let y = top + 1; y < bottom - 1; y += ROW_STEP) ys.push(y);
    ys.push(bottom - 1);
    const runs = [];
    let start = null;
    let last = null;
    for (const y of ys) {
      if (xs.every((x) => shows(el, x, y, covers))) {
        start ??= y;
        last = y;
      } else if (start !== null) {
        runs.push([start, last]);
        start = null;
      }
    }
    if (start !== null) runs.push([start, last]);
    return runs.map(([a, b]) => [a === ys[0] ? top : a, b === ys.at(-1) ? bottom : b]);
  }

  /** The part of the element to read now, or null when there is none (yet). */
  function bandOf(el, job) {
    const r = el.getBoundingClientRect();
    const vw = document.documentElement.clientWidth;
    const vh = document.documentElement.clientHeight;
    if (r.width < 2 || r.height < 2) return null;
    if (r.width > vw + 0.5) throw new CaptureError("it is wider than the window", "too_wide");
    if (r.left < -0.5 || r.right > vw + 0.5) return null;
    const resized = Math.abs(job.width - r.width) > 0.5 || Math.abs(job.height - r.height) > 0.5;
    if (job.width && resized) {
      fresh(job);
    }
    const visibleTop = Math.max(0, r.top);
    const visibleBottom = Math.min(vh, r.bottom);
    if (visibleBottom - visibleTop < Math.min(MIN_BAND, r.height)) return null;
    // The longest clear run not read yet.
    const covers = new Set();
    const runs = clearRuns(el, r.left, r.right, visibleTop, visibleBottom, covers)
      .filter(([a, b]) => b - a >= Math.min(MIN_BAND, r.height))
      .filter(([a, b]) => !covered(job.bands, a - r.top, b - r.top))
      .sort((p, q) => (q[1] - q[0]) - (p[1] - p[0]));
    if (runs.length === 0) return null;
    const [top, bottom] = runs[0];
    return {
      rect: { x: r.left, y: top, width: r.width, height: bottom - top },
      y0: top - r.top, y1: bottom - r.top, top: r.top, width: r.width, height: r.height, covers,
    };
  }

  const same = (a, b) => ["x", "y", "width", "height"].every((k) => Math.abs(a[k] - b[k]) <= 0.5);

  /** Hides the page's boxes over the element for the capture; returns what puts them back. */
  function hide(boxes) {
    const saved = [...boxes].map((box) => [box, box.style.getPropertyValue("visibility"),
      box.style.getPropertyPriority("visibility")]);
    for (const [box] of saved) box.style.setProperty("visibility", "hidden", "important");
    return () => {
      for (const [box, value, priority] of saved) {
        if (value) box.style.setProperty("visibility", value, priority);
        else box.style.removeProperty("visibility");
      }
    };
  }

  async function shoot(rec, job, band) {
    itp.badges.hideAll(true);
    const restore = hide(band.covers);
    let reply;
    try {
      await frames(2);
      const again = bandOf(rec.el, job);
      if (!again || !same(again.rect, band.rect)) throw new CaptureError("it moved", "moved");
      reply = await send({
        kind: "itp-capture", rect: band.rect,
        viewport: { width: window.innerWidth, height: window.innerHeight },
      });
      if (Math.abs(rec.el.getBoundingClientRect().top - band.top) > 0.5) {
        throw new CaptureError("it moved", "moved");
      }
    } finally {
      restore();
      itp.badges.hideAll(false);
    }
    if (!reply.ok) throw new CaptureError(reply.error, reply.code || "failed");
    return reply;
  }

  async function paste(rec, job, band, reply) {
    if (!job.canvas) {
      Object.assign(job, { scale: reply.scale, width: band.width, height: band.height });
      job.canvas = document.createElement("canvas");
      job.canvas.width = Math.round(band.width * reply.scale);
      job.canvas.height = Math.round(band.height * reply.scale);
    } else if (Math.abs(reply.scale - job.scale) > 0.01) {
      // The page was zoomed between two bands: start over at the new scale.
      fresh(job);
      return;
    }
    const bytes = base64ToBytes(reply.b64);
    const bitmap = await createImageBitmap(new Blob([bytes], { type: "image/png" }));
    job.canvas.getContext("2d").drawImage(bitmap, 0, Math.round(band.y0 * job.scale));
    bitmap.close();
    job.bands.push([band.y0, band.y1]);
    progress(rec, job);
  }

  function encode(canvas) {
    return new Promise((resolve, reject) => {
      const done = (blob) => (blob ? resolve(blob) : reject(new Error("empty capture")));
      canvas.toBlob(done, "image/png");
    });
  }

  async function step(rec, job) {
    const band = bandOf(rec.el, job);
    if (!band) return false;
    job.tries += 1;
    if (job.tries > MAX_TRIES) throw new CaptureError("it keeps moving on screen", "unstable");
    const reply = await shoot(rec, job, band);
    await paste(rec, job, band, reply);
    if (complete(job)) {
      settle(rec);
      job.resolve({ b64: await blobToBase64(await encode(job.canvas)), type: "image/png" });
    }
    return true;
  }

  async function tick() {
    frame = 0;
    if (busy) {
      missed = true;
      return;
    }
    if (document.visibilityState !== "visible") return;
    for (const [rec, job] of pending) {
      if (!itp.records.current(rec) || !rec.el.isConnected) {
        cancel(rec);
        continue;
      }
      busy = true;
      let again = false;
      try {
        again = await step(rec, job);
      } catch (err) {
        if (!TRANSIENT.has(err.code)) {
          settle(rec);
          job.reject(err);
          again = true;
        }
      } finally {
        busy = false;
      }
      if (again || missed) {
        missed = false;
        schedule();
        return;
      }
    }
  }

  itp.capture = { request, cancel };
})();

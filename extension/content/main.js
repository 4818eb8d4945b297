// The page side of "Translate this page": starts the flow (flow.js), answers the background
// worker and the popup, and keeps translations in place while the page changes under them.
(() => {
  const itp = globalThis.__itp;
  if (itp.controller) return;
  const { ext, safe, send } = itp.util;
  const { records, discover, swap, badges, observe, flow, pixels } = itp;
  const { state } = flow;

  let started = false;

  function toggleOne(rec) {
    if (rec.state === "done") {
      swap.showOriginal(rec);
      records.setState(rec, "original");
    } else if (rec.state === "original") {
      swap.showTranslation(rec);
      records.setState(rec, "done");
    }
  }

  function toggleAll() {
    const translated = records.all().filter((rec) => rec.state === "done");
    state.showOriginals = translated.length > 0;
    for (const rec of records.all()) {
      if (rec.state === (state.showOriginals ? "done" : "original")) toggleOne(rec);
    }
    return state.showOriginals ? "original" : "translated";
  }

  /** The image is looked at afresh: a new record, a new job. */
  function retry(rec) {
    const el = rec.el;
    flow.leave([rec]);
    flow.rescan([el]);
  }

  function onBadgeClick(rec) {
    if (rec.state === "error") retry(rec);
    else toggleOne(rec);
  }

  // A page that keeps putting its picture back over ours (more than a lazy loader's one or
  // two times) is left to it: fighting it would flicker forever.
  const MAX_FIGHTS = 8;

  function reassert(rec) {
    rec.fights += 1;
    if (rec.fights > MAX_FIGHTS) {
      swap.showOriginal(rec);
      records.setState(rec, "error", { error: "the page keeps replacing the translation" });
      return;
    }
    swap.showTranslation(rec);
  }

  /** Whether the page's new `src` is another picture (not a lazy loader's placeholder swap). */
  function isNewPicture(rec, src) {
    if (rec.upload) return src !== rec.src;
    const url = discover.absolute(src ?? "");
    if (!url) return false;
    return url !== rec.url && discover.lazyUrl(rec.el) !== rec.url;
  }

  /** The page changed an image we know about: a lazy loader (keep ours), or a new picture. */
  function mutated(rec) {
    if (rec.kind === "canvas") {
      canvasDrawn(rec);
      return;
    }
    if (rec.kind === "img") {
      const src = rec.el.getAttribute("src");
      const ours = src === rec.blobUrl || src === rec.dataUrl;
      if (!ours && src !== rec.pageSrc) {
        rec.pageSrc = src;
        if (isNewPicture(rec, src)) {
          retry(rec);
          return;
        }
      }
    }
    if (rec.state === "done" && !swap.showingTranslation(rec)) reassert(rec);
  }

  // A canvas that changes this often is an animation, not a page.
  const MAX_REDRAWS = 6;
  const redraws = new WeakMap();

  /**
   * The page drew on a canvas we know. The same picture drawn again keeps its translation;
   * another picture drops it (and what was sent for it), and the canvas is read again once
   * the drawing settles.
   */
  function canvasDrawn(rec) {
    if (rec.state === "found" || rec.state === "sending") return;
    if (rec.fingerprint && pixels.fingerprint(rec.el) === rec.fingerprint) return;
    const canvas = rec.el;
    const count = (redraws.get(canvas) ?? 0) + 1;
    redraws.set(canvas, count);
    flow.leave([rec]);
    if (count > MAX_REDRAWS) discover.restless.add(canvas);
    else observe.markDirty(canvas);
  }

  // While images are on their way, a message now and then wakes a background worker the
  // browser stopped, which then reconnects and resumes the jobs (its alarm would, later).
  const HEARTBEAT_MS = 10_000;

  function heartbeat() {
    const waiting = records.all().some((rec) => rec.jobId && !records.isTerminal(rec));
    if (waiting) send({ kind: "itp-alive" });
  }

  function start(size) {
    state.minSize = Number.isFinite(size) ? size : state.minSize;
    if (!started) {
      started = true;
      badges.init(safe(onBadgeClick));
      itp.swap.onShowFailed(flow.showFailed);
      observe.start({ rescan: safe(flow.rescan), mutated: safe(mutated) });
      window.addEventListener("pagehide", () => send({ kind: "itp-cancel" }));
      setInterval(safe(heartbeat), HEARTBEAT_MS);
      // Back from the back/forward cache: the jobs were cancelled on the way out.
      window.addEventListener("pageshow", safe((e) => {
        if (!e.persisted) return;
        records.all().filter((rec) => !records.isTerminal(rec)).forEach((rec) => flow.forget(rec));
        flow.rescan([document.documentElement]);
      }));
    }
    // Asked again: failed images get another try (and those waiting to be read from the
    // screen: access may have been granted meanwhile), and anything new is picked up.
    const again = records.all().filter((rec) => rec.state === "error"
      || (rec.state === "working" && rec.stage === "screen"));
    if (again.length) flow.leave(again);
    if (state.showOriginals) toggleAll();
    flow.rescan([document.documentElement]);
  }

  function status() {
    const all = records.all();
    const count = (s) => all.filter((rec) => rec.state === s).length;
    const failures = all.filter((rec) => rec.state === "error");
    const hosts = new Map();
    for (const rec of failures) {
      if (rec.code === "needs_access" && rec.origin) {
        hosts.set(rec.origin, (hosts.get(rec.origin) ?? 0) + 1);
      }
    }
    return {
      started,
      total: all.length,
      done: count("done") + count("original"),
      errors: failures.length,
      skipped: [...state.rejected].filter((el) => el.isConnected && !records.has(el)).length,
      showing: state.showOriginals ? "original" : "translated",
      failures: failures.map((rec) => ({ url: rec.url, error: rec.error, code: rec.code })),
      // Hosts the reader could allow, and images only the screen could give (toolbar button).
      needs: [...hosts].map(([origin, images]) => ({ origin, images })),
      screen: failures.filter((rec) => rec.code === "needs_access" && !rec.origin).length,
    };
  }

  /** Bytes of an image as this page may fetch it, for the worker's fallback. */
  async function fetchBytes(url) {
    if (!records.all().some((rec) => rec.url === url)) throw new Error("not an image of this page");
    return pixels.fetchAsPage(url);
  }

  ext.runtime.onMessage.addListener((msg, sender, reply) => {
    try {
      switch (msg?.kind) {
        case "itp-start": start(msg.minSize); reply({ ok: true }); return false;
        case "itp-event": flow.onEvent(msg.event); reply({ ok: true }); return false;
        case "itp-toggle": reply({ ok: true, showing: toggleAll() }); return false;
        case "itp-status": reply({ ok: true, ...status() }); return false;
        case "itp-fetch-bytes":
          fetchBytes(msg.url).then(
            (got) => reply({ ok: true, ...got }),
            (err) => reply({ ok: false, error: String(err?.message ?? err) }),
          );
          return true;
        default: return false;
      }
    } catch (err) {
      itp.util.report(err);
      return false;
    }
  });

  itp.controller = { start, toggleAll, status };
})();

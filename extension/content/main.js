// The page side of "Translate this page": find the images, send them as one job through the
// background worker, show each image's progress, and swap in each result as it arrives.
(() => {
  const itp = globalThis.__itp;
  if (itp.controller) return;
  const { ext, safe, send } = itp.util;
  const { records, discover, swap, badges, observe, results } = itp;

  let minSize = 150;
  let started = false;
  let showOriginals = false;
  let early = [];

  function rescan(roots) {
    // Readers that swap chapters in place (history.pushState) leave old images detached.
    records.all().filter((rec) => !rec.el.isConnected)
      .forEach((rec) => forget(rec, { restore: false }));
    const found = [];
    for (const root of roots) {
      const { found: more, small } = discover.scan(root, minSize, records.has);
      found.push(...more);
      small.forEach(observe.watchSize);
    }
    const fresh = [];
    for (const item of found) {
      if (records.has(item.el)) continue;
      const rec = records.add(item);
      observe.track(rec);
      fresh.push(rec);
    }
    if (fresh.length) submit(fresh);
  }

  // Jobs stay well under the server's per-job cap, and the first batch (what the reader sees)
  // starts while the rest are still being sent.
  const BATCH = 200;

  function submit(recs) {
    const ordered = discover.readingOrder(recs);
    const urls = [...new Set(ordered.map((rec) => rec.url))];
    ordered.forEach((rec) => records.setState(rec, "sending"));
    for (let i = 0; i < urls.length; i += BATCH) {
      const batch = urls.slice(i, i + BATCH);
      const members = new Set(batch);
      submitBatch(batch, ordered.filter((rec) => members.has(rec.url))).catch(itp.util.report);
    }
  }

  async function submitBatch(urls, recs) {
    const reply = await send({ kind: "itp-submit", pageUrl: location.href, urls });
    if (!reply.ok) {
      recs.forEach((rec) => records.setState(rec, "error", { error: reply.error }));
      return;
    }
    const idByUrl = new Map();
    reply.images.forEach((image, i) => idByUrl.set(image.url ?? urls[i], image.image_id));
    urls.forEach((url, i) => idByUrl.has(url) || idByUrl.set(url, reply.images[i]?.image_id));
    for (const rec of recs) {
      rec.jobId = reply.job_id;
      // Events may have come first (matched by URL): keep the state they set.
      rec.imageId = idByUrl.get(rec.url) ?? null;
      if (rec.state === "sending") records.setState(rec, "queued");
    }
    const mine = early.filter((event) => event.job_id === reply.job_id);
    early = early.filter((event) => event.job_id !== reply.job_id);
    mine.forEach(onEvent);
    observe.sendPriority();
  }

  function onEvent(event) {
    if (event.type === "alias") {
      for (const rec of records.all()) {
        if (rec.imageId === event.previous) rec.imageId = event.image_id;
      }
      return;
    }
    if (event.type === "error" && !event.image_id) {
      // The whole job failed: every image still waiting in it shows why.
      for (const rec of records.all()) {
        if (rec.jobId === event.job_id && !records.isTerminal(rec)) fail(rec, event);
      }
      return;
    }
    const recs = records.matching(event);
    if (!recs.length && !records.all().some((rec) => rec.jobId === event.job_id)) {
      // The worker may pass on events before the answer to our submit: keep them until then.
      if (early.length < 5000) early.push(event);
      return;
    }
    for (const rec of recs) {
      if (!rec.imageId && event.image_id) rec.imageId = event.image_id;
      if (event.type === "done") finish(rec, event).catch(itp.util.report);
      else if (records.isTerminal(rec)) continue;
      else if (event.type === "error") fail(rec, event);
      else if (event.type === "queued") {
        records.setState(rec, "queued", { position: event.position });
      } else if (event.type === "progress") {
        records.setState(rec, "working", { stage: event.stage ?? "" });
      }
    }
  }

  function fail(rec, event) {
    const reason = [event.code, event.message].filter(Boolean).join(": ");
    records.setState(rec, "error", { error: reason || "failed" });
  }

  async function finish(rec, event) {
    if (rec.blobUrl) return;
    const resultUrl = event.result_url ?? `v1/results/${encodeURIComponent(event.image_id)}`;
    try {
      const result = await results.get(event.image_id ?? rec.imageId, resultUrl);
      Object.assign(rec, { blob: result.blob, blobUrl: result.url, shownUrl: result.url });
    } catch (err) {
      records.setState(rec, "error", { error: `result: ${err.message}` });
      return;
    }
    if (!rec.el.isConnected || records.get(rec.el) !== rec) return;
    if (showOriginals) {
      records.setState(rec, "original");
    } else {
      swap.showTranslation(rec);
      records.setState(rec, "done");
    }
  }

  /**
   * The browser would not show the blob: URL (a page CSP that applies to us after all): a
   * data: URL is often allowed where blob: is not. Failing that, the original stays.
   */
  async function showFailed(rec) {
    if (rec.shownUrl === rec.blobUrl && rec.blob) {
      rec.dataUrl = await results.dataUrl(rec.blob);
      rec.shownUrl = rec.dataUrl;
      if (rec.state === "done") swap.showTranslation(rec);
      return;
    }
    swap.showOriginal(rec);
    records.setState(rec, "error", { error: "this page's security policy blocks the translation" });
  }

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
    showOriginals = translated.length > 0;
    for (const rec of records.all()) {
      if (rec.state === (showOriginals ? "done" : "original")) toggleOne(rec);
    }
    return showOriginals ? "original" : "translated";
  }

  /** The page changed an image we know about: a lazy loader (keep ours), or a new picture. */
  function mutated(rec) {
    if (rec.kind === "img") {
      const src = rec.el.getAttribute("src");
      if (src === rec.blobUrl || src === rec.dataUrl || src === rec.pageSrc) return;
      rec.pageSrc = src;
      const srcUrl = discover.absolute(src ?? "");
      if (srcUrl && srcUrl !== rec.url && discover.lazyUrl(rec.el) !== rec.url) {
        replaced(rec);
      } else if (rec.state === "done") {
        swap.showTranslation(rec);
      }
      return;
    }
    if (rec.state === "done" && !swap.showingTranslation(rec)) swap.showTranslation(rec);
  }

  function replaced(rec) {
    forget(rec, { restore: false });
    rescan([rec.el]);
  }

  function forget(rec, options) {
    observe.untrack(rec);
    records.drop(rec, options);
    results.release(rec);
  }

  // While images are on their way, a message now and then wakes a background worker the
  // browser stopped, which then reconnects and resumes the jobs (its alarm would, later).
  const HEARTBEAT_MS = 10_000;

  function heartbeat() {
    const waiting = records.all().some((rec) => rec.jobId && !records.isTerminal(rec));
    if (waiting) send({ kind: "itp-alive" });
  }

  function start(size) {
    minSize = Number.isFinite(size) ? size : minSize;
    if (!started) {
      started = true;
      badges.init(safe(toggleOne));
      swap.onShowFailed(safe(showFailed));
      observe.start({ rescan: safe(rescan), mutated: safe(mutated) });
      window.addEventListener("pagehide", () => send({ kind: "itp-cancel" }));
      setInterval(safe(heartbeat), HEARTBEAT_MS);
      // Back from the back/forward cache: the jobs were cancelled on the way out.
      window.addEventListener("pageshow", safe((e) => {
        if (!e.persisted) return;
        records.all().filter((rec) => !records.isTerminal(rec)).forEach((rec) => forget(rec));
        rescan([document.documentElement]);
      }));
    }
    // Asked again: failed images get another try, and anything new is picked up.
    const failed = records.all().filter((rec) => rec.state === "error");
    failed.forEach((rec) => forget(rec));
    if (showOriginals) toggleAll();
    rescan([document.documentElement]);
  }

  /** Bytes of an image as this page may fetch it: its cookies, its URL as the referrer. */
  async function fetchBytes(url) {
    if (!records.all().some((rec) => rec.url === url)) throw new Error("not an image of this page");
    const response = await fetch(url, { credentials: "include", cache: "force-cache" });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const bytes = await response.arrayBuffer();
    return { b64: itp.util.bytesToBase64(bytes), type: response.headers.get("Content-Type") ?? "" };
  }

  function status() {
    const all = records.all();
    const count = (state) => all.filter((rec) => rec.state === state).length;
    return {
      started,
      total: all.length,
      done: count("done") + count("original"),
      errors: count("error"),
      showing: showOriginals ? "original" : "translated",
      failures: all.filter((rec) => rec.state === "error")
        .map((rec) => ({ url: rec.url, error: rec.error })),
    };
  }

  ext.runtime.onMessage.addListener((msg, sender, reply) => {
    try {
      switch (msg?.kind) {
        case "itp-start": start(msg.minSize); reply({ ok: true }); return false;
        case "itp-event": onEvent(msg.event); reply({ ok: true }); return false;
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

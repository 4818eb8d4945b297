// Images through the server: found on the page, sent as one job through the background worker,
// followed by the server's events, and swapped for their translation as each one finishes.
(() => {
  const itp = globalThis.__itp;
  if (itp.flow) return;
  const { safe, send, report } = itp.util;
  const { records, discover, select, swap, observe, results, uploads } = itp;

  // `rejected`: pictures found but not taken for the comic (ads, thumbnails), for the popup.
  const state = { minSize: 150, showOriginals: false, rejected: new Set() };
  let early = [];

  /** Forgets a record: its badge, its capture, its translation's memory. */
  function forget(rec, options) {
    itp.capture.cancel(rec);
    observe.untrack(rec);
    records.drop(rec, options);
    results.release(rec);
  }

  /** Records whose images left the page (a chapter switch): forgotten, their work cancelled. */
  function leave(recs) {
    const waiting = recs.filter((rec) => rec.imageId && !records.isTerminal(rec))
      .map((rec) => rec.imageId);
    recs.forEach((rec) => forget(rec, { restore: false }));
    if (waiting.length) send({ kind: "itp-forget", image_ids: waiting });
  }

  function rescan(roots) {
    // Readers that swap chapters in place (history.pushState) leave old images detached.
    leave(records.all().filter((rec) => !rec.el.isConnected));
    const found = [];
    const seen = new Set();
    for (const root of roots) {
      const { found: more, small } = discover.scan(root, state.minSize, records.has);
      for (const item of more) {
        if (!seen.has(item.el)) found.push(item);
        seen.add(item.el);
      }
      small.forEach(observe.watchSize);
    }
    const accepted = records.all().map((rec) => rec.el);
    const { comic, rest } = select.comic(found, accepted);
    // Ads and thumbnails are looked at again should they grow.
    rest.forEach((item) => {
      observe.watchSize(item.el);
      state.rejected.add(item.el);
    });
    comic.forEach((item) => state.rejected.delete(item.el));
    const fresh = comic.map((item) => {
      const rec = records.add(item);
      observe.track(rec);
      return rec;
    });
    if (fresh.length) submit(fresh);
  }

  // Jobs stay well under the server's per-job cap, and the first batch (what the reader sees)
  // starts while the rest are still being sent.
  const BATCH = 200;

  function submit(recs) {
    const ordered = discover.readingOrder(recs);
    const items = [];
    const byUrl = new Set();
    for (const rec of ordered) {
      records.setState(rec, "sending");
      if (byUrl.has(rec.url)) continue;
      byUrl.add(rec.url);
      items.push({ url: rec.url, upload: rec.upload });
    }
    for (let i = 0; i < items.length; i += BATCH) {
      const batch = items.slice(i, i + BATCH);
      const members = new Set(batch.map((item) => item.url));
      submitBatch(batch, ordered.filter((rec) => members.has(rec.url))).catch(report);
    }
  }

  async function submitBatch(items, recs) {
    const reply = await send({ kind: "itp-submit", pageUrl: location.href, images: items });
    if (!reply.ok) {
      recs.forEach((rec) => records.setState(rec, "error", { error: reply.error }));
      return;
    }
    const idByUrl = new Map();
    reply.images.forEach((image, i) => idByUrl.set(image.url ?? items[i].url, image.image_id));
    for (const rec of recs) {
      if (!records.current(rec)) continue;
      rec.jobId = reply.job_id;
      // Events may have come first (matched by URL): keep the state they set.
      rec.imageId = idByUrl.get(rec.url) ?? null;
      if (rec.state !== "sending") continue;
      if (rec.upload) uploads.readAndSend(rec);
      else records.setState(rec, "queued");
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
      if (event.type === "done") finish(rec, event).catch(report);
      else if (records.isTerminal(rec)) continue;
      else if (event.type === "read-from-screen") uploads.fromScreen(rec, event.origin);
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
    records.setState(rec, "error", { error: reason || "failed", code: event.code ?? "" });
  }

  async function finish(rec, event) {
    if (rec.blobUrl) return;
    const resultUrl = event.result_url ?? `v1/results/${encodeURIComponent(event.image_id)}`;
    let result;
    try {
      result = await results.get(event.image_id ?? rec.imageId, resultUrl);
    } catch (err) {
      records.setState(rec, "error", { error: `result: ${err.message}` });
      return;
    }
    if (!rec.el.isConnected || !records.current(rec)) {
      // Gone meanwhile: the blob: URL made for it must not outlive it.
      results.release({ ...rec, blobUrl: result.url });
      return;
    }
    Object.assign(rec, { blob: result.blob, blobUrl: result.url, shownUrl: result.url });
    if (state.showOriginals) {
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

  itp.flow = { state, rescan, forget, leave, onEvent, showFailed: safe(showFailed) };
})();

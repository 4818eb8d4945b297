// What we know about each image element: its URL, the server's id for it, and its state.
// States: found → sending → queued → working → done | error; done ⇄ original (toggle).
(() => {
  const itp = globalThis.__itp;
  if (itp.records) return;

  const TERMINAL = new Set(["done", "original", "error"]);
  const byEl = new Map();

  function add({ el, kind, url }) {
    const rec = {
      el, kind, url, state: "found", jobId: null, imageId: null, position: null, stage: "",
      error: "", blobUrl: "", badge: null,
      // The page's own src attribute, to tell its changes from ours.
      pageSrc: kind === "img" ? el.getAttribute("src") : null,
    };
    byEl.set(el, rec);
    return rec;
  }

  function drop(rec) {
    byEl.delete(rec.el);
    itp.badges.remove(rec);
    if (rec.el.isConnected) itp.swap.showOriginal(rec);
    rec.el.removeAttribute("data-itp-state");
    rec.el.removeAttribute("data-itp-image-id");
    const shared = all().some((other) => other.blobUrl === rec.blobUrl);
    if (rec.blobUrl && !shared) URL.revokeObjectURL(rec.blobUrl);
  }

  const all = () => [...byEl.values()];
  const get = (el) => byEl.get(el);
  const has = (el) => byEl.has(el);

  /** The records an event is about: by image id, or by URL before the id is known here. */
  function matching(event) {
    return all().filter((rec) =>
      event.image_id && rec.imageId
        ? rec.imageId === event.image_id
        : rec.jobId === event.job_id && rec.url === event.url);
  }

  /** Sets the state and shows it: on the badge, and as data-itp-state for scripts and tests. */
  function setState(rec, state, fields = {}) {
    Object.assign(rec, fields, { state });
    rec.el.setAttribute("data-itp-state", state);
    if (rec.imageId) rec.el.setAttribute("data-itp-image-id", rec.imageId);
    itp.badges.update(rec);
  }

  const isTerminal = (rec) => TERMINAL.has(rec.state);

  itp.records = { add, drop, all, get, has, matching, setState, isTerminal };
})();

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
      error: "", badge: null,
      // The translation: its bytes, their blob: URL, a data: URL made only when a page's CSP
      // refuses blob:, and whichever of the two is shown.
      blob: null, blobUrl: "", dataUrl: "", shownUrl: "",
      // The page's own src attribute, to tell its changes from ours.
      pageSrc: kind === "img" ? el.getAttribute("src") : null,
    };
    byEl.set(el, rec);
    return rec;
  }

  /** Forgets an element. `restore`: put its original back (else the page has set another). */
  function drop(rec, { restore = true } = {}) {
    byEl.delete(rec.el);
    itp.badges.remove(rec);
    if (restore) itp.swap.showOriginal(rec);
    else itp.swap.forget(rec);
    rec.el.removeAttribute("data-itp-state");
    rec.el.removeAttribute("data-itp-image-id");
  }

  /** Whether another element still shows this translation (its blob: URL must live on). */
  const shared = (rec) => all().some((other) => other !== rec && other.blobUrl === rec.blobUrl);

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

  itp.records = { add, drop, shared, all, get, has, matching, setState, isTerminal };
})();

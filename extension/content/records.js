// What we know about each image element: its URL, the server's id for it, and its state.
// States: found → sending → queued → working → done | error; done ⇄ original (toggle).
// `working` carries the stage: the server's (ocr, inpaint…), or ours: `read` (bytes read in the
// page), `screen` (waiting to be read from the screen), `upload`.
(() => {
  const itp = globalThis.__itp;
  if (itp.records) return;

  const TERMINAL = new Set(["done", "original", "error"]);
  const byEl = new Map();
  let counter = 0;

  /**
   * The name the server knows a page-made picture by (X-Image-Url): not a URL it could fetch,
   * unique within the page, and saying what and where it was.
   */
  function pageKey(kind) {
    counter += 1;
    return `itp-${kind}:${counter}@${location.href.split("#")[0].slice(0, 2000)}`;
  }

  function add({ el, kind, url, upload }) {
    let key = url;
    if (kind === "canvas") key = pageKey("canvas");
    else if (upload && /^data:/i.test(url)) key = pageKey("data");
    const rec = {
      el, kind, url: key, state: "found", jobId: null, imageId: null, position: null, stage: "",
      error: "", code: "", origin: "", badge: null, frame: null,
      // Bytes read in the page and uploaded (blob:, data:, canvas), not fetched by the server;
      // `src` is where they are read from.
      upload: Boolean(upload), src: url,
      // The translation: its bytes, their blob: URL, a data: URL made only when a page's CSP
      // refuses blob:, and whichever of the two is shown.
      blob: null, blobUrl: "", dataUrl: "", shownUrl: "",
      // The page's own src attribute, to tell its changes from ours; how often the page put
      // its picture back over the translation.
      pageSrc: kind === "img" ? el.getAttribute("src") : null, fights: 0,
      // Canvas: the overlay showing the translation, and a fingerprint of the pixels it covers.
      overlay: null, fingerprint: null,
    };
    byEl.set(el, rec);
    return rec;
  }

  /** Forgets an element. `restore`: put its original back (else the page has set another). */
  function drop(rec, { restore = true } = {}) {
    byEl.delete(rec.el);
    itp.badges.remove(rec);
    if (restore) itp.swap.showOriginal(rec);
    itp.swap.forget(rec);
    const ours = ["data-itp-state", "data-itp-image-id", "data-itp-stage", "data-itp-screen"];
    for (const name of ours) rec.el.removeAttribute(name);
  }

  /** Whether another element still shows this translation (its blob: URL must live on). */
  const shared = (rec) => all().some((other) => other !== rec && other.blobUrl === rec.blobUrl);

  const all = () => [...byEl.values()];
  const get = (el) => byEl.get(el);
  const has = (el) => byEl.has(el);
  const current = (rec) => byEl.get(rec.el) === rec;

  /** The records an event is about: by image id, or by URL before the id is known here. */
  function matching(event) {
    return all().filter((rec) =>
      event.image_id && rec.imageId
        ? rec.imageId === event.image_id
        : rec.jobId === event.job_id && rec.url === event.url);
  }

  /** Sets the state and shows it: on the badge, and as data-itp-* for scripts and tests. */
  function setState(rec, state, fields = {}) {
    Object.assign(rec, fields, { state });
    if (state !== "error") Object.assign(rec, { code: "", origin: "" });
    rec.el.setAttribute("data-itp-state", state);
    if (state === "working") rec.el.setAttribute("data-itp-stage", rec.stage);
    else rec.el.removeAttribute("data-itp-stage");
    if (rec.imageId) rec.el.setAttribute("data-itp-image-id", rec.imageId);
    itp.badges.update(rec);
  }

  const isTerminal = (rec) => TERMINAL.has(rec.state);

  itp.records = { add, drop, shared, all, get, has, current, matching, setState, isTerminal };
})();

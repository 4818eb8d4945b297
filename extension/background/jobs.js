import { ext } from "../shared/api.js";

// Which tab each job belongs to, what it still waits for, and the last event seen. Kept in
// storage.session because the browser stops an idle service worker at will; a new one reads
// this back, reconnects and resumes each job with `subscribe {job_id, last_seq}`.

const KEY = "itpJobs";

export class JobStore {
  constructor() {
    this.jobs = new Map();
    this.ready = this.load();
    this.saving = Promise.resolve();
  }

  async load() {
    try {
      const stored = (await ext.storage.session.get(KEY))[KEY] ?? {};
      for (const [id, job] of Object.entries(stored)) this.jobs.set(id, job);
    } catch {
      // No session storage (very old browser): jobs then live as long as the worker.
    }
  }

  save() {
    const snapshot = Object.fromEntries(this.jobs);
    // Chained so an older snapshot never lands after a newer one.
    this.saving = this.saving
      .then(() => ext.storage.session.set({ [KEY]: snapshot }))
      .catch(() => {});
    return this.saving;
  }

  /** Coalesces the frequent writes (one per event) into one every half second. */
  saveSoon() {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.save();
    }, 500);
  }

  /**
   * `uploads`: the URLs whose bytes the page sends itself (blob:, data:, canvas). The server
   * cannot fetch those; its fetch errors for them are expected and not passed on.
   */
  add(jobId, tabId, images, uploads = []) {
    const urls = {};
    for (const image of images) urls[image.image_id] = image.url;
    this.jobs.set(jobId, {
      tabId, lastSeq: 0, urls, pending: Object.keys(urls), fallback: [], uploads,
    });
    this.save();
    return this.jobs.get(jobId);
  }

  /** Whether the page uploads this image's bytes itself. */
  isUpload(job, imageId, url) {
    const which = url ?? job.urls[imageId];
    return Boolean(which) && (job.uploads ?? []).includes(which);
  }

  /**
   * Images that left the page (a reader's chapter switch): nobody waits for them any more.
   * Returns the jobs left with nothing to wait for, which the caller cancels on the server.
   */
  leave(tabId, imageIds) {
    const gone = new Set(imageIds);
    const idle = [];
    for (const [id, job] of this.forTab(tabId)) {
      const before = job.pending.length;
      job.pending = job.pending.filter((imageId) => !gone.has(imageId));
      if (job.pending.length < before && job.pending.length === 0) idle.push(id);
    }
    this.save();
    return idle;
  }

  get(jobId) {
    return this.jobs.get(jobId);
  }

  get size() {
    return this.jobs.size;
  }

  all() {
    return [...this.jobs.entries()];
  }

  /** The tab's jobs still running (not those only waiting to be cancelled). */
  forTab(tabId) {
    return this.all().filter(([, job]) => job.tabId === tabId && !job.cancelled);
  }

  /** Records `seq`; false when the event was seen already (replays after a resume). */
  advance(job, seq) {
    if (typeof seq !== "number") return true;
    if (seq <= job.lastSeq) return false;
    job.lastSeq = seq;
    return true;
  }

  /** An uploaded copy may get a new image id; it stands in for the one that failed. */
  alias(job, oldId, newId, url) {
    if (oldId === newId) return;
    job.urls[newId] = url;
    job.pending = job.pending.filter((id) => id !== oldId);
    if (!job.pending.includes(newId)) job.pending.push(newId);
  }

  /** Marks an image finished; drops the job once nothing is left. Returns true then. */
  finish(jobId, imageId) {
    const job = this.jobs.get(jobId);
    if (!job) return false;
    job.pending = job.pending.filter((id) => id !== imageId);
    if (job.pending.length === 0) {
      this.jobs.delete(jobId);
      this.save();
      return true;
    }
    this.save();
    return false;
  }

  remove(jobId) {
    this.jobs.delete(jobId);
    this.save();
  }
}

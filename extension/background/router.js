import { ext } from "../shared/api.js";
import { loadSettings } from "../shared/settings.js";
import { NoAccess, fetchInBrowser } from "./fallback.js";
import { upload } from "./uploads.js";

// Server events go to the tab whose job they belong to. Two kinds are handled here first:
// - `fetch_failed`/`fetch_blocked` for an image the server was to download: the browser gets
//   the bytes (fallback.js) and uploads them; the reader only sees an "upload" stage. When the
//   extension may not read that host, the page is asked to read it from the screen.
// - the same errors for images whose bytes the page uploads itself (blob:, data:, canvas):
//   the server was never going to download those, so they are not passed on.

const FETCH_ERRORS = new Set(["fetch_failed", "fetch_blocked"]);

export class Router {
  constructor(store, socket) {
    this.store = store;
    this.socket = socket;
    this.priority = [];
  }

  async onServerMessage(msg) {
    await this.store.ready;
    if (msg.type === "resync") {
      this.resync(msg.job_id);
      return;
    }
    const job = msg.job_id ? this.store.get(msg.job_id) : null;
    if (!job || job.cancelled || !this.store.advance(job, msg.seq)) return;
    this.store.saveSoon();
    const imageId = msg.image_id;
    if (imageId && this.store.isUpload(job, imageId, msg.url) && this.serverFetching(msg)) return;
    if (msg.type === "error" && FETCH_ERRORS.has(msg.code) && imageId
        && !job.fallback.includes(imageId)) {
      await this.uploadInstead(msg.job_id, job, msg);
      return;
    }
    await this.deliver(msg.job_id, job, msg);
    if ((msg.type === "done" || msg.type === "error") && imageId) {
      this.store.finish(msg.job_id, imageId);
    } else if (msg.type === "error" && !imageId) {
      // A failure of the whole job: nothing more will come for it.
      this.store.remove(msg.job_id);
    }
  }

  /** The server's own download of an uploaded image: its stage and its failure. */
  serverFetching(msg) {
    if (msg.type === "error") return FETCH_ERRORS.has(msg.code);
    return msg.type === "progress" && msg.stage === "fetch";
  }

  /**
   * A client too slow to drain its buffer loses it and is told to resync; its jobs wait until
   * it subscribes again from the last event it saw (the server replays from each job's log).
   */
  resync(jobId) {
    const ids = jobId ? [jobId] : this.store.all().map(([id]) => id);
    for (const id of ids) {
      const job = this.store.get(id);
      if (job) this.socket.send({ type: "subscribe", job_id: id, last_seq: job.lastSeq });
    }
  }

  subscribeAll(send) {
    for (const [id, job] of this.store.all()) {
      if (job.cancelled) {
        send({ type: "cancel", job_id: id });
        this.store.remove(id);
      } else {
        send({ type: "subscribe", job_id: id, last_seq: job.lastSeq });
      }
    }
    // What the reader was looking at when the connection dropped still goes first.
    if (this.priority.length) send({ type: "prioritize", image_ids: this.priority });
  }

  prioritize(imageIds) {
    this.priority = imageIds;
    this.socket.send({ type: "prioritize", image_ids: imageIds });
  }

  async uploadInstead(jobId, job, msg) {
    const imageId = msg.image_id;
    const url = msg.url ?? job.urls[imageId];
    job.fallback.push(imageId);
    this.store.saveSoon();
    await this.deliver(jobId, job, { ...msg, type: "progress", stage: "upload" });
    const settings = await loadSettings();
    let newId;
    try {
      const tab = await ext.tabs.get(job.tabId);
      const got = await fetchInBrowser(job.tabId, url, tab.url ?? "");
      newId = await upload(settings, jobId, url, got.bytes, got.type);
    } catch (err) {
      if (err instanceof NoAccess) {
        // The page reads it from the screen when it is in view, and uploads it itself.
        await this.deliver(jobId, job, {
          type: "read-from-screen", job_id: jobId, image_id: imageId, url, origin: err.origin,
          message: err.message,
        });
        return;
      }
      const reason = String(err?.message ?? err);
      const message = `${msg.message ?? "fetch failed"}; ${reason}`;
      await this.deliver(jobId, job, { ...msg, message });
      this.store.finish(jobId, imageId);
      return;
    }
    if (newId && newId !== imageId) this.aliasTo(jobId, job, imageId, newId, url);
  }

  /** An uploaded copy may get a new image id; it stands in for the one that failed. */
  async aliasTo(jobId, job, oldId, newId, url) {
    this.store.alias(job, oldId, newId, url);
    job.fallback.push(newId);
    this.store.save();
    await this.deliver(jobId, job, {
      type: "alias", job_id: jobId, image_id: newId, previous: oldId, url,
    });
  }

  async deliver(jobId, job, event) {
    try {
      await ext.tabs.sendMessage(job.tabId, { kind: "itp-event", event });
    } catch {
      // The tab closed or navigated away: nobody will look at the rest of this job.
      this.cancel(jobId);
    }
  }

  /**
   * Tells the server to drop a job. With the socket not open (still connecting, or between
   * two connections), the job stays in the store marked cancelled, and the cancel goes out
   * first thing when the socket opens: a cancel must not be lost to timing.
   */
  cancel(jobId) {
    const job = this.store.get(jobId);
    if (!job) return;
    if (this.socket.send({ type: "cancel", job_id: jobId })) {
      this.store.remove(jobId);
    } else {
      job.cancelled = true;
      this.store.save();
    }
  }

  cancelTab(tabId) {
    for (const [id] of this.store.forTab(tabId)) this.cancel(id);
  }

  /** Images that left the page: jobs with nothing else to wait for are cancelled. */
  leave(tabId, imageIds) {
    for (const id of this.store.leave(tabId, imageIds)) this.cancel(id);
  }
}

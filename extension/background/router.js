import { ext } from "../shared/api.js";
import { loadSettings } from "../shared/settings.js";
import { uploadFromBrowser } from "./fallback.js";

// Server events go to the tab whose job they belong to. `fetch_failed` is intercepted: the
// browser uploads the bytes itself and the reader only sees a short "upload" stage.

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
    if (!job || !this.store.advance(job, msg.seq)) return;
    this.store.saveSoon();
    const imageId = msg.image_id;
    if (msg.type === "error" && msg.code === "fetch_failed" && imageId) {
      if (!job.fallback.includes(imageId)) {
        await this.uploadInstead(msg.job_id, job, msg);
        return;
      }
    }
    await this.deliver(msg.job_id, job, msg);
    if ((msg.type === "done" || msg.type === "error") && imageId) {
      this.store.finish(msg.job_id, imageId);
    } else if (msg.type === "error" && !imageId) {
      // A failure of the whole job: nothing more will come for it.
      this.store.remove(msg.job_id);
    }
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
      send({ type: "subscribe", job_id: id, last_seq: job.lastSeq });
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
    try {
      const settings = await loadSettings();
      const newId = await uploadFromBrowser(settings, jobId, job.tabId, url);
      if (newId && newId !== imageId) {
        this.store.alias(job, imageId, newId, url);
        job.fallback.push(newId);
        this.store.save();
        await this.deliver(jobId, job, {
          type: "alias", job_id: jobId, image_id: newId, previous: imageId, url,
        });
      }
    } catch (err) {
      const reason = String(err?.message ?? err);
      await this.deliver(jobId, job, { ...msg, message: `${msg.message ?? "fetch failed"}; ${reason}` });
      this.store.finish(jobId, imageId);
    }
  }

  async deliver(jobId, job, event) {
    try {
      await ext.tabs.sendMessage(job.tabId, { kind: "itp-event", event });
    } catch {
      // The tab closed or navigated away: nobody will look at the rest of this job.
      this.cancel(jobId);
    }
  }

  cancel(jobId) {
    if (!this.store.get(jobId)) return;
    this.socket.send({ type: "cancel", job_id: jobId });
    this.store.remove(jobId);
  }

  cancelTab(tabId) {
    for (const [id] of this.store.forTab(tabId)) this.cancel(id);
  }
}

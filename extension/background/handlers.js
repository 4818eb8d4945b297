import { ext } from "../shared/api.js";
import { base64ToBytes, bytesToBase64, sniffImageType } from "../shared/bytes.js";
import { createJob, fetchResult } from "../shared/http.js";
import { loadSettings } from "../shared/settings.js";
import { captureRect } from "./capture.js";
import { translateTab } from "./tabs.js";
import { upload } from "./uploads.js";

// The messages the worker answers, one handler per kind. A handler's exception becomes
// {ok: false, error, code}. `fromTab` handlers answer content scripts only; the others answer
// the extension's own pages (popup, options; the end-to-end tests drive those).

async function paired() {
  const settings = await loadSettings();
  if (!settings.token) {
    throw new Error("not paired with an itp server: set the token in the extension's options");
  }
  return settings;
}

export function makeHandlers({ store, socket, router, keepAlive }) {
  const fromTab = {
    /** {pageUrl, images: [{url, upload}]}: one job; `upload` images are sent as bytes. */
    "itp-submit": async (msg, sender) => {
      const settings = await paired();
      const images = msg.images.map(({ url }) => ({ url, referer: msg.pageUrl }));
      const uploads = msg.images.filter((image) => image.upload).map((image) => image.url);
      const reply = await createJob(settings, images);
      await store.ready;
      store.add(reply.job_id, sender.tab.id, reply.images, uploads);
      keepAlive();
      socket.send({ type: "subscribe", job_id: reply.job_id, last_seq: 0 });
      return { job_id: reply.job_id, images: reply.images };
    },
    /** Bytes the page read itself (blob:, data:, a canvas, the screen). */
    "itp-upload": async (msg) => {
      const settings = await paired();
      const bytes = base64ToBytes(msg.b64);
      const type = sniffImageType(bytes) || msg.type || "image/png";
      return { image_id: await upload(settings, msg.jobId, msg.url, bytes, type) };
    },
    "itp-capture": async (msg, sender) => captureRect(sender.tab.id, msg.rect, msg.viewport),
    "itp-prioritize": async (msg) => {
      router.prioritize(msg.image_ids);
      return {};
    },
    "itp-forget": async (msg, sender) => {
      await store.ready;
      router.leave(sender.tab.id, msg.image_ids);
      return {};
    },
    "itp-alive": async () => {
      await store.ready;
      keepAlive();
      return {};
    },
    "itp-result": async (msg) => {
      const { bytes, type } = await fetchResult(await loadSettings(), msg.result_url);
      return { b64: bytesToBase64(bytes), type };
    },
    "itp-cancel": async (msg, sender) => {
      await store.ready;
      router.cancelTab(sender.tab.id);
      return {};
    },
  };
  const fromPages = {
    "itp-translate-tab": async (msg) => {
      await translateTab(msg.tabId);
      return {};
    },
    "itp-state": async () => {
      await store.ready;
      const settings = await loadSettings();
      return {
        status: socket.status,
        error: socket.lastError,
        jobs: store.size,
        paired: Boolean(settings.token),
        serverUrl: settings.serverUrl,
      };
    },
  };
  return { fromTab, fromPages };
}

/** The runtime.onMessage listener over both handler sets. */
export function listen({ fromTab, fromPages }) {
  const ownPage = (sender) => sender.url?.startsWith(ext.runtime.getURL(""));
  ext.runtime.onMessage.addListener((msg, sender, sendResponse) => {
    const kind = msg?.kind;
    let handler = null;
    if (Object.hasOwn(fromTab, kind) && sender.tab?.id !== undefined && !ownPage(sender)) {
      handler = fromTab[kind];
    } else if (Object.hasOwn(fromPages, kind) && ownPage(sender)) {
      handler = fromPages[kind];
    }
    if (!handler) return false;
    handler(msg, sender)
      .then((reply) => sendResponse({ ok: true, ...reply }))
      .catch((err) => sendResponse({
        ok: false, error: String(err?.message ?? err), code: err?.code ?? "",
      }));
    // Keeps the channel open for the asynchronous answer (Chrome does not take a promise).
    return true;
  });
}

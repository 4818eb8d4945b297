import { ext } from "../shared/api.js";
import { bytesToBase64 } from "../shared/bytes.js";
import { createJob, fetchResult } from "../shared/http.js";
import { loadSettings } from "../shared/settings.js";
import { JobStore } from "./jobs.js";
import { Router } from "./router.js";
import { Socket } from "./socket.js";
import { autoTranslate, toggleTab, translateTab } from "./tabs.js";

// Listeners are registered synchronously at the top level: a service worker woken by an event
// must find its listener in place on the first turn.

const store = new JobStore();
const socket = new Socket({
  settings: loadSettings,
  wanted: () => store.size > 0,
  onOpen: (send) => router.subscribeAll(send),
  onMessage: (msg) => router.onServerMessage(msg).catch(() => {}),
});
const router = new Router(store, socket);

const KEEPALIVE_ALARM = "itp-keepalive";
const IDLE_CLOSE_MS = 30_000;
let keepaliveTimer = null;
let idleTimer = null;

// Browsers stop a worker after 30 s without extension activity. While jobs run, pings on the
// socket (activity for Chrome 116+) and an API call every 20 s keep it. Should it be stopped
// anyway (browser policy, crash), the next message from a waiting tab or this alarm starts a
// new worker, which reconnects and resumes from storage.session. With no jobs left the socket
// closes and the worker may sleep.
function keepAlive() {
  if (store.size === 0) {
    clearInterval(keepaliveTimer);
    keepaliveTimer = null;
    ext.alarms.clear(KEEPALIVE_ALARM).catch(() => {});
    idleTimer ??= setTimeout(() => {
      idleTimer = null;
      if (store.size === 0) socket.shutdown();
    }, IDLE_CLOSE_MS);
    return;
  }
  clearTimeout(idleTimer);
  idleTimer = null;
  socket.ensure();
  if (!keepaliveTimer) {
    keepaliveTimer = setInterval(() => {
      ext.runtime.getPlatformInfo().catch(() => {});
      keepAlive();
    }, 20_000);
    ext.alarms.create(KEEPALIVE_ALARM, { periodInMinutes: 0.5 });
  }
}

store.ready.then(keepAlive);

ext.alarms.onAlarm.addListener((alarm) => {
  if (alarm.name === KEEPALIVE_ALARM) store.ready.then(keepAlive);
});

ext.runtime.onInstalled.addListener(async () => {
  try {
    await ext.contextMenus.removeAll();
    for (const [id, title] of [
      ["itp-translate", "Translate this page"],
      ["itp-toggle", "Show original / translated images"],
    ]) {
      ext.contextMenus.create({ id, title, contexts: ["page", "image"] });
    }
  } catch {
    // Menus are a convenience; the toolbar button still works.
  }
});

ext.contextMenus.onClicked.addListener((info, tab) => {
  if (!tab?.id) return;
  const action = info.menuItemId === "itp-toggle" ? toggleTab : translateTab;
  action(tab.id).catch(() => {});
});

ext.tabs.onRemoved.addListener((tabId) => {
  store.ready.then(() => router.cancelTab(tabId));
});

ext.tabs.onUpdated.addListener((tabId, change, tab) => {
  if (change.status === "complete" && tab.url) autoTranslate(tabId, tab.url).catch(() => {});
});

ext.storage.onChanged.addListener((changes, area) => {
  if (area === "local" && (changes.serverUrl || changes.token)) socket.restart();
});

const fromExtensionPage = (sender) => sender.url?.startsWith(ext.runtime.getURL(""));

// Each handler answers one message kind; an exception becomes {ok: false, error}.
const handlers = {
  // From the content script.
  "itp-submit": async (msg, sender) => {
    const settings = await loadSettings();
    if (!settings.token) {
      throw new Error("not paired with an itp server: set the token in the extension's options");
    }
    const images = msg.urls.map((url) => ({ url, referer: msg.pageUrl }));
    const reply = await createJob(settings, images);
    await store.ready;
    store.add(reply.job_id, sender.tab.id, reply.images);
    keepAlive();
    socket.send({ type: "subscribe", job_id: reply.job_id, last_seq: 0 });
    return { job_id: reply.job_id, images: reply.images };
  },
  "itp-prioritize": async (msg) => {
    router.prioritize(msg.image_ids);
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
  // From the popup, the options page (and the end-to-end test, through the options page).
  "itp-translate-tab": async (msg, sender) => {
    if (!fromExtensionPage(sender)) throw new Error("not allowed from a page");
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

ext.runtime.onMessage.addListener((msg, sender, sendResponse) => {
  const handler = handlers[msg?.kind];
  if (!handler) return false;
  if (msg.kind !== "itp-translate-tab" && msg.kind !== "itp-state" && !sender.tab?.id) {
    return false;
  }
  handler(msg, sender)
    .then((reply) => sendResponse({ ok: true, ...reply }))
    .catch((err) => sendResponse({ ok: false, error: String(err?.message ?? err) }));
  // Keeps the channel open for the asynchronous answer (Chrome does not take a promise).
  return true;
});

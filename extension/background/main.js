import { ext } from "../shared/api.js";
import { loadSettings } from "../shared/settings.js";
import { listen, makeHandlers } from "./handlers.js";
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

listen(makeHandlers({ store, socket, router, keepAlive }));

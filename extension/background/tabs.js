import { ext } from "../shared/api.js";
import { loadSettings, originPattern } from "../shared/settings.js";

// The content script is injected on demand (toolbar, context menu, or a site the reader chose to
// always translate) rather than declared for every page: the extension then needs no standing
// access to the sites the reader visits. Classic scripts sharing one isolated world, in order.
export const CONTENT_FILES = [
  "content/util.js",
  "content/discover.js",
  "content/select.js",
  "content/badges.js",
  "content/overlay.js",
  "content/swap.js",
  "content/records.js",
  "content/results.js",
  "content/pixels.js",
  "content/capture.js",
  "content/observe.js",
  "content/uploads.js",
  "content/flow.js",
  "content/main.js",
];

// Runs in the page's own world: it tells the content script when the page draws on a canvas,
// so a translation shown over a canvas is dropped when the picture under it changes.
const PAGE_HOOK = "content/page-hook.js";

/** "Translate this page": the toolbar popup, the context menu and always-on sites end here. */
export async function translateTab(tabId) {
  const settings = await loadSettings();
  try {
    await ext.scripting.executeScript({ target: { tabId }, files: [PAGE_HOOK], world: "MAIN" });
  } catch {
    // Without it canvas redraws go unseen unless the canvas is resized; the rest works.
  }
  await ext.scripting.executeScript({ target: { tabId }, files: CONTENT_FILES });
  await ext.tabs.sendMessage(tabId, { kind: "itp-start", minSize: Number(settings.minSize) || 0 });
  if (!settings.token) await ext.runtime.openOptionsPage();
}

export async function toggleTab(tabId) {
  return ext.tabs.sendMessage(tabId, { kind: "itp-toggle" });
}

export function siteOf(url) {
  try {
    const parsed = new URL(url);
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.origin : "";
  } catch {
    return "";
  }
}

/** Starts a tab that finished loading a site on the reader's "always translate" list. */
export async function autoTranslate(tabId, url) {
  const site = siteOf(url);
  if (!site) return;
  const { alwaysSites } = await loadSettings();
  if (!alwaysSites.includes(site)) return;
  // The switch asked for this host permission; without it the injection would fail anyway.
  const allowed = await ext.permissions.contains({ origins: [originPattern(site)] });
  if (allowed) await translateTab(tabId);
}

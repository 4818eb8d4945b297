import { ext } from "../shared/api.js";
import { loadSettings, originPattern, saveSettings } from "../shared/settings.js";

const $ = (id) => document.getElementById(id);

/**
 * The tab this popup is about: the active one when opened from the toolbar; `?tab=ID` when
 * the popup page is opened in a tab of its own (keyboard users, tests).
 */
async function targetTab() {
  const asked = Number(new URLSearchParams(location.search).get("tab"));
  if (Number.isInteger(asked) && asked > 0) return ext.tabs.get(asked);
  const [tab] = await ext.tabs.query({ active: true, currentWindow: true });
  return tab;
}

const siteOf = (url) => {
  try {
    const u = new URL(url);
    return u.protocol === "http:" || u.protocol === "https:" ? u.origin : "";
  } catch {
    return "";
  }
};

async function tabStatus(tabId) {
  try {
    return await ext.tabs.sendMessage(tabId, { kind: "itp-status" });
  } catch {
    return null;
  }
}

function progressText(status) {
  if (status.total === 0) {
    const skipped = status.skipped
      ? ` (${status.skipped} other pictures, taken for ads or thumbnails, left alone)` : "";
    return `No comic images found on this page${skipped}.`;
  }
  const parts = [`${status.done} of ${status.total} translated`];
  if (status.errors) parts.push(`${status.errors} failed (${status.failures[0].error})`);
  return parts.join(", ");
}

/** Hosts whose images the extension may not read: one "Allow" button each (a user gesture). */
function showNeeds(tab, status) {
  const needs = status?.needs ?? [];
  $("needs").hidden = needs.length === 0;
  const grants = $("grants");
  grants.replaceChildren();
  if (needs.length) {
    const count = needs.reduce((n, need) => n + need.images, 0);
    const images = count === 1
      ? "1 image on another site needs" : `${count} images on other sites need`;
    $("needsText").textContent = `${images} access: the itp server could not download `
      + `${count === 1 ? "it" : "them"}, and the extension may not read that site.`;
  }
  for (const need of needs) {
    const button = document.createElement("button");
    button.className = "grant";
    button.dataset.origin = need.origin;
    button.textContent = `Allow access to ${new URL(need.origin).host}`;
    button.addEventListener("click", async () => {
      // Requested first thing in the click: browsers grant permissions only inside it.
      const granted = await ext.permissions.request({ origins: [originPattern(need.origin)] });
      if (!granted) return;
      await ext.runtime.sendMessage({ kind: "itp-translate-tab", tabId: tab.id });
      $("progress").textContent = "Trying those images again…";
      setTimeout(() => render(tab), 500);
    });
    grants.append(button);
  }
  const screen = status?.screen ?? 0;
  $("screen").hidden = screen === 0;
  $("screen").textContent = `${screen} image${screen === 1 ? "" : "s"} can only be read from `
    + "the screen: press Translate this page (from the toolbar button) to allow it.";
}

async function render(tab) {
  const status = await tabStatus(tab.id);
  const toggle = $("toggle");
  if (status?.started) {
    $("progress").textContent = progressText(status);
    toggle.disabled = status.done === 0;
    toggle.textContent = status.showing === "original" ? "Show translations" : "Show originals";
  }
  showNeeds(tab, status);
  const state = await ext.runtime.sendMessage({ kind: "itp-state" });
  const server = $("server");
  if (!state?.paired) {
    server.textContent = "Not paired: set the server's token in Options.";
    server.className = "bad";
  } else {
    const error = state.error ? ` (${state.error})` : "";
    server.textContent = `Server ${state.serverUrl}: ${state.status}${error}`;
    server.className = state.status === "refused" ? "bad" : "muted";
  }
  document.body.dataset.rendered = "true";
}

async function main() {
  const tab = await targetTab();
  const site = siteOf(tab?.url ?? "");
  const settings = await loadSettings();
  $("site").textContent = site ? new URL(site).host : "this site";
  $("always").checked = Boolean(site) && settings.alwaysSites.includes(site);
  if (!site) {
    for (const id of ["translate", "always"]) $(id).disabled = true;
    $("progress").textContent = "Only web pages (http, https) can be translated.";
  }

  $("translate").addEventListener("click", async () => {
    const reply = await ext.runtime.sendMessage({ kind: "itp-translate-tab", tabId: tab.id });
    $("progress").textContent = reply?.ok ? "Translating…" : `Failed: ${reply?.error}`;
    setTimeout(() => render(tab), 500);
  });

  $("toggle").addEventListener("click", async () => {
    await ext.tabs.sendMessage(tab.id, { kind: "itp-toggle" }).catch(() => null);
    render(tab);
  });

  $("always").addEventListener("change", async (e) => {
    const on = e.target.checked;
    // Requested before any await: browsers grant permissions only inside the user's click.
    const granted = on ? await ext.permissions.request({ origins: [originPattern(site)] }) : true;
    if (!granted) {
      e.target.checked = false;
      return;
    }
    const { alwaysSites } = await loadSettings();
    const others = alwaysSites.filter((s) => s !== site);
    await saveSettings({ alwaysSites: on ? [...others, site] : others });
    if (on) await ext.runtime.sendMessage({ kind: "itp-translate-tab", tabId: tab.id });
  });

  $("options").addEventListener("click", (e) => {
    e.preventDefault();
    ext.runtime.openOptionsPage();
    window.close();
  });

  if (tab) await render(tab);
}

main();

import { ext } from "../shared/api.js";
import { loadSettings, originPattern, saveSettings } from "../shared/settings.js";

const $ = (id) => document.getElementById(id);

async function activeTab() {
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

async function render(tab) {
  const status = await tabStatus(tab.id);
  const toggle = $("toggle");
  if (status?.started) {
    const parts = [`${status.done} of ${status.total} translated`];
    if (status.errors) parts.push(`${status.errors} failed (${status.failures[0].error})`);
    $("progress").textContent = parts.join(", ");
    toggle.disabled = status.done === 0;
    toggle.textContent = status.showing === "original" ? "Show translations" : "Show originals";
  }
  const state = await ext.runtime.sendMessage({ kind: "itp-state" });
  const server = $("server");
  if (!state?.paired) {
    server.textContent = "Not paired: set the server's token in Options.";
    server.className = "bad";
  } else {
    server.textContent = `Server ${state.serverUrl}: ${state.status}${state.error ? ` (${state.error})` : ""}`;
    server.className = state.status === "refused" ? "bad" : "muted";
  }
}

async function main() {
  const tab = await activeTab();
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

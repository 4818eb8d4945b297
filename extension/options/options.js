import { ext } from "../shared/api.js";
import { checkToken, health } from "../shared/http.js";
import {
  DEFAULTS, loadSettings, normalizeServerUrl, originPattern, saveSettings,
} from "../shared/settings.js";

const $ = (id) => document.getElementById(id);

const SOURCES = [
  ["auto", "detect"], ["ja", "Japanese"], ["zh", "Chinese"], ["ko", "Korean"], ["en", "English"],
];
const TARGETS = [
  ["en", "English"], ["ko", "Korean"], ["ja", "Japanese"], ["zh", "Chinese"], ["fr", "French"],
  ["de", "German"], ["es", "Spanish"], ["pt", "Portuguese"], ["it", "Italian"],
  ["ru", "Russian"], ["vi", "Vietnamese"], ["th", "Thai"], ["id", "Indonesian"],
];
const LOCAL_HOSTS = new Set(["127.0.0.1", "localhost"]);

function fill(select, options) {
  for (const [value, name] of options) select.add(new Option(`${name} (${value})`, value));
}

function formValues() {
  return {
    serverUrl: normalizeServerUrl($("serverUrl").value || DEFAULTS.serverUrl),
    token: $("token").value.trim(),
    source: $("source").value,
    target: $("target").value,
    translator: $("translator").value,
    minSize: Math.max(0, Number($("minSize").value) || 0),
  };
}

/** A server elsewhere than this machine needs its host permission asked for, in the click. */
function requestServerAccess(serverUrl) {
  const url = new URL(serverUrl);
  if (LOCAL_HOSTS.has(url.hostname)) return Promise.resolve(true);
  return ext.permissions.request({ origins: [originPattern(serverUrl)] });
}

function show(el, text, ok) {
  el.textContent = text;
  el.className = ok === undefined ? "muted" : ok ? "ok" : "bad";
}

async function testConnection() {
  const out = $("testResult");
  let values;
  try {
    values = formValues();
  } catch (err) {
    show(out, err.message, false);
    return;
  }
  const allowed = await requestServerAccess(values.serverUrl);
  if (!allowed) {
    show(out, "no permission to reach that server", false);
    return;
  }
  show(out, "connecting…");
  let body;
  try {
    body = await health(values);
  } catch (err) {
    show(out, err.message, false);
    $("health").hidden = true;
    return;
  }
  $("health").hidden = false;
  $("health").textContent = JSON.stringify(body, null, 2);
  try {
    await checkToken(values);
  } catch (err) {
    show(out, `Server reachable, but: ${err.message}`, false);
    return;
  }
  if (body.status === "ok") show(out, "Connected, token accepted", true);
  else show(out, `Token accepted; the server is ${body.status}`, body.status === "starting");
}

async function save(e) {
  e.preventDefault();
  let values;
  try {
    values = formValues();
  } catch (err) {
    show($("saved"), err.message, false);
    return;
  }
  if (!(await requestServerAccess(values.serverUrl))) {
    show($("saved"), "no permission to reach that server", false);
    return;
  }
  await saveSettings(values);
  show($("saved"), "Saved", true);
}

async function updateAllSites() {
  const granted = await ext.permissions.contains({ origins: ["<all_urls>"] });
  $("allSitesState").textContent = granted ? "allowed" : "";
  $("allSites").disabled = granted;
}

async function main() {
  fill($("source"), SOURCES);
  fill($("target"), TARGETS);
  const settings = await loadSettings();
  for (const key of ["serverUrl", "token", "source", "target", "translator", "minSize"]) {
    $(key).value = settings[key];
  }
  $("showToken").addEventListener("change", (e) => {
    $("token").type = e.target.checked ? "text" : "password";
  });
  // Filled in: typing before this point would be overwritten by the stored values.
  document.querySelector("main").setAttribute("aria-busy", "false");
  $("test").addEventListener("click", testConnection);
  $("form").addEventListener("submit", save);
  $("allSites").addEventListener("click", async () => {
    await ext.permissions.request({ origins: ["<all_urls>"] });
    updateAllSites();
  });
  updateAllSites();
}

main();

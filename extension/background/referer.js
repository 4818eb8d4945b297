import { ext } from "../shared/api.js";

// A fetch from this worker as the page would make it: the page's URL as Referer and the user's
// cookies for the image's host. Cookies come with `credentials: "include"` for hosts the
// extension may access; the Referer cannot be set on a fetch (a forbidden header), so a
// declarativeNetRequest session rule sets it, for this one URL, on requests made outside any
// tab (this worker's own), and only while the fetch runs.

// Session rules outlive a stopped worker; ids at and above BASE are ours, and any left behind
// by a worker stopped mid-fetch are cleared before the first new one is added.
const BASE = 10_000;
let nextId = BASE;
let cleared = null;

function clearStale() {
  cleared ??= ext.declarativeNetRequest.getSessionRules()
    .then((rules) => {
      const stale = rules.map((rule) => rule.id).filter((id) => id >= BASE);
      nextId = Math.max(BASE, ...stale) + 1;
      return ext.declarativeNetRequest.updateSessionRules({ removeRuleIds: stale });
    })
    .catch(() => {});
  return cleared;
}

function refererRule(id, url, referer) {
  return {
    id,
    priority: 1,
    action: {
      type: "modifyHeaders",
      requestHeaders: [{ header: "referer", operation: "set", value: referer }],
    },
    // `|…|` anchors the filter to the whole URL.
    condition: { urlFilter: `|${url}|`, resourceTypes: ["xmlhttprequest"], tabIds: [-1] },
  };
}

/** `fetch(url)` with the page's Referer and the user's cookies; the Response. */
export async function fetchAsPage(url, referer) {
  await clearStale();
  const id = nextId++;
  let ruled = false;
  if (referer) {
    try {
      await ext.declarativeNetRequest.updateSessionRules({
        addRules: [refererRule(id, url, referer)],
      });
      ruled = true;
    } catch {
      // A URL the rule syntax refuses: the fetch goes without the page's Referer.
    }
  }
  try {
    return await fetch(url, {
      credentials: "include", cache: "no-store", referrerPolicy: "no-referrer",
    });
  } finally {
    if (ruled) {
      ext.declarativeNetRequest.updateSessionRules({ removeRuleIds: [id] }).catch(() => {});
    }
  }
}

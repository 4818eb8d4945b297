import { ext } from "./api.js";

// Kept in storage.local: it is never readable by pages, and the content script never asks for
// the token (it only gets `minSize` from the background worker).
export const DEFAULTS = Object.freeze({
  serverUrl: "http://127.0.0.1:8765",
  token: "",
  source: "auto",
  target: "en",
  translator: "",
  minSize: 150,
  alwaysSites: [],
});

export async function loadSettings() {
  const stored = await ext.storage.local.get(Object.keys(DEFAULTS));
  return { ...DEFAULTS, ...stored };
}

export async function saveSettings(patch) {
  await ext.storage.local.set(patch);
}

/** The server URL without a trailing slash, or throws a readable error. */
export function normalizeServerUrl(raw) {
  const url = new URL(String(raw).trim());
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error("the server URL must start with http:// or https://");
  }
  return url.origin + url.pathname.replace(/\/+$/, "");
}

/**
 * The permission pattern covering one site, as `permissions.request` wants it. Without the
 * port: Firefox's match patterns have none (Chrome's then match every port).
 */
export function originPattern(pageUrl) {
  const url = new URL(pageUrl);
  return `${url.protocol}//${url.hostname}/*`;
}

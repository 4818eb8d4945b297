import { ext } from "../shared/api.js";
import { base64ToBytes, sniffImageType } from "../shared/bytes.js";
import { originPattern } from "../shared/settings.js";
import { fetchAsPage } from "./referer.js";

// The server answers `fetch_failed` for images only the browser can get (a login cookie, a
// Referer check the server did not satisfy) and `fetch_blocked` for addresses it may not reach
// (a NAS on the reader's network). The browser fetches such an image as the page sees it:
//  1. in the page (content script): its cookies, its URL as referrer. Chrome lets a content
//     script read only what the page itself may (same origin, or CORS); Firefox also lets it
//     read hosts the extension may access.
//  2. in this worker, for hosts the extension may access: the page's Referer, the user's
//     cookies for that host (referer.js).
// When neither can, `NoAccess` says so; the page then reads the image from the screen when
// it is in view, or tells the reader which host to allow.

export class NoAccess extends Error {
  constructor(url, reasons) {
    super(`the extension may not read ${new URL(url).host}: ${reasons.join("; ")}`);
    this.origin = new URL(url).origin;
  }
}

async function fromPage(tabId, url) {
  const reply = await ext.tabs.sendMessage(tabId, { kind: "itp-fetch-bytes", url });
  if (!reply?.ok) throw new Error(`in the page: ${reply?.error ?? "no answer"}`);
  return { bytes: base64ToBytes(reply.b64), type: reply.type };
}

async function fromWorker(url, referer) {
  const response = await fetchAsPage(url, referer);
  if (!response.ok) throw new Error(`from the extension: HTTP ${response.status}`);
  return { bytes: await response.arrayBuffer(), type: response.headers.get("Content-Type") ?? "" };
}

function imageType(bytes, declared) {
  const sniffed = sniffImageType(bytes);
  if (sniffed) return sniffed;
  const type = (declared ?? "").split(";")[0].trim().toLowerCase();
  return type.startsWith("image/") ? type : "";
}

/** Whether this worker may fetch `url` (host permission, granted or optional and given). */
export async function mayFetch(url) {
  try {
    return await ext.permissions.contains({ origins: [originPattern(url)] });
  } catch {
    return false;
  }
}

/**
 * The image at `url` as the browser sees it: {bytes, type}. Throws `NoAccess` when the page
 * could not read it and the extension may not fetch its host, else an Error with the reasons.
 */
export async function fetchInBrowser(tabId, url, referer) {
  const reasons = [];
  const attempts = [() => fromPage(tabId, url)];
  const allowed = await mayFetch(url);
  if (allowed) attempts.push(() => fromWorker(url, referer));
  for (const attempt of attempts) {
    let got;
    try {
      got = await attempt();
    } catch (err) {
      reasons.push(String(err?.message ?? err));
      continue;
    }
    const type = imageType(got.bytes, got.type);
    if (type) return { bytes: got.bytes, type };
    reasons.push(`not an image (${got.type || "no Content-Type"})`);
  }
  if (!allowed) throw new NoAccess(url, reasons);
  throw new Error(`the browser could not fetch it either: ${reasons.join("; ")}`);
}

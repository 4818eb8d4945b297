import { ext } from "../shared/api.js";
import { base64ToBytes, sniffImageType } from "../shared/bytes.js";
import { uploadImage } from "../shared/http.js";

// The server answers `fetch_failed` for images only the browser can get: behind a login
// cookie, a Referer check the server did not satisfy, or a network the server cannot reach.
// The page itself is asked first (its cookies and its URL as referrer come for free); then
// this worker tries, which works wherever the extension holds host permission.

async function fromPage(tabId, url) {
  const reply = await ext.tabs.sendMessage(tabId, { kind: "itp-fetch-bytes", url });
  if (!reply?.ok) throw new Error(reply?.error ?? "the page could not fetch it");
  return { bytes: base64ToBytes(reply.b64), type: reply.type };
}

async function fromWorker(url) {
  const response = await fetch(url, { credentials: "include", cache: "force-cache" });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return { bytes: await response.arrayBuffer(), type: response.headers.get("Content-Type") ?? "" };
}

function imageType(bytes, declared) {
  const sniffed = sniffImageType(bytes);
  if (sniffed) return sniffed;
  const type = (declared ?? "").split(";")[0].trim().toLowerCase();
  return type.startsWith("image/") ? type : "";
}

/**
 * Fetches `url` as the browser sees it and uploads it to the job.
 * @returns {Promise<string>} the image id the server gives the uploaded copy
 */
export async function uploadFromBrowser(settings, jobId, tabId, url) {
  const reasons = [];
  for (const attempt of [() => fromPage(tabId, url), () => fromWorker(url)]) {
    let got;
    try {
      got = await attempt();
    } catch (err) {
      reasons.push(String(err?.message ?? err));
      continue;
    }
    const type = imageType(got.bytes, got.type);
    if (!type) {
      reasons.push(`not an image (${got.type || "no Content-Type"})`);
      continue;
    }
    const reply = await uploadImage(settings, jobId, url, got.bytes, type);
    return reply.image_id;
  }
  throw new Error(`the browser could not fetch it either: ${reasons.join("; ")}`);
}

import { ext } from "../shared/api.js";
import { bytesToBase64 } from "../shared/bytes.js";

// The last way to pixels nothing else can read (a canvas drawn from another site's images, an
// image on a host the extension may not fetch): the tab as the browser shows it, cropped to the
// element. The page side decides when (the element in view, nothing over it, our badges
// hidden); this side takes the picture. Capturing needs `activeTab` (granted when the reader
// presses the toolbar button or the context menu) or access to all sites.

// Chrome refuses more than two captures a second per extension; captures wait their turn.
const MIN_GAP_MS = 550;
let lastCapture = 0;
let chain = Promise.resolve();

export class CaptureRefused extends Error {
  constructor(message, code) {
    super(message);
    this.code = code;
  }
}

const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function grab(tab) {
  const wait = lastCapture + MIN_GAP_MS - Date.now();
  if (wait > 0) await delay(wait);
  lastCapture = Date.now();
  try {
    return await ext.tabs.captureVisibleTab(tab.windowId, { format: "png" });
  } catch (err) {
    const message = String(err?.message ?? err);
    if (/activeTab|all_urls|permission/i.test(message)) {
      throw new CaptureRefused("reading it from the screen needs the itp toolbar button pressed "
        + "on this tab", "needs_access");
    }
    throw err;
  }
}

/**
 * PNG of `rect` (CSS pixels of the viewport `viewport`) as the tab shows it now, at the
 * screen's resolution. `scale`: device pixels per CSS pixel, measured from the capture.
 */
export function captureRect(tabId, rect, viewport) {
  const run = async () => {
    const tab = await ext.tabs.get(tabId);
    // Only the tab in front of its window can be captured; a capture of another would crop
    // someone else's page.
    if (!tab.active) throw new CaptureRefused("the tab is not in front", "not_visible");
    const dataUrl = await grab(tab);
    const still = await ext.tabs.get(tabId);
    if (!still.active || still.windowId !== tab.windowId) {
      throw new CaptureRefused("the tab left the front during the capture", "not_visible");
    }
    const bitmap = await createImageBitmap(await (await fetch(dataUrl)).blob());
    const scale = bitmap.width / viewport.width;
    const sx = Math.max(0, Math.round(rect.x * scale));
    const sy = Math.max(0, Math.round(rect.y * scale));
    const width = Math.min(bitmap.width - sx, Math.round(rect.width * scale));
    const height = Math.min(bitmap.height - sy, Math.round(rect.height * scale));
    if (width < 1 || height < 1) {
      throw new CaptureRefused("nothing of it is on screen", "not_visible");
    }
    const canvas = new OffscreenCanvas(width, height);
    canvas.getContext("2d").drawImage(bitmap, sx, sy, width, height, 0, 0, width, height);
    bitmap.close();
    const blob = await canvas.convertToBlob({ type: "image/png" });
    return { b64: bytesToBase64(await blob.arrayBuffer()), scale };
  };
  const result = chain.then(run, run);
  chain = result.catch(() => {});
  return result;
}

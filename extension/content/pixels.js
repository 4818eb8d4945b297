// Reading a picture's bytes in the page: pictures the page made (blob: and data: URLs, canvas
// drawings) and images the page itself may fetch. What cannot be read this way (a canvas drawn
// from another site's images, "tainted") is read from the screen instead (capture.js).
(() => {
  const itp = globalThis.__itp;
  if (itp.pixels) return;

  class Unreadable extends Error {
    constructor(message) {
      super(message);
      this.name = "Unreadable";
    }
  }

  function toBlob(canvas, type = "image/png") {
    return new Promise((resolve, reject) => {
      try {
        canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("empty canvas"))), type);
      } catch (err) {
        // SecurityError: drawn from another site's images.
        reject(new Unreadable(`the canvas cannot be read (${err.name})`));
      }
    });
  }

  const FP_SIDE = 24;

  /**
   * A fingerprint of what a canvas shows: its pixels scaled down to 24×24. Null when the
   * canvas may not be read; "blank" when nothing is drawn (a WebGL canvas whose buffer is not
   * kept reads as blank too).
   */
  function fingerprint(canvas) {
    const small = document.createElement("canvas");
    small.width = FP_SIDE;
    small.height = FP_SIDE;
    const ctx = small.getContext("2d", { willReadFrequently: true });
    let data;
    try {
      ctx.drawImage(canvas, 0, 0, FP_SIDE, FP_SIDE);
      data = ctx.getImageData(0, 0, FP_SIDE, FP_SIDE).data;
    } catch {
      return null;
    }
    let hash = 0x811c9dc5;
    let opaque = false;
    for (let i = 0; i < data.length; i += 1) {
      hash = Math.imul(hash ^ data[i], 0x01000193) >>> 0;
      if (i % 4 === 3 && data[i] !== 0) opaque = true;
    }
    return opaque ? hash.toString(16) : "blank";
  }

  async function readCanvas(rec) {
    const fp = fingerprint(rec.el);
    if (fp === null) throw new Unreadable("the canvas is drawn from another site's images");
    if (fp === "blank") throw new Unreadable("the canvas reads as blank");
    const blob = await toBlob(rec.el);
    rec.fingerprint = fp;
    return { b64: await itp.util.blobToBase64(blob), type: "image/png" };
  }

  function parseDataUrl(url) {
    const comma = url.indexOf(",");
    const head = url.slice(5, comma);
    const body = url.slice(comma + 1);
    const type = head.split(";")[0] || "application/octet-stream";
    const b64 = /;base64$/i.test(head) ? body.replace(/\s+/g, "")
      : itp.util.bytesToBase64(new TextEncoder().encode(decodeURIComponent(body)));
    return { b64, type };
  }

  /** The decoded picture of a loaded <img>, drawn on a canvas of our own. */
  async function redraw(img) {
    const canvas = document.createElement("canvas");
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    canvas.getContext("2d").drawImage(img, 0, 0);
    return { b64: await itp.util.blobToBase64(await toBlob(canvas)), type: "image/png" };
  }

  async function readBlobUrl(rec) {
    try {
      const response = await fetch(rec.src);
      if (response.ok) {
        const blob = await response.blob();
        return { b64: await itp.util.blobToBase64(blob), type: blob.type };
      }
    } catch {
      // Revoked once shown (readers do that): the decoded picture is still on the page.
    }
    if (rec.el.getAttribute("src") !== rec.src && rec.el.currentSrc !== rec.src) {
      throw new Error("the page changed the picture");
    }
    return redraw(rec.el);
  }

  /** Bytes of a record whose picture the page made: {b64, type}; Unreadable, or an Error. */
  async function read(rec) {
    if (rec.kind === "canvas") return readCanvas(rec);
    if (/^data:/i.test(rec.src)) return parseDataUrl(rec.src);
    if (/^blob:/i.test(rec.src)) return readBlobUrl(rec);
    throw new Error(`not a picture the page made: ${rec.src}`);
  }

  /**
   * Bytes of an image as this page may fetch it: its cookies, its URL as the referrer. Chrome
   * allows what the page itself may read; Firefox also hosts the extension may access.
   */
  async function fetchAsPage(url) {
    const response = await fetch(url, { credentials: "include", cache: "force-cache" });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const bytes = await response.arrayBuffer();
    return { b64: itp.util.bytesToBase64(bytes), type: response.headers.get("Content-Type") ?? "" };
  }

  itp.pixels = { read, fetchAsPage, fingerprint, Unreadable };
})();

// Translated pictures in the page: fetched once per image through the background worker (the
// token stays there), held as Blobs, shown by blob: URL, or data: URL where a CSP needs it.
(() => {
  const itp = globalThis.__itp;
  if (itp.results) return;

  const byImage = new Map();

  /** @returns {Promise<{blob: Blob, url: string}>} */
  function get(imageId, resultUrl) {
    if (!byImage.has(imageId)) {
      const pending = itp.util.send({ kind: "itp-result", result_url: resultUrl }).then((reply) => {
        if (!reply.ok) throw new Error(reply.error);
        const blob = new Blob([itp.util.base64ToBytes(reply.b64)], { type: reply.type });
        return { blob, url: URL.createObjectURL(blob) };
      });
      pending.catch(() => byImage.delete(imageId));
      byImage.set(imageId, pending);
    }
    return byImage.get(imageId);
  }

  /** Frees a translation no element shows any more (long reading sessions add up). */
  function release(rec) {
    if (!rec.blobUrl || itp.records.shared(rec)) return;
    URL.revokeObjectURL(rec.blobUrl);
    byImage.delete(rec.imageId);
  }

  function dataUrl(blob) {
    return new Promise((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => resolve(reader.result);
      reader.onerror = () => reject(reader.error);
      reader.readAsDataURL(blob);
    });
  }

  itp.results = { get, release, dataUrl };
})();

// Content scripts are classic scripts sharing one isolated world (the page cannot see these
// names). Each file adds to one namespace once, so a second injection changes nothing.
(() => {
  const itp = (globalThis.__itp = globalThis.__itp ?? {});
  if (itp.util) return;

  const ext = globalThis.browser ?? globalThis.chrome;

  /** Runs `fn`, swallowing any error: nothing this extension does may break the page. */
  function safe(fn) {
    return (...args) => {
      try {
        const out = fn(...args);
        if (out && typeof out.catch === "function") out.catch(report);
        return out;
      } catch (err) {
        report(err);
        return undefined;
      }
    };
  }

  function report(err) {
    try {
      console.debug("itp:", err);
    } catch {
      // Even logging may be replaced by the page.
    }
  }

  function debounce(fn, ms) {
    let timer = null;
    return () => {
      clearTimeout(timer);
      timer = setTimeout(safe(fn), ms);
    };
  }

  /** Sends to the background worker; never throws (a reloaded extension leaves orphans). */
  async function send(msg) {
    try {
      return (await ext.runtime.sendMessage(msg)) ?? { ok: false, error: "no answer" };
    } catch (err) {
      return { ok: false, error: String(err?.message ?? err) };
    }
  }

  function bytesToBase64(buffer) {
    const bytes = new Uint8Array(buffer);
    let binary = "";
    for (let i = 0; i < bytes.length; i += 0x8000) {
      binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    }
    return btoa(binary);
  }

  function base64ToBytes(b64) {
    const binary = atob(b64);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }

  /**
   * Base64 of a Blob. Through a FileReader rather than `blob.arrayBuffer()`: in Firefox a
   * Blob from the page (a canvas's toBlob) gives a promise of the page's, which a content
   * script may not await.
   */
  function blobToBase64(blob) {
    return new Promise((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => {
        const url = String(reader.result);
        resolve(url.slice(url.indexOf(",") + 1));
      };
      reader.onerror = () => reject(reader.error);
      reader.readAsDataURL(blob);
    });
  }

  /** Resolves after `n` animation frames: what was changed before has been painted. */
  function frames(n) {
    return new Promise((resolve) => {
      const step = (left) => (left === 0 ? resolve() : requestAnimationFrame(() => step(left - 1)));
      step(n);
    });
  }

  /**
   * At most `size` tasks at once, the others in order. A finishing task hands its slot to the
   * next waiting one directly, so a newcomer cannot overtake the queue.
   */
  class Limiter {
    constructor(size) {
      this.size = size;
      this.active = 0;
      this.waiting = [];
    }

    async run(task) {
      if (this.active < this.size) this.active += 1;
      else await new Promise((resolve) => this.waiting.push(resolve));
      try {
        return await task();
      } finally {
        const next = this.waiting.shift();
        if (next) next();
        else this.active -= 1;
      }
    }
  }

  itp.util = {
    ext, safe, report, debounce, send, bytesToBase64, base64ToBytes, blobToBase64, frames, Limiter,
  };
})();

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

  itp.util = { ext, safe, report, debounce, send, bytesToBase64, base64ToBytes };
})();

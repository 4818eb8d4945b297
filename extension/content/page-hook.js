// Injected into the page's own world (content scripts cannot see the page's calls). Drawing on
// a canvas fires no event, so the 2D and WebGL drawing calls are wrapped to dispatch one
// `itp-canvas-drawn` event on the canvas after the script that drew has finished (one per
// burst: a page built from 64 tiles is one event). The content script listens for it.
(() => {
  const FLAG = Symbol.for("itp.canvasHook");
  if (globalThis[FLAG]) return;
  globalThis[FLAG] = true;

  const pending = new Set();
  const flush = () => {
    const canvases = [...pending];
    pending.clear();
    for (const canvas of canvases) {
      if (canvas.isConnected) canvas.dispatchEvent(new Event("itp-canvas-drawn"));
    }
  };

  function drew(ctx) {
    const canvas = ctx?.canvas;
    // OffscreenCanvas contexts have no element to tell about.
    if (!(canvas instanceof HTMLCanvasElement)) return;
    if (pending.size === 0) setTimeout(flush, 0);
    pending.add(canvas);
  }

  function wrap(proto, names) {
    if (!proto) return;
    for (const name of names) {
      const original = Object.getOwnPropertyDescriptor(proto, name)?.value;
      if (typeof original !== "function") continue;
      const wrapped = {
        [name](...args) {
          const out = original.apply(this, args);
          drew(this);
          return out;
        },
      }[name];
      Object.defineProperty(proto, name, { value: wrapped, writable: true, configurable: true });
    }
  }

  wrap(globalThis.CanvasRenderingContext2D?.prototype, [
    "drawImage", "putImageData", "fillRect", "clearRect", "strokeRect", "fill", "stroke",
    "fillText", "strokeText", "reset",
  ]);
  for (const gl of [globalThis.WebGLRenderingContext, globalThis.WebGL2RenderingContext]) {
    wrap(gl?.prototype, ["drawArrays", "drawElements", "clear"]);
  }
  wrap(globalThis.ImageBitmapRenderingContext?.prototype, ["transferFromImageBitmap"]);
})();

// A canvas cannot be given another picture the way an <img> can: its translation is shown in an
// <img> laid exactly over it, inserted right after it so that it scrolls with it and stacks
// like it (the reader's menus drawn over the canvas stay over the translation too). It lets
// clicks through to the canvas, and is re-placed when the canvas or the page is resized, or
// a box the canvas scrolls in is scrolled.
(() => {
  const itp = globalThis.__itp;
  if (itp.overlay) return;

  const STYLE =
    "all: initial !important; position: absolute !important; display: block !important;" +
    " pointer-events: none !important; margin: 0 !important; border: 0 !important;" +
    " padding: 0 !important; box-sizing: border-box !important; max-width: none !important;" +
    " max-height: none !important; object-fit: fill !important;";

  /** The canvas's content box in viewport coordinates (borders and padding excluded). */
  function contentBox(el) {
    const r = el.getBoundingClientRect();
    const cs = getComputedStyle(el);
    const px = (name) => parseFloat(cs.getPropertyValue(name)) || 0;
    const left = r.left + px("border-left-width") + px("padding-left");
    const top = r.top + px("border-top-width") + px("padding-top");
    const right = r.right - px("border-right-width") - px("padding-right");
    const bottom = r.bottom - px("border-bottom-width") - px("padding-bottom");
    return { left, top, width: Math.max(0, right - left), height: Math.max(0, bottom - top) };
  }

  /**
   * The part of the viewport the canvas can be seen through: boxes that scroll or clip
   * between the canvas and the overlay's containing block clip the canvas but not the overlay
   * (a reader scrolling inside a box of its own), so the overlay is clipped to them by hand.
   */
  function visibleArea(rec, img) {
    const area = { left: -Infinity, top: -Infinity, right: Infinity, bottom: Infinity };
    const container = img.offsetParent;
    for (let node = rec.el.parentElement; node && node !== container
         && node !== document.documentElement; node = node.parentElement) {
      const cs = getComputedStyle(node);
      if (cs.overflowX === "visible" && cs.overflowY === "visible") continue;
      const r = node.getBoundingClientRect();
      area.left = Math.max(area.left, r.left);
      area.top = Math.max(area.top, r.top);
      area.right = Math.min(area.right, r.right);
      area.bottom = Math.min(area.bottom, r.bottom);
    }
    return area;
  }

  function clip(img, box, area) {
    const inset = [
      Math.max(0, area.top - box.top), Math.max(0, box.left + box.width - area.right),
      Math.max(0, box.top + box.height - area.bottom), Math.max(0, area.left - box.left),
    ];
    if (inset.every((v) => v === 0)) img.style.removeProperty("clip-path");
    else img.style.setProperty("clip-path", `inset(${inset.join("px ")}px)`, "important");
  }

  function place(rec) {
    const img = rec.overlay;
    if (!img?.isConnected) return;
    const box = contentBox(rec.el);
    // Measured rather than computed: whichever ancestor positions the overlay, the offset from
    // where `left: 0; top: 0` puts it to where the canvas is, is the one to apply.
    img.style.setProperty("left", "0px", "important");
    img.style.setProperty("top", "0px", "important");
    const at = img.getBoundingClientRect();
    img.style.setProperty("left", `${box.left - at.left}px`, "important");
    img.style.setProperty("top", `${box.top - at.top}px`, "important");
    img.style.setProperty("width", `${box.width}px`, "important");
    img.style.setProperty("height", `${box.height}px`, "important");
    clip(img, box, visibleArea(rec, img));
  }

  function show(rec, onFailed) {
    let img = rec.overlay;
    if (!img?.isConnected) {
      img = document.createElement("img");
      img.setAttribute("data-itp-overlay", "canvas");
      img.setAttribute("alt", "");
      img.setAttribute("style", STYLE);
      img.addEventListener("error", itp.util.safe(() => {
        if (img.getAttribute("src") === rec.shownUrl) onFailed(rec);
      }));
      rec.overlay = img;
    }
    if (img.getAttribute("src") !== rec.shownUrl) img.setAttribute("src", rec.shownUrl);
    if (!img.isConnected) rec.el.after(img);
    place(rec);
  }

  function hide(rec) {
    rec.overlay?.remove();
  }

  const showing = (rec) => Boolean(rec.overlay?.isConnected)
    && rec.overlay.getAttribute("src") === rec.shownUrl;

  function drop(rec) {
    hide(rec);
    rec.overlay = null;
  }

  itp.overlay = { show, hide, place, showing, drop };
})();

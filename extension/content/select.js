// Telling the comic from the rest of the page. A chapter is a run of pictures of one width in
// one column; ads, banners and "next chapter" thumbnails are other widths, elsewhere. So the
// candidates are grouped by their container and width, and the group covering the most of the
// page is the comic. Kept besides: pictures in that container nearly as wide (a double-page
// spread, a narrower last strip), and any picture as big as the comic's pages.
(() => {
  const itp = globalThis.__itp;
  if (itp.select) return;

  // Pictures shown smaller than this on both sides are thumbnails, whatever their number.
  const MIN_PAGE_WIDTH = 280;
  const MIN_PAGE_HEIGHT = 400;
  const WIDTH_STEP = 8;

  /**
   * The element the reader lays its pages out in: the first ancestor holding more than one
   * element. Wrappers around each page (`<div class="page"><img></div>`) are looked through.
   */
  function containerOf(el) {
    let node = el.parentElement;
    while (node && node !== document.body && node.childElementCount === 1) {
      node = node.parentElement;
    }
    return node ?? document.body;
  }

  function measure(el) {
    const r = el.getBoundingClientRect();
    // A lazy placeholder has its width but not yet its height: counted as square.
    const height = r.height > 2 ? r.height : r.width;
    return { width: r.width, height, area: r.width * height };
  }

  /**
   * Which of `candidates` (new finds) are comic images, given `accepted` (elements already
   * taken as comic). Returns {comic, rest}.
   */
  function comic(candidates, accepted) {
    if (candidates.length === 0) return { comic: [], rest: [] };
    const all = [
      ...accepted.map((el) => ({ el, accepted: true })),
      ...candidates.map((item) => ({ el: item.el, item })),
    ];
    const groups = new Map();
    for (const entry of all) {
      entry.size = measure(entry.el);
      entry.container = containerOf(entry.el);
      const key = entry.container;
      if (!groups.has(key)) groups.set(key, new Map());
      const byWidth = groups.get(key);
      const w = Math.round(entry.size.width / WIDTH_STEP);
      if (!byWidth.has(w)) byWidth.set(w, { container: key, members: [], area: 0 });
      const group = byWidth.get(w);
      group.members.push(entry);
      group.area += entry.size.area;
    }
    let best = null;
    for (const byWidth of groups.values()) {
      for (const group of byWidth.values()) {
        if (!best || group.area > best.area) best = group;
      }
    }
    const widths = best.members.map((m) => m.size.width).sort((a, b) => a - b);
    const heights = best.members.map((m) => m.size.height).sort((a, b) => a - b);
    const areas = best.members.map((m) => m.size.area).sort((a, b) => a - b);
    const median = (list) => list[Math.floor(list.length / 2)];
    const pageWidth = median(widths);
    const isComic = pageWidth >= MIN_PAGE_WIDTH || median(heights) >= MIN_PAGE_HEIGHT;
    const pageArea = median(areas);
    const chosen = [];
    const rest = [];
    for (const entry of all) {
      if (!entry.item) continue;
      const keep = isComic && (
        best.members.includes(entry)
        || (entry.container === best.container && entry.size.width >= 0.5 * pageWidth)
        || entry.size.area >= pageArea);
      (keep ? chosen : rest).push(entry.item);
    }
    return { comic: chosen, rest };
  }

  itp.select = { comic, containerOf };
})();

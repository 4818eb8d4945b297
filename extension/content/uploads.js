// Pictures whose bytes the page sends itself: those it made (blob:, data:, canvas), read in the
// page; and those nothing else could read, read from the screen when in view. A few are read
// and sent at a time: each one is held in memory twice (its bytes and their base64) until
// the server has it.
(() => {
  const itp = globalThis.__itp;
  if (itp.uploads) return;
  const { send, Limiter, report } = itp.util;
  const { records } = itp;

  const READS_IN_FLIGHT = 3;
  const limiter = new Limiter(READS_IN_FLIGHT);

  function failed(rec, err) {
    if (!records.current(rec)) return;
    records.setState(rec, "error", {
      error: String(err?.message ?? err), code: err?.code ?? "", origin: err?.origin ?? "",
    });
  }

  async function upload(rec, got) {
    if (!records.current(rec)) return;
    records.setState(rec, "working", { stage: "upload" });
    const reply = await send({
      kind: "itp-upload", jobId: rec.jobId, url: rec.url, b64: got.b64, type: got.type,
    });
    if (!records.current(rec)) return;
    if (!reply.ok) {
      failed(rec, { message: `upload: ${reply.error}`, code: reply.code });
      return;
    }
    // The server names an upload of a job's image by that image's id; a new name only when
    // it took the bytes as a new image of the job.
    if (reply.image_id && reply.image_id !== rec.imageId) {
      rec.imageId = reply.image_id;
      rec.el.setAttribute("data-itp-image-id", rec.imageId);
    }
  }

  /**
   * Reads `rec` from the screen once it is in view, then uploads it. `origin`: the host whose
   * access would have spared this (told to the reader when the screen cannot be read either).
   */
  function fromScreen(rec, origin = "") {
    if (!records.current(rec)) return;
    records.setState(rec, "working", { stage: "screen" });
    itp.capture.request(rec).then(
      (got) => limiter.run(() => upload(rec, got)),
      (err) => {
        if (err.code === "cancelled") return;
        // The server could not get it, the extension may not fetch from its host, and the
        // screen may not be read either: the reader is told which host to allow.
        const message = err.code === "needs_access" && origin
          ? `the extension may not read ${new URL(origin).host}: allow it in the itp menu`
          : err.message;
        failed(rec, { message, code: err.code, origin });
      },
    ).catch(report);
  }

  /** A picture the page made: read here (or from the screen, if it cannot be), then sent. */
  function readAndSend(rec) {
    records.setState(rec, "working", { stage: "read" });
    limiter.run(async () => {
      if (!records.current(rec)) return;
      let got;
      try {
        got = await itp.pixels.read(rec);
      } catch (err) {
        if (err instanceof itp.pixels.Unreadable) fromScreen(rec);
        else failed(rec, err);
        return;
      }
      await upload(rec, got);
    }).catch(report);
  }

  itp.uploads = { readAndSend, fromScreen };
})();

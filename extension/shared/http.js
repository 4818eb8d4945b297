// The server's HTTP API (DESIGN.md, "HTTP and WebSocket"). Every call carries the pairing token
// as a Bearer header; the token never leaves the background worker and the options page.

export class ServerError extends Error {
  constructor(message, { status = 0, code = "" } = {}) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function resolve(settings, path) {
  return new URL(path, settings.serverUrl + "/").href;
}

async function call(settings, path, init = {}) {
  const headers = new Headers(init.headers ?? {});
  if (settings.token) headers.set("Authorization", `Bearer ${settings.token}`);
  let response;
  try {
    response = await fetch(resolve(settings, path), {
      ...init,
      headers,
      credentials: "omit",
      cache: "no-store",
    });
  } catch (err) {
    throw new ServerError(`cannot reach the itp server at ${settings.serverUrl} (${err.message})`);
  }
  if (!response.ok) throw await errorFrom(response);
  return response;
}

async function errorFrom(response) {
  let code = "";
  let message = `HTTP ${response.status}`;
  try {
    const body = await response.json();
    const err = body.error ?? body;
    code = err.code ?? "";
    message = err.message ?? body.detail ?? message;
  } catch {
    // Not JSON: the status line is all there is.
  }
  if (response.status === 401 || response.status === 403) {
    message = `the server refused the pairing token (${message}); check it in the options`;
  }
  return new ServerError(message, { status: response.status, code });
}

export async function health(settings) {
  const response = await call(settings, "v1/health");
  return response.json();
}

/**
 * Whether the server takes the token. Health is public, so an authenticated request for a
 * result that cannot exist answers instead: 404 past the token check, 401 before it.
 */
export async function checkToken(settings) {
  try {
    await call(settings, "v1/results/pairing-check");
  } catch (err) {
    if (err.status === 404) return true;
    throw err;
  }
  return true;
}

/** POST /v1/jobs → {job_id, images: [{image_id, url}]} */
export async function createJob(settings, images) {
  const body = { images, source: settings.source, target: settings.target };
  if (settings.translator) body.translator = settings.translator;
  const response = await call(settings, "v1/jobs", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  return response.json();
}

/** POST /v1/jobs/{job_id}/images: the bytes the server could not fetch itself. */
export async function uploadImage(settings, jobId, url, bytes, contentType) {
  const response = await call(settings, `v1/jobs/${encodeURIComponent(jobId)}/images`, {
    method: "POST",
    headers: { "Content-Type": contentType, "X-Image-Url": url },
    body: bytes,
  });
  return response.json();
}

/** GET a result (`result_url` may be relative to the server, or absolute). */
export async function fetchResult(settings, resultUrl) {
  const target = new URL(resultUrl, settings.serverUrl + "/");
  const server = new URL(settings.serverUrl);
  // The token goes only to the configured server, whatever an event says.
  if (target.origin !== server.origin) {
    throw new ServerError(`result URL ${target.href} is not on the configured server`);
  }
  const response = await call(settings, target.href);
  const type = response.headers.get("Content-Type") ?? "image/png";
  return { bytes: await response.arrayBuffer(), type };
}

export function websocketUrl(settings) {
  const url = new URL("v1/ws", settings.serverUrl + "/");
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.href;
}

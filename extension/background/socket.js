import { ext } from "../shared/api.js";
import { websocketUrl } from "../shared/http.js";

// One WebSocket per browser to the itp server. Browsers cannot put an Authorization header on a
// WebSocket handshake, so the token goes in the first message (`hello`). The socket only lives
// while there is work: `wanted()` says whether it should be open.

const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 30_000;
// Close codes a server uses for a refused token; retrying fast would only repeat the refusal.
const AUTH_CLOSE_CODES = new Set([1008, 4001, 4003, 4401, 4403]);
// Traffic on the socket also keeps Chrome from stopping the worker mid-job (Chrome 116+).
const PING_MS = 20_000;
// The server's session for this browser, kept across worker restarts so a new worker resumes
// it instead of leaving an orphan behind on the server.
const SESSION_KEY = "itpSession";

export class Socket {
  /**
   * @param {object} hooks
   * @param {() => Promise<object>} hooks.settings  current settings (server URL, token)
   * @param {() => boolean} hooks.wanted  whether there is work that needs the socket
   * @param {(send: (msg: object) => void) => void} hooks.onOpen  resubscribe after (re)connect
   * @param {(msg: object) => void} hooks.onMessage  every server message
   */
  constructor(hooks) {
    this.hooks = hooks;
    this.ws = null;
    this.status = "closed";
    this.lastError = "";
    this.attempt = 0;
    this.retryTimer = null;
    this.generation = 0;
    this.pingTimer = null;
    this.opening = false;
  }

  /** Connects unless a connection is open or under way. */
  ensure() {
    if (this.ws || this.retryTimer || this.opening) return;
    this.opening = true;
    this.connect()
      .catch((err) => this.fail(String(err?.message ?? err)))
      .finally(() => {
        this.opening = false;
      });
  }

  send(msg) {
    if (this.ws && this.status === "open") {
      this.ws.send(JSON.stringify(msg));
      return true;
    }
    return false;
  }

  /** Drops the connection and starts again at once (new server URL or token). */
  restart() {
    this.shutdown();
    this.attempt = 0;
    if (this.hooks.wanted()) this.ensure();
  }

  shutdown() {
    this.generation += 1;
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const ws = this.ws;
    this.ws = null;
    this.status = "closed";
    if (ws) {
      try {
        ws.close(1000, "done");
      } catch {
        // Already closing.
      }
    }
  }

  async connect() {
    const generation = ++this.generation;
    const settings = await this.hooks.settings();
    if (generation !== this.generation) return;
    if (!settings.token) {
      this.status = "unpaired";
      this.lastError = "no pairing token: set it in the extension's options";
      return;
    }
    this.status = "connecting";
    const session = await this.savedSession();
    if (generation !== this.generation) return;
    const ws = new WebSocket(websocketUrl(settings));
    this.ws = ws;
    ws.onopen = () => {
      if (generation !== this.generation) return;
      this.status = "open";
      this.lastError = "";
      const hello = { type: "hello", token: settings.token };
      if (session) hello.session = session;
      ws.send(JSON.stringify(hello));
      this.hooks.onOpen((msg) => this.send(msg));
      this.startPings(ws, generation);
    };
    ws.onmessage = (e) => {
      if (generation !== this.generation) return;
      // A message means the server accepted us: later drops retry from the shortest delay.
      this.attempt = 0;
      let msg;
      try {
        msg = JSON.parse(e.data);
      } catch {
        return;
      }
      if (msg?.type === "hello" && typeof msg.session === "string") {
        ext.storage.session.set({ [SESSION_KEY]: msg.session }).catch(() => {});
      }
      if (msg && typeof msg === "object") this.hooks.onMessage(msg);
    };
    ws.onclose = (e) => {
      if (generation !== this.generation) return;
      this.ws = null;
      if (AUTH_CLOSE_CODES.has(e.code)) {
        this.attempt = Math.max(this.attempt, 6);
        this.fail(`the server refused the pairing token (${e.reason || e.code})`, "refused");
      } else {
        this.fail(e.reason || `connection closed (${e.code})`);
      }
    };
    // `error` is always followed by `close`, which does the work.
    ws.onerror = () => {};
  }

  async savedSession() {
    try {
      return (await ext.storage.session.get(SESSION_KEY))[SESSION_KEY] ?? "";
    } catch {
      return "";
    }
  }

  startPings(ws, generation) {
    clearInterval(this.pingTimer);
    this.pingTimer = setInterval(() => {
      if (generation !== this.generation || !this.hooks.wanted()) {
        clearInterval(this.pingTimer);
        return;
      }
      this.send({ type: "ping" });
    }, PING_MS);
  }

  fail(reason, status = "offline") {
    clearInterval(this.pingTimer);
    this.ws = null;
    this.status = status;
    this.lastError = reason;
    if (!this.hooks.wanted()) {
      this.status = "closed";
      return;
    }
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** this.attempt);
    this.attempt += 1;
    // Jitter keeps several browsers (or profiles) from reconnecting in lockstep.
    const delay = base / 2 + Math.random() * (base / 2);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.ensure();
    }, delay);
  }
}

// The WebExtension namespace: Firefox's `browser` and Chrome's `chrome` both return promises
// under Manifest V3, so one name serves both.
export const ext = globalThis.browser ?? globalThis.chrome;

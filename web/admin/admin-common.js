// What the admin pages share: the operator's key (kept in sessionStorage for the tab, one entry for every
// admin page), the message line, and calls to Patchbay's API with that key. Plain browser JavaScript, no
// build step.
//
// Security rules this file keeps:
// - the key lives in sessionStorage only (gone with the tab), never in localStorage, cookies or the URL;
// - the key leaves only in the Authorization header of same-origin calls, without cookies or referrer;
// - messages reach the page through textContent, never as HTML.

/** The one storage entry: a key pasted on one admin page serves the others in this tab. */
const KEY_STORAGE = "patchbay.adminKey";

/** The stored key, "" when none (or when storage is disabled). */
export function readKey() {
  try {
    return sessionStorage.getItem(KEY_STORAGE) ?? "";
  } catch {
    return "";
  }
}

/** @param {string} key */
export function writeKey(key) {
  sessionStorage.setItem(KEY_STORAGE, key);
}

export function forgetKey() {
  try {
    sessionStorage.removeItem(KEY_STORAGE);
  } catch {
    // Storage disabled: nothing was kept.
  }
}

/**
 * Says whether a key is set, and enables "Forget key" only then.
 * @param {{ keyState: HTMLElement, forgetKey: HTMLButtonElement }} ui
 */
export function showKeyState(ui) {
  const set = readKey() !== "";
  ui.keyState.textContent = set ? "A key is set for this tab." : "No key set.";
  ui.forgetKey.disabled = !set;
}

/**
 * @param {{ message: HTMLElement }} ui
 * @param {string} text
 * @param {"info" | "ok" | "error"} kind
 */
export function showMessage(ui, text, kind) {
  ui.message.textContent = text;
  ui.message.className = `message ${kind}`;
  ui.message.hidden = false;
}

/** @param {{ message: HTMLElement }} ui */
export function clearMessage(ui) {
  ui.message.hidden = true;
  ui.message.textContent = "";
}

/** A failed call: its HTTP status (0 for no answer or no key), the API's code and message. */
export class ApiError extends Error {
  /**
   * @param {number} status HTTP status; 0 for no answer
   * @param {string} code
   * @param {string} message
   */
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** @param {unknown} error */
export function isAuthError(error) {
  return error instanceof ApiError && (error.status === 401 || error.status === 403);
}

/**
 * An operator-facing sentence for a failed call; `forbidden` says what a 403 means on this page.
 * @param {unknown} error
 * @param {{ forbidden: string, rateLimited?: string }} words
 */
export function describeFailure(error, words) {
  if (!(error instanceof ApiError)) return "Something went wrong in this page; reload it.";
  switch (error.status) {
    case 0:
      return error.message;
    case 401:
      return "This key was not accepted (401 unauthenticated): it is unknown, revoked or mistyped. Paste another key.";
    case 403:
      return words.forbidden;
    case 429:
      if (words.rateLimited !== undefined) return words.rateLimited;
      break;
    default:
      break;
  }
  return `The request failed (${error.status} ${error.code}): ${error.message}`;
}

/**
 * Calls the API with the stored key and returns the JSON answer; failures are {@link ApiError}s.
 * @param {string} path
 * @param {{ method?: string, body?: unknown, noKey: string, unreachable: string }} options the sentences
 *   for no stored key and for no answer
 * @returns {Promise<any>}
 */
export async function callApi(path, options) {
  const key = readKey();
  if (key === "") throw new ApiError(0, "no_key", options.noKey);
  /** @type {Record<string, string>} */
  const headers = { authorization: `Bearer ${key}`, accept: "application/json" };
  if (options.body !== undefined) headers["content-type"] = "application/json";
  let response;
  try {
    response = await fetch(path, {
      method: options.method ?? "GET",
      headers,
      body: options.body === undefined ? null : JSON.stringify(options.body),
      cache: "no-store",
      credentials: "omit",
      redirect: "error",
      referrerPolicy: "no-referrer",
    });
  } catch {
    throw new ApiError(0, "network", options.unreachable);
  }
  /** @type {any} */
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) {
    const code = typeof data?.code === "string" ? data.code : "error";
    const message = typeof data?.message === "string" ? data.message : response.statusText;
    throw new ApiError(response.status, code, message);
  }
  return data ?? {};
}

/** What a pasted key must look like: what fetch accepts in a header value (else a "network error"). */
const KEY_SHAPE = /^[\x21-\x7e]{1,512}$/;

/**
 * The key form and the "Forget key" button, alike on every admin page: a pasted key of the right shape is
 * kept for the tab and `onKey` runs; a refused one, or storage that refuses to keep it, says why. The
 * field is emptied either way, so the key never stays in the page.
 * @param {{ keyForm: HTMLFormElement, keyInput: HTMLInputElement, keyState: HTMLElement,
 *   forgetKey: HTMLButtonElement, message: HTMLElement }} ui
 * @param {{ onKey: () => void, onForget: () => void }} actions
 */
export function bindKeyControls(ui, actions) {
  ui.keyForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const key = ui.keyInput.value.trim();
    ui.keyInput.value = "";
    if (!KEY_SHAPE.test(key)) {
      showMessage(ui, "Paste an API key: printable characters, no spaces.", "error");
      return;
    }
    try {
      writeKey(key);
    } catch {
      showMessage(ui, "This browser refused to keep the key (session storage is disabled).", "error");
      return;
    }
    showKeyState(ui);
    actions.onKey();
  });
  ui.forgetKey.addEventListener("click", () => {
    forgetKey();
    ui.keyInput.value = "";
    actions.onForget();
    showKeyState(ui);
    showMessage(ui, "The key was forgotten. Paste a key to continue.", "info");
  });
}

/**
 * Refreshes a page's data now and then every `intervalMs`, only while the tab is visible, a key is set and
 * `halted()` is false (a refused key stops it until the operator acts); hiding the tab stops it and
 * showing it again refreshes at once.
 * @param {() => Promise<void>} refresh
 * @param {number} intervalMs
 * @param {() => boolean} halted
 * @returns {{ now: () => Promise<void>, stop: () => void }}
 */
export function createAutoRefresh(refresh, intervalMs, halted) {
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  const stop = () => {
    clearTimeout(timer);
    timer = undefined;
  };
  const schedule = () => {
    stop();
    if (document.visibilityState !== "visible" || readKey() === "" || halted()) return;
    timer = setTimeout(async () => {
      timer = undefined;
      await refresh();
      if (timer === undefined) schedule();
    }, intervalMs);
  };
  const now = async () => {
    stop();
    await refresh();
    schedule();
  };
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") {
      if (!halted()) now();
    } else {
      stop();
    }
  });
  return { now, stop };
}

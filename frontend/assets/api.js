// The HTTP API client: one function per route of the contract in docs/DESIGN.md.
// Every call sends Content-Type and a fresh X-Correlation-ID, like the original client,
// and every failure becomes an ApiError that carries the API's own sentence.

export class ApiError extends Error {
  /**
   * @param {string} message the sentence to show, as the API worded it
   * @param {{status?: number, code?: string, retryAfter?: number|null}} details
   */
  constructor(message, { status = 0, code = "", retryAfter = null } = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }

  /** True when trying again later may succeed (network trouble, 5xx, 429). */
  get transient() {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

/** A v4 UUID; crypto.randomUUID exists only in secure contexts, so fall back to getRandomValues. */
export function uuid() {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), or null. */
export function parseRetryAfter(value, now = Date.now()) {
  if (value == null || value === "") return null;
  const text = String(value).trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.ceil(Number(text));
  const when = Date.parse(text);
  if (Number.isNaN(when)) return null;
  return Math.max(0, Math.ceil((when - now) / 1000));
}

/** A wait in words: seconds while they matter, then minutes, then hours. */
export function formatWait(seconds) {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 2 * 3600) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 3600)} h`;
}

/** The sentence to show for an error; a 429 also says how long to wait (from Retry-After),
 * unless the API's sentence says so already. */
export function describeError(err) {
  if (!(err instanceof ApiError)) return err && err.message ? err.message : String(err);
  const text = err.message.trim();
  if (err.status !== 429 || err.retryAfter == null || /try again/i.test(text)) return text;
  const sentence = /[.!?]$/.test(text) ? text : `${text}.`;
  return `${sentence} Try again in ${formatWait(err.retryAfter)}.`;
}

async function readBody(response) {
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function errorFrom(response, body) {
  const retryAfter =
    parseRetryAfter(response.headers.get("Retry-After")) ??
    // If the API does not expose Retry-After through CORS, a body field is the only way to know.
    (body && typeof body === "object" ? parseRetryAfter(body.retryAfter) : null);
  let message = "";
  let code = "";
  if (body && typeof body === "object") {
    message = typeof body.error === "string" ? body.error : (body.message ?? "");
    code = typeof body.code === "string" ? body.code : "";
  } else if (typeof body === "string" && body.length < 300) {
    message = body;
  }
  if (!message) {
    message = `The API answered ${response.status}${response.statusText ? ` ${response.statusText}` : ""}.`;
  }
  return new ApiError(message, { status: response.status, code, retryAfter });
}

/**
 * @param {string} endpoint the API base URL from config.json, e.g. https://abc.execute-api…/prod
 * @param {{fetch?: typeof fetch}} [options]
 */
export function createApi(endpoint, { fetch: fetchImpl = globalThis.fetch.bind(globalThis) } = {}) {
  if (!endpoint) throw new ApiError("This page has no API endpoint configured (config.json).");
  const base = String(endpoint).replace(/\/+$/, "");

  async function request(method, path, body, signal) {
    let response;
    try {
      response = await fetchImpl(`${base}${path}`, {
        method,
        headers: { "Content-Type": "application/json", "X-Correlation-ID": uuid() },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
        cache: "no-store",
      });
    } catch (err) {
      if (err && err.name === "AbortError") throw err;
      throw new ApiError("Could not reach the API. Check your connection and try again.", {
        code: "NETWORK_ERROR",
      });
    }
    const data = await readBody(response);
    if (!response.ok) throw errorFrom(response, data);
    if (data === null || typeof data !== "object") {
      throw new ApiError("The API sent an answer this page does not understand.", {
        status: response.status,
        code: "BAD_RESPONSE",
      });
    }
    return data;
  }

  const seg = (s) => encodeURIComponent(String(s));
  return {
    generate: (prompt, { signal } = {}) => request("POST", "/generate", { prompt }, signal),
    status: (jobId, { signal } = {}) => request("GET", `/status/${seg(jobId)}`, undefined, signal),
    enhance: (prompt, { signal } = {}) => request("POST", "/enhance", { prompt }, signal),
    galleryList: ({ signal } = {}) => request("GET", "/gallery/list", undefined, signal),
    gallery: (id, { signal } = {}) => request("GET", `/gallery/${seg(id)}`, undefined, signal),
  };
}

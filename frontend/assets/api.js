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
 * @param {{fetch?: typeof fetch, token?: {get(): string|null, set(t: string): void},
 *          askToken?: (sentence: string) => Promise<string|null>}} [options]
 *   token/askToken: a private deployment's access token (access.js); on a 401 the page asks
 *   once, keeps the answer and sends the request again.
 */
export function createApi(
  endpoint,
  { fetch: fetchImpl = globalThis.fetch.bind(globalThis), token = null, askToken = null } = {},
) {
  if (!endpoint) throw new ApiError("This page has no API endpoint configured (config.json).");
  const base = String(endpoint).replace(/\/+$/, "");

  async function request(method, path, body, signal, options = {}) {
    const sentWith = token ? token.get() : null;
    try {
      return await send(method, path, body, signal, options);
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 401 || !token || !askToken) throw err;
      // A 401 to a request sent before the token was given (the page's first calls run at
      // once): send it again with that token instead of asking a second time.
      const current = token.get();
      if (current && current !== sentWith) return request(method, path, body, signal, options);
      const given = await askToken(err.message);
      if (!given) throw err;
      token.set(given);
      return send(method, path, body, signal, options); // a wrong token is a 401 the page shows
    }
  }

  async function send(method, path, body, signal, { text = false } = {}) {
    let response;
    const headers = { "Content-Type": "application/json", "X-Correlation-ID": uuid() };
    const kept = token ? token.get() : null;
    if (kept) headers.Authorization = `Bearer ${kept}`;
    try {
      response = await fetchImpl(`${base}${path}`, {
        method,
        headers,
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
    if (text && response.ok) return response.text(); // an export (CSV), kept as the API wrote it
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
  const query = (params) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v != null && v !== "") q.set(k, String(v));
    const text = q.toString();
    return text ? `?${text}` : "";
  };
  return {
    /** @param {{aspectRatio?: string, seed?: number, steps?: number, guidance?: number, models?: number[]}} [options] */
    generate: (prompt, { signal, ...options } = {}) =>
      request("POST", "/generate", { prompt, ...generateOptions(options) }, signal),
    /** wait/since: the bounded long-poll (answer once updatedAt differs from since). */
    status: (jobId, { signal, wait, since } = {}) =>
      request("GET", `/status/${seg(jobId)}${query({ wait, since })}`, undefined, signal),
    enhance: (prompt, { signal } = {}) => request("POST", "/enhance", { prompt }, signal),
    /** The configured models and, per aspect ratio, what each would be sent. */
    models: ({ signal } = {}) => request("GET", "/models", undefined, signal),
    galleryList: ({ signal, cursor, limit } = {}) =>
      request("GET", `/gallery/list${query({ cursor, limit })}`, undefined, signal),
    gallery: (id, { signal } = {}) => request("GET", `/gallery/${seg(id)}`, undefined, signal),
    // The arena routes; their paths are kept here, in one place.
    retry: (jobId, index, { signal } = {}) =>
      request("POST", `/jobs/${seg(jobId)}/retry`, { model: index }, signal),
    cancel: (jobId, { signal } = {}) =>
      request("POST", `/jobs/${seg(jobId)}/cancel`, {}, signal),
    vote: (jobId, ranking, { signal } = {}) =>
      request("POST", `/jobs/${seg(jobId)}/vote`, { ranking }, signal),
    /** days: the last N days only; absent: all time. */
    leaderboard: ({ signal, days } = {}) =>
      request("GET", `/leaderboard${query({ days })}`, undefined, signal),
    /** The owner's votes as the API exports them: format "json" (an object) or "csv" (text). */
    votes: (format, { signal, days } = {}) =>
      request("GET", `/votes${query({ format, days })}`, undefined, signal, {
        text: format === "csv",
      }),
  };
}

/** Only the options the API takes, with empty ones left out (so the API applies its defaults). */
export function generateOptions({ aspectRatio, seed, steps, guidance, models } = {}) {
  const out = {};
  if (aspectRatio) out.aspectRatio = aspectRatio;
  for (const [name, value] of Object.entries({ seed, steps, guidance })) {
    if (value !== undefined && value !== null && value !== "" && Number.isFinite(Number(value))) {
      out[name] = Number(value);
    }
  }
  if (Array.isArray(models)) out.models = models.map(Number);
  return out;
}

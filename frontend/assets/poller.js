// Follows GET /status/{jobId} until the job ends.
//
// Long-polling (the default): each request carries `since` (the updatedAt last seen) and `wait`,
// and the API answers as soon as the job record changes, so a result is on screen one S3 re-read
// (~150 ms) after it was recorded instead of up to one poll interval later. A token bucket keeps
// the page at no more than about one request per second of polling even when results land in
// quick succession (each change would otherwise cost one request). An API that ignores `wait`
// answers at once with the same record; the poller notices and falls back to the schedule.
//
// The schedule (fallback, or `?poll=schedule`): the delay grows from 500 ms to 3 s.
//
// Either way polling pauses while the page is hidden and stops for good when the page goes away.

export const TERMINAL = new Set(["completed", "partial", "failed"]);

/** A token bucket: `rate` tokens a second, at most `burst` saved up. */
export function createBucket({ rate = 1, burst = 2, start = 1, now = () => Date.now() } = {}) {
  let tokens = start;
  let at = now();
  const refill = () => {
    const t = now();
    tokens = Math.min(burst, tokens + ((t - at) / 1000) * rate);
    at = t;
  };
  return {
    /** Milliseconds until a token is free (0: take one now). */
    delay() {
      refill();
      return tokens >= 1 ? 0 : Math.ceil(((1 - tokens) / rate) * 1000);
    },
    take() {
      refill();
      tokens -= 1;
    },
  };
}

/** How this page polls: `?poll=schedule` forces the schedule (used by the benchmark). */
export function pollMode(search = globalThis.location ? location.search : "") {
  return new URLSearchParams(search).get("poll") === "schedule" ? "schedule" : "long";
}

/**
 * @param {{status: (id: string, o: {signal: AbortSignal, wait?: number, since?: string}) => Promise<object>}} api
 * @param {string} jobId
 * @param {{
 *   onUpdate: (status: object) => void,
 *   onTrouble?: (err: Error|null) => void,   // transient trouble (null once it clears)
 *   mode?: "long"|"schedule", wait?: number, since?: string,
 *   initialDelay?: number, maxDelay?: number, factor?: number,
 *   maxDurationMs?: number, maxFailures?: number, doc?: Document,
 * }} options
 * @returns {{stop: () => void, poke: () => void, done: Promise<object|null>, requests: () => number}}
 *   done resolves with the final status, or null when stopped early; it rejects on a permanent
 *   error. poke asks again at once (after a retry, say).
 */
export function pollJob(api, jobId, options) {
  const {
    onUpdate,
    onTrouble = () => {},
    mode = pollMode(),
    wait = 10,
    since: knownSince = null, // the updatedAt the page already knows (createdAt of a new job)
    initialDelay = 500,
    maxDelay = 3000,
    factor = 1.5,
    // The function may run for 900 s; give up a little after that.
    maxDurationMs = 16 * 60 * 1000,
    maxFailures = 8,
    doc = document,
  } = options;

  let longPoll = mode === "long";
  let delay = initialDelay;
  let failures = 0;
  let timer = null;
  let inFlight = null;
  let finished = false;
  let since = typeof knownSince === "string" && knownSince ? knownSince : null;
  let requests = 0;
  const bucket = createBucket();
  const started = Date.now();
  let resolveDone;
  let rejectDone;
  const done = new Promise((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });

  function cleanup() {
    finished = true;
    clearTimeout(timer);
    if (inFlight) inFlight.abort();
    doc.removeEventListener("visibilitychange", onVisibility);
    window.removeEventListener("pagehide", stop);
  }

  function stop() {
    if (finished) return;
    cleanup();
    resolveDone(null);
  }

  function schedule(ms) {
    clearTimeout(timer);
    if (finished || doc.visibilityState === "hidden") return;
    timer = setTimeout(tick, ms);
  }

  async function tick() {
    if (finished || doc.visibilityState === "hidden" || inFlight) return;
    if (Date.now() - started > maxDurationMs) {
      cleanup();
      rejectDone(new Error("The job is taking far longer than expected; stopped checking on it."));
      return;
    }
    const hold = bucket.delay();
    if (hold > 0) return schedule(hold);
    bucket.take();
    const controller = new AbortController();
    inFlight = controller;
    const asked = Date.now();
    const waiting = longPoll && since !== null;
    try {
      requests += 1;
      const status = await api.status(jobId, {
        signal: controller.signal,
        ...(waiting ? { wait, since } : {}),
      });
      if (finished || controller.signal.aborted) return;
      if (failures) onTrouble(null);
      failures = 0;
      const unchanged = status.updatedAt === since;
      since = typeof status.updatedAt === "string" ? status.updatedAt : null;
      onUpdate(status);
      if (TERMINAL.has(status.status)) {
        cleanup();
        resolveDone(status);
        return;
      }
      // Unchanged well before the wait ran out: this API does not long-poll; use the schedule.
      if (waiting && unchanged && Date.now() - asked < (wait * 1000) / 2) longPoll = false;
      if (longPoll) return schedule(0);
      schedule(delay);
      delay = Math.min(maxDelay, Math.round(delay * factor));
    } catch (err) {
      if (finished || controller.signal.aborted || (err && err.name === "AbortError")) return;
      if (!err.transient || ++failures > maxFailures) {
        cleanup();
        rejectDone(err);
        return;
      }
      onTrouble(err);
      // Honour the API's Retry-After; otherwise back off as for a slow job.
      const pause = err.retryAfter != null ? err.retryAfter * 1000 : delay;
      delay = Math.min(maxDelay, Math.round(delay * factor));
      schedule(Math.max(pause, initialDelay));
    } finally {
      if (inFlight === controller) inFlight = null;
    }
  }

  function onVisibility() {
    if (finished) return;
    if (doc.visibilityState === "hidden") {
      clearTimeout(timer);
      if (inFlight) inFlight.abort();
    } else if (!inFlight) {
      // Back on screen: look at once, then back off from the start again.
      delay = initialDelay;
      schedule(0);
    }
  }

  function poke() {
    if (finished) return;
    // A long-poll in flight sees the change itself; otherwise ask now.
    if (!inFlight) {
      delay = initialDelay;
      schedule(0);
    }
  }

  doc.addEventListener("visibilitychange", onVisibility);
  window.addEventListener("pagehide", stop);
  // Long-polling asks at once (the answer waits on the server); the schedule waits half a second.
  schedule(longPoll ? 0 : initialDelay);
  return { stop, poke, done, requests: () => requests };
}

// Polls GET /status/{jobId} until the job ends. The delay grows from 500 ms to 3 s so a quick
// job feels live and a slow one costs few requests. Polling pauses while the page is hidden
// (nobody is looking, and mobile browsers throttle timers anyway) and resumes when it is shown
// again; leaving the page stops it for good.

export const TERMINAL = new Set(["completed", "partial", "failed"]);

/**
 * @param {{status: (id: string, o: {signal: AbortSignal}) => Promise<object>}} api
 * @param {string} jobId
 * @param {{
 *   onUpdate: (status: object) => void,
 *   onTrouble?: (err: Error|null) => void,   // transient trouble (null once it clears)
 *   initialDelay?: number, maxDelay?: number, factor?: number,
 *   maxDurationMs?: number, maxFailures?: number, doc?: Document,
 * }} options
 * @returns {{stop: () => void, done: Promise<object|null>}} done resolves with the final status,
 *   or null when stopped early; it rejects on a permanent error.
 */
export function pollJob(api, jobId, options) {
  const {
    onUpdate,
    onTrouble = () => {},
    initialDelay = 500,
    maxDelay = 3000,
    factor = 1.5,
    // The function may run for 900 s; give up a little after that.
    maxDurationMs = 16 * 60 * 1000,
    maxFailures = 8,
    doc = document,
  } = options;

  let delay = initialDelay;
  let failures = 0;
  let timer = null;
  let inFlight = null;
  let finished = false;
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
    if (finished || doc.visibilityState === "hidden") return;
    if (Date.now() - started > maxDurationMs) {
      cleanup();
      rejectDone(new Error("The job is taking far longer than expected; stopped checking on it."));
      return;
    }
    const controller = new AbortController();
    inFlight = controller;
    try {
      const status = await api.status(jobId, { signal: controller.signal });
      if (finished || controller.signal.aborted) return;
      if (failures) onTrouble(null);
      failures = 0;
      onUpdate(status);
      if (TERMINAL.has(status.status)) {
        cleanup();
        resolveDone(status);
        return;
      }
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
      const wait = err.retryAfter != null ? err.retryAfter * 1000 : delay;
      delay = Math.min(maxDelay, Math.round(delay * factor));
      schedule(Math.max(wait, initialDelay));
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

  doc.addEventListener("visibilitychange", onVisibility);
  window.addEventListener("pagehide", stop);
  // The job was just accepted; nothing will have finished in the first half second.
  schedule(initialDelay);
  return { stop, done };
}

// The results grid: one card per model, updated in place as status results arrive so that a
// finished image is not reloaded (or its focus lost) on every poll. All API text goes in
// through textContent.

const LABELS = {
  idle: "Ready",
  pending: "Waiting",
  in_progress: "Working…",
  completed: "Done",
  error: "Failed",
};

// The API's per-model error codes (docs/ARCHITECTURE.md, openapi.json ErrorCode): the sentence
// shown when a result carries a code but no sentence of its own.
export const ERROR_SENTENCES = {
  UNKNOWN_MODEL: "The provider does not know this model, or has retired it.",
  MISSING_KEY: "No API key is configured for this model.",
  AUTH: "The provider refused the API key, or the key may not use this model.",
  MODERATED: "The provider's content filter refused the prompt or the image.",
  RATE_LIMITED: "The provider's rate limit or quota was reached; try again later.",
  TIMEOUT: "The provider did not answer in time.",
  UPSTREAM: "The provider failed or refused the request.",
  BAD_RESPONSE: "The provider's answer could not be read.",
  BAD_IMAGE: "The provider's image is not a picture this service can use.",
  STORAGE_FAILED: "The image was made but could not be stored.",
  INTERNAL: "An internal error stopped this model.",
  MISCONFIGURED: "The service is misconfigured, so the model was not run.",
  NOT_STARTED: "The job could not be started.",
  DEADLINE: "The model did not answer before the job's deadline.",
  WORKER_STOPPED: "The worker stopped before this model finished.",
  CANCELLED: "The job was cancelled before this model finished.",
};

/** The sentence a failed model's card shows. */
export function errorSentence(result) {
  if (typeof result.error === "string" && result.error.trim()) return result.error;
  return ERROR_SENTENCES[result.errorCode] || "This model failed.";
}

export function formatDuration(seconds) {
  const n = Number(seconds);
  if (!Number.isFinite(n) || n < 0) return "";
  return n < 60 ? `${n.toFixed(1)} s` : `${Math.floor(n / 60)} min ${Math.round(n % 60)} s`;
}

/** Count finished models the way the progress line shows them. */
export function progressOf(status) {
  const results = Array.isArray(status.results) ? status.results : [];
  const total = Math.max(Number(status.totalModels) || 0, results.length);
  const succeeded = results.filter((r) => r.status === "completed").length;
  const failed = results.filter((r) => r.status === "error").length;
  return { total, done: succeeded + failed, succeeded, failed };
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text != null) node.textContent = text;
  return node;
}

/**
 * @param {HTMLUListElement} list
 * @param {{onOpen: (item: {url: string, model: string, prompt: string, duration?: number}, opener: HTMLElement) => void}} hooks
 */
export function createGrid(list, { onOpen }) {
  /** @type {Map<string, HTMLLIElement>} */
  const cards = new Map();
  let prompt = "";

  function card(key) {
    let li = cards.get(key);
    if (li) return li;
    li = el("li", "card");
    li.dataset.key = key;
    const frame = el("div", "frame");
    const info = el("div", "card-info");
    const name = el("h3", "model");
    const meta = el("p", "meta");
    const provider = el("span", "provider");
    const state = el("span", "state");
    meta.append(provider, state);
    info.append(name, meta);
    li.append(frame, info);
    list.append(li);
    cards.set(key, li);
    return li;
  }

  function setFrame(li, status, result) {
    const frame = li.querySelector(".frame");
    const url = status === "completed" ? result.imageUrl || "" : "";
    // Keep the same <img> while the URL is unchanged, so polling does not reload or refocus it.
    if (url && frame.dataset.url === url) return;
    frame.dataset.url = url;
    frame.replaceChildren();
    if (status === "completed" && url) {
      const button = el("button", "image-button");
      button.type = "button";
      button.setAttribute("aria-label", `View ${result.model} image larger`);
      const img = el("img");
      img.alt = `${result.model}: ${prompt}`;
      img.decoding = "async";
      img.src = url;
      img.addEventListener("error", () => {
        frame.replaceChildren(el("p", "card-error", "The image could not be loaded."));
        li.dataset.status = "error";
      });
      button.append(img);
      button.addEventListener("click", () =>
        onOpen({ url, model: result.model, prompt, duration: result.duration }, button),
      );
      frame.append(button);
    } else if (status === "completed") {
      frame.append(el("p", "card-error", "Finished, but the API gave no image address."));
    } else if (status === "error") {
      frame.append(el("p", "card-error", errorSentence(result)));
    } else if (status === "in_progress") {
      frame.append(el("span", "spinner"));
    } else {
      frame.append(el("span", "placeholder"));
    }
  }

  function render(key, result) {
    const status = LABELS[result.status] ? result.status : "pending";
    const li = card(key);
    li.dataset.status = status;
    if (status === "error" && result.errorCode) li.dataset.errorCode = String(result.errorCode);
    else delete li.dataset.errorCode;
    li.setAttribute("aria-busy", String(status === "pending" || status === "in_progress"));
    li.querySelector(".model").textContent = result.model || `Model ${key}`;
    li.querySelector(".provider").textContent = result.provider || "";
    const took = status === "completed" ? formatDuration(result.duration) : "";
    li.querySelector(".state").textContent = took || LABELS[status];
    setFrame(li, status, result);
  }

  return {
    /** Cards for the configured models before any job (names from config.json). */
    showModels(models) {
      this.clear();
      models.forEach((m, i) => {
        const model = typeof m === "string" ? m : m.name || m.model || "";
        const provider = typeof m === "string" ? "" : m.provider || "";
        render(String(i + 1), { model, provider, status: "idle" });
      });
    },
    clear() {
      cards.clear();
      list.replaceChildren();
    },
    /** Start a job: forget the last job's cards. */
    start(newPrompt, models = []) {
      prompt = newPrompt;
      this.clear();
      models.forEach((m, i) => {
        const model = typeof m === "string" ? m : m.name || m.model || "";
        render(String(i + 1), { model, provider: m.provider || "", status: "pending" });
      });
    },
    update(status) {
      if (typeof status.prompt === "string" && status.prompt) prompt = status.prompt;
      const results = Array.isArray(status.results) ? [...status.results] : [];
      results.sort((a, b) => (Number(a.index) || 0) - (Number(b.index) || 0));
      results.forEach((r, i) => render(String(r.index ?? i + 1), r));
      // Placeholder cards the API does not know about (a stale model list) go away.
      if (results.length) {
        const listed = new Set(results.map((r, i) => String(r.index ?? i + 1)));
        for (const [key, li] of cards) {
          if (!listed.has(key)) {
            li.remove();
            cards.delete(key);
          }
        }
      }
    },
    /** Mark unfinished cards when the job is abandoned, so no spinner runs forever. */
    abandon(reason) {
      for (const [key, li] of cards) {
        if (li.dataset.status === "pending" || li.dataset.status === "in_progress") {
          render(key, {
            model: li.querySelector(".model").textContent,
            provider: li.querySelector(".provider").textContent,
            status: "error",
            error: reason,
          });
        }
      }
    },
    get size() {
      return cards.size;
    },
  };
}

// The results grid: one card per model, updated in place as status results arrive so that a
// finished image is not reloaded (or its focus lost) on every poll. Each card says what was sent
// (size or aspect ratio, seed), what came back (pixel size), anything the provider could not
// honour, the time and the cost. In blind mode the cards are shuffled and show letters instead
// of names, and nothing that could give a model away (provider, size, time, cost) until the
// vote reveals them. All API text goes in through textContent.

const LABELS = {
  idle: "Ready",
  pending: "Waiting",
  in_progress: "Working…",
  completed: "Done",
  error: "Failed",
};
const PLACES = ["1st", "2nd", "3rd"];
export const MAX_RANKED = PLACES.length;

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
  if (seconds == null || seconds === "" || !Number.isFinite(n) || n < 0) return "";
  return n < 60 ? `${n.toFixed(1)} s` : `${Math.floor(n / 60)} min ${Math.round(n % 60)} s`;
}

/** A result's cost as `{usd, measured}` (or a bare number); null when unknown. */
export function costOf(result) {
  const cost = result && result.cost;
  const usd = cost && typeof cost === "object" ? cost.usd : cost;
  if (usd == null || usd === "" || !Number.isFinite(Number(usd))) return null;
  return { usd: Number(usd), measured: Boolean(cost && cost.measured) };
}

/** A model's cost as a card shows it: "$0.040" when the provider reported it, "~$0.080 est."
 * for the price table's estimate; "" when the API gave none. */
export function formatCost(cost) {
  const usd = cost && Number(cost.usd);
  if (!cost || !Number.isFinite(usd) || usd < 0) return "";
  const text = `$${usd.toFixed(usd > 0 && usd < 0.01 ? 4 : 3)}`;
  return cost.measured ? text : `~${text} est.`;
}

/** "Sent 1536×1024 · seed 42" from a result's `sent`. */
export function describeSent(sent) {
  if (!sent || typeof sent !== "object") return "";
  const parts = [];
  const size = sent.size || (sent.width && sent.height ? `${sent.width}x${sent.height}` : "");
  if (size) parts.push(String(size).replace("x", "×"));
  if (sent.aspectRatio) parts.push(String(sent.aspectRatio));
  if (sent.seed != null) parts.push(`seed ${sent.seed}`);
  return parts.length ? `Sent ${parts.join(" · ")}` : "";
}

/** "Got 1536×1024" from a result's `received`. */
export function describeReceived(received) {
  if (!received || typeof received !== "object" || !received.width || !received.height) return "";
  const seed = received.seed != null ? ` · seed ${received.seed}` : "";
  return `Got ${received.width}×${received.height}${seed}`;
}

/** The provider's "could not honour" notes, wherever the API put them. */
export function notesOf(result) {
  const notes = [];
  for (const source of [result.notes, result.sent && result.sent.notes, result.note]) {
    if (Array.isArray(source)) notes.push(...source.filter((n) => typeof n === "string" && n));
    else if (typeof source === "string" && source) notes.push(source);
  }
  return notes;
}

/** The image address; `url` is the original client's alias of `imageUrl`. */
export const imageUrlOf = (result) => result.imageUrl || result.url || "";

/** Count finished models the way the progress line shows them. */
export function progressOf(status) {
  const results = Array.isArray(status.results) ? status.results : [];
  const total = Math.max(Number(status.totalModels) || 0, results.length);
  const succeeded = results.filter((r) => r.status === "completed").length;
  const failed = results.filter((r) => r.status === "error").length;
  // The job's own total when the API gives one, else the sum of its results' costs.
  const costs = results.map(costOf).filter(Boolean);
  const usd = costs.reduce((sum, c) => sum + c.usd, 0);
  const summed = costs.length ? { usd, measured: costs.every((c) => c.measured) } : null;
  const cost = costOf({ cost: status.cost }) || summed;
  return { total, done: succeeded + failed, succeeded, failed, cost };
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text != null) node.textContent = text;
  return node;
}

/** Fisher-Yates with crypto randomness: a blind order nobody can predict from the slot order. */
export function shuffled(items) {
  const out = [...items];
  const random = crypto.getRandomValues(new Uint32Array(out.length));
  for (let i = out.length - 1; i > 0; i--) {
    const j = random[i] % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * @param {HTMLUListElement} list
 * @param {{onOpen: (key: string, opener: HTMLElement) => void,
 *          onRetry?: (index: number, button: HTMLButtonElement) => void,
 *          onRankChange?: (ranking: number[]) => void}} hooks
 */
export function createGrid(list, { onOpen, onRetry = () => {}, onRankChange = () => {} }) {
  /** @type {Map<string, HTMLLIElement>} */
  const cards = new Map();
  /** @type {Map<string, object>} the latest result shown on each card */
  const results = new Map();
  let prompt = "";
  let blind = false;
  let revealed = false;
  let ranking = []; // slot indices, best first
  let letters = new Map(); // key -> "A", "B", ... in blind order

  const hidden = () => blind && !revealed;
  const displayName = (key) =>
    hidden() ? `Image ${letters.get(key) || "?"}` : (results.get(key) || {}).model || `Model ${key}`;

  function card(key) {
    let li = cards.get(key);
    if (li) return li;
    li = el("li", "card");
    li.dataset.key = key;
    const frame = el("div", "frame");
    const info = el("div", "card-info");
    const name = el("h3", "model");
    const meta = el("p", "meta");
    meta.append(el("span", "provider"), el("span", "state"), el("span", "cost"));
    const facts = el("p", "facts");
    const notes = el("ul", "notes");
    const tools = el("div", "card-tools");
    info.append(name, meta, facts, notes, tools);
    li.append(frame, info);
    list.append(li);
    cards.set(key, li);
    return li;
  }

  function setFrame(li, key, status, result) {
    const frame = li.querySelector(".frame");
    const url = status === "completed" ? imageUrlOf(result) : "";
    const img = frame.querySelector("img");
    if (url && frame.dataset.url === url) {
      // Same image: only the names may have changed (blind mode, reveal).
      img.alt = `${displayName(key)}: ${prompt}`;
      frame.querySelector("button").setAttribute("aria-label", `View ${displayName(key)} larger`);
      return;
    }
    frame.dataset.url = url;
    frame.replaceChildren();
    if (status === "completed" && url) {
      const button = el("button", "image-button");
      button.type = "button";
      button.setAttribute("aria-label", `View ${displayName(key)} larger`);
      const image = el("img");
      image.alt = `${displayName(key)}: ${prompt}`;
      image.decoding = "async";
      image.addEventListener("load", () => {
        // When the picture is on screen: the benchmark reads these marks.
        requestAnimationFrame(() => {
          li.dataset.paintedAt = String(performance.timeOrigin + performance.now());
        });
      });
      image.addEventListener("error", () => {
        frame.replaceChildren(el("p", "card-error", "The image could not be loaded."));
        li.dataset.status = "error";
      });
      image.src = url;
      button.append(image);
      button.addEventListener("click", () => onOpen(key, button));
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

  function setTools(li, key, status, result) {
    const tools = li.querySelector(".card-tools");
    tools.replaceChildren();
    const index = Number(result.index ?? key);
    if (status === "error" && result.retryable !== false && onRetry && !hidden()) {
      const retry = el("button", "button secondary small", "Retry");
      retry.type = "button";
      retry.setAttribute("aria-label", `Retry ${displayName(key)}`);
      retry.addEventListener("click", () => onRetry(index, retry));
      tools.append(retry);
    }
    if (blind && !revealed && status === "completed") {
      const place = ranking.indexOf(index);
      const rank = el("button", "button small rank", place >= 0 ? `${PLACES[place]} pick` : "Pick");
      rank.type = "button";
      rank.classList.add(place >= 0 ? "primary" : "secondary");
      rank.setAttribute("aria-pressed", String(place >= 0));
      rank.setAttribute("aria-label", `Rank ${displayName(key)}`);
      rank.addEventListener("click", () => toggleRank(index));
      tools.append(rank);
    }
    tools.hidden = !tools.childElementCount;
  }

  function render(key, result) {
    const status = LABELS[result.status] ? result.status : "pending";
    results.set(key, result);
    const li = card(key);
    li.dataset.status = status;
    li.dataset.index = String(result.index ?? key);
    if (status === "error" && result.errorCode) li.dataset.errorCode = String(result.errorCode);
    else delete li.dataset.errorCode;
    li.setAttribute("aria-busy", String(status === "pending" || status === "in_progress"));
    li.querySelector(".model").textContent = displayName(key);
    const secret = hidden();
    li.querySelector(".provider").textContent = secret ? "" : result.provider || "";
    const took = status === "completed" && !secret ? formatDuration(result.duration) : "";
    li.querySelector(".state").textContent = took || LABELS[status];
    const finished = status === "completed" || status === "error";
    const cost = costOf(result);
    const costLine = li.querySelector(".cost");
    costLine.textContent = finished && !secret ? formatCost(cost) : "";
    costLine.title = cost && !cost.measured ? "Estimated from the price table" : "";
    const facts = secret ? [] : [describeSent(result.sent), describeReceived(result.received)];
    const factLine = li.querySelector(".facts");
    factLine.textContent = facts.filter(Boolean).join(" → ");
    factLine.hidden = !factLine.textContent;
    const notes = li.querySelector(".notes");
    notes.replaceChildren(...(secret ? [] : notesOf(result)).map((n) => el("li", "note", n)));
    notes.hidden = !notes.childElementCount;
    setFrame(li, key, status, result);
    setTools(li, key, status, result);
  }

  function rerender() {
    for (const [key, result] of results) render(key, result);
  }

  function toggleRank(index) {
    const place = ranking.indexOf(index);
    if (place >= 0) ranking.splice(place, 1);
    else if (ranking.length < MAX_RANKED) ranking.push(index);
    else ranking[MAX_RANKED - 1] = index; // a new third pick replaces the old one
    rerender();
    onRankChange([...ranking]);
  }

  function applyBlindOrder() {
    const keys = shuffled([...cards.keys()]);
    letters = new Map(keys.map((k, i) => [k, String.fromCharCode(65 + i)]));
    for (const key of keys) list.append(cards.get(key)); // DOM order, so Tab follows it too
  }

  function slotOrder() {
    const keys = [...cards.keys()].sort((a, b) => Number(a) - Number(b));
    for (const key of keys) list.append(cards.get(key));
  }

  return {
    /** Cards for the configured models before any job (names from config.json). */
    showModels(models) {
      this.clear();
      models.forEach((m, i) => {
        const model = typeof m === "string" ? m : m.name || m.model || "";
        render(String(i + 1), { index: i + 1, model, provider: m.provider || "", status: "idle" });
      });
    },
    clear() {
      cards.clear();
      results.clear();
      list.replaceChildren();
    },
    /** Start a job: forget the last job's cards. `models` are [{index, name}] shown at once. */
    start(newPrompt, models = [], aspect = "1:1") {
      prompt = newPrompt;
      // Frames take the asked shape, so a 16:9 run looks like one before any image arrives.
      const [w, h] = String(aspect).split(":").map(Number);
      if (w > 0 && h > 0) list.style.setProperty("--frame", `${w} / ${h}`);
      ranking = [];
      revealed = false;
      this.clear();
      for (const m of models) {
        render(String(m.index), { index: m.index, model: m.name, status: "pending" });
      }
      if (blind) applyBlindOrder();
      rerender();
    },
    update(status) {
      if (typeof status.prompt === "string" && status.prompt) prompt = status.prompt;
      const incoming = Array.isArray(status.results) ? [...status.results] : [];
      incoming.sort((a, b) => (Number(a.index) || 0) - (Number(b.index) || 0));
      const before = cards.size;
      incoming.forEach((r, i) => render(String(r.index ?? i + 1), r));
      // Placeholder cards the API does not know about (a stale model list) go away.
      if (incoming.length) {
        const listed = new Set(incoming.map((r, i) => String(r.index ?? i + 1)));
        for (const [key, li] of cards) {
          if (!listed.has(key)) {
            li.remove();
            cards.delete(key);
            results.delete(key);
          }
        }
      }
      if (blind && cards.size !== before) {
        applyBlindOrder();
        rerender();
      }
    },
    /** Mark unfinished cards when the job is abandoned, so no spinner runs forever. */
    abandon(reason) {
      for (const [key, result] of results) {
        if (result.status === "pending" || result.status === "in_progress") {
          render(key, { ...result, status: "error", error: reason, retryable: false });
        }
      }
    },
    setBlind(on) {
      blind = on;
      revealed = false;
      ranking = [];
      if (on) applyBlindOrder();
      else slotOrder();
      rerender();
      onRankChange([]);
    },
    reveal() {
      revealed = true;
      rerender();
    },
    get blind() {
      return blind;
    },
    get revealed() {
      return revealed;
    },
    get ranking() {
      return [...ranking];
    },
    /** The finished images in the order shown, for the viewer and "download all". */
    images() {
      return [...list.children]
        .map((li) => li.dataset.key)
        .filter((key) => results.get(key) && results.get(key).status === "completed")
        .filter((key) => imageUrlOf(results.get(key)))
        .map((key) => ({ key, ...this.item(key) }));
    },
    item(key) {
      const r = results.get(key) || {};
      const secret = hidden();
      return {
        url: imageUrlOf(r),
        model: displayName(key),
        realModel: r.model || "",
        prompt,
        duration: secret ? undefined : r.duration,
        cost: secret ? null : costOf(r),
        sent: secret ? null : r.sent,
        received: secret ? null : r.received,
      };
    },
    get size() {
      return cards.size;
    },
  };
}

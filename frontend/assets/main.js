// Wires the page together: config, prompt box, enhance/undo, generate + polling, viewer, gallery.

import { bindForgetButton, createTokenPrompt, createTokenStore } from "./access.js";
import { ApiError, createApi, describeError } from "./api.js";
import { createViewer } from "./dialog.js";
import { createGallery } from "./gallery.js";
import { createGrid, formatCost, formatDuration, progressOf } from "./grid.js";
import { pollJob, TERMINAL } from "./poller.js";

export const PROMPT_LIMIT = 1000;
const TITLE = document.title;

const $ = (id) => document.getElementById(id);
const form = $("prompt-form");
const promptBox = $("prompt");
const counter = $("prompt-count");
const enhanceButton = $("enhance");
const undoButton = $("undo");
const generateButton = $("generate");
const message = $("message");
const progress = $("progress");
const resultsEmpty = $("results-empty");

/** Characters as the API counts them (code points, not UTF-16 units). */
const lengthOf = (text) => [...text].length;

function showMessage(text, err = null) {
  message.textContent = text;
  message.hidden = !text;
  // The exact wait the API asked for (Retry-After), kept for scripts and tests.
  if (err instanceof ApiError && err.retryAfter != null) message.dataset.retryAfter = err.retryAfter;
  else delete message.dataset.retryAfter;
}

function updateCounter() {
  const n = lengthOf(promptBox.value);
  counter.textContent = `${n} / ${PROMPT_LIMIT}`;
  counter.classList.toggle("near", n > PROMPT_LIMIT * 0.9 && n <= PROMPT_LIMIT);
  counter.classList.toggle("over", n > PROMPT_LIMIT);
  promptBox.setAttribute("aria-invalid", String(n > PROMPT_LIMIT));
}

/** Busy without `disabled`, which would throw keyboard focus off the button. */
function setBusy(button, busy, label) {
  button.setAttribute("aria-busy", String(busy));
  button.classList.toggle("busy", busy);
  if (!button.dataset.label) button.dataset.label = button.textContent;
  button.textContent = busy ? label : button.dataset.label;
}

async function loadConfig() {
  const response = await fetch("config.json", { cache: "no-store" });
  if (!response.ok) throw new Error(`config.json answered ${response.status}`);
  return response.json();
}

function start(config) {
  const token = createTokenStore();
  bindForgetButton($("token-forget"), token);
  const askToken = createTokenPrompt($("token-dialog"));
  const api = createApi(config.apiEndpoint, { token, askToken });
  const models = Array.isArray(config.models) ? config.models : [];
  const viewer = createViewer($("viewer"));
  const grid = createGrid($("grid"), { onOpen: (item, opener) => viewer.open(item, opener) });
  const gallery = createGallery(
    api,
    {
      list: $("gallery-list"),
      status: $("gallery-status"),
      detail: $("gallery-detail"),
      detailTitle: $("gallery-detail-title"),
      detailPrompt: $("gallery-detail-prompt"),
      images: $("gallery-images"),
      closeButton: $("gallery-close"),
      refreshButton: $("gallery-refresh"),
    },
    (item, opener) => viewer.open(item, opener),
  );

  if (models.length) {
    grid.showModels(models);
    resultsEmpty.hidden = true;
  }

  let undoText = null; // the prompt as it was before Enhance
  let enhancing = false;
  let submitting = false;
  let job = null; // {id, poller, startedAt, last}

  promptBox.addEventListener("input", () => {
    updateCounter();
    // Typing makes the enhanced text the user's own; Undo would throw that work away.
    if (undoText !== null) {
      undoText = null;
      undoButton.hidden = true;
    }
  });

  enhanceButton.addEventListener("click", async () => {
    if (enhancing) return;
    const original = promptBox.value;
    if (!original.trim()) {
      showMessage("Type a prompt first, then Enhance can improve it.");
      promptBox.focus();
      return;
    }
    enhancing = true;
    showMessage("");
    setBusy(enhanceButton, true, "Enhancing…");
    try {
      const data = await api.enhance(original);
      if (typeof data.enhanced !== "string" || !data.enhanced) {
        throw new ApiError("The API did not return an enhanced prompt.");
      }
      promptBox.value = data.enhanced;
      updateCounter();
      undoText = original;
      undoButton.hidden = false;
    } catch (err) {
      showMessage(describeError(err), err);
    } finally {
      enhancing = false;
      setBusy(enhanceButton, false);
    }
  });

  undoButton.addEventListener("click", () => {
    if (undoText === null) return;
    promptBox.value = undoText;
    undoText = null;
    undoButton.hidden = true;
    updateCounter();
    promptBox.focus();
  });

  function showProgress(status) {
    const { total, done, failed } = progressOf(status);
    let text = `${done} of ${total} done`;
    if (failed) text += ` · ${failed} failed`;
    if (TERMINAL.has(status.status) && job) {
      text += ` · ${formatDuration((Date.now() - job.startedAt) / 1000)}`;
      const cost = formatCost(status.cost);
      if (cost) text += ` · ${cost}`;
    }
    progress.textContent = text;
    document.title = TERMINAL.has(status.status) ? TITLE : `(${done}/${total}) ${TITLE}`;
  }

  function follow(current) {
    current.poller = pollJob(api, current.id, {
      onUpdate(status) {
        current.last = status;
        grid.update(status);
        showProgress(status);
      },
      onTrouble(err) {
        showMessage(err ? `${describeError(err)} Still trying…` : "");
      },
    });
    current.poller.done.then(
      (final) => {
        if (!final || job !== current) return; // stopped: superseded or the page went away
        if (final.status === "failed") showMessage("No model could make an image for this prompt.");
        gallery.refresh();
      },
      (err) => {
        if (job !== current) return;
        const reason = describeError(err);
        showMessage(reason, err);
        grid.abandon(reason);
        document.title = TITLE;
      },
    );
  }

  async function generate() {
    if (submitting) return;
    const prompt = promptBox.value;
    if (!prompt.trim()) {
      showMessage("Type a prompt first.");
      promptBox.focus();
      return;
    }
    // Over-long prompts still go to the API: it decides, and says so in its own words.
    submitting = true;
    showMessage("");
    setBusy(generateButton, true, "Starting…");
    try {
      const accepted = await api.generate(prompt);
      if (!accepted.jobId) throw new ApiError("The API accepted the prompt but sent no job id.");
      if (job) job.poller.stop();
      job = { id: accepted.jobId, startedAt: Date.now(), last: null, poller: null };
      const total = Number(accepted.totalModels) || models.length;
      const names = models.length === total ? models : Array.from({ length: total }, () => "");
      grid.start(prompt, names);
      resultsEmpty.hidden = true;
      undoText = null;
      undoButton.hidden = true;
      showProgress({ status: "pending", totalModels: total, results: [] });
      follow(job);
    } catch (err) {
      showMessage(describeError(err), err);
    } finally {
      submitting = false;
      setBusy(generateButton, false);
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    generate();
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && !viewer.isOpen) {
      event.preventDefault();
      generate();
    }
  });
  // Coming back through the back/forward cache: pagehide stopped the poller; pick the job up again.
  window.addEventListener("pageshow", (event) => {
    if (event.persisted && job && !(job.last && TERMINAL.has(job.last.status))) follow(job);
  });

  updateCounter();
  gallery.refresh();
  document.body.dataset.ready = "true"; // wired up: tests (and curious people) can tell
}

loadConfig()
  .then(start)
  .catch((err) => {
    showMessage(`This page could not start: ${describeError(err)}`);
    for (const button of [enhanceButton, generateButton]) button.disabled = true;
    document.body.dataset.ready = "false";
  });

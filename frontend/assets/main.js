// Wires the page together: config, prompt box and options, enhance/undo, generate + following
// the job, retry and cancel, the viewer, download-all, blind voting, the leaderboard, gallery.

import { bindForgetButton, createTokenPrompt, createTokenStore } from "./access.js";
import { ApiError, createApi, describeError } from "./api.js";
import { createArena } from "./arena.js";
import { createControls, fillAspectRatios } from "./controls.js";
import { createViewer, extensionOf, saveBlob, slug } from "./dialog.js";
import { createGallery, sharedId, shareLink } from "./gallery.js";
import { createGrid, formatCost, formatDuration, progressOf } from "./grid.js";
import { pollJob, TERMINAL } from "./poller.js";
import { makeZip, uniqueNames } from "./zip.js";

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
const cancelButton = $("cancel");
const downloadAll = $("download-all");
const runStatus = $("run-status");

const nameOf = (m) => (typeof m === "string" ? m : (m && (m.name || m.model)) || "");

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
  let job = null; // {id, galleryId, poller, startedAt, last}
  fillAspectRatios($("aspect"));
  const controls = createControls(
    {
      aspect: $("aspect"),
      seed: $("seed"),
      steps: $("steps"),
      guidance: $("guidance"),
      picker: $("model-picker"),
      pickerSummary: $("model-summary"),
    },
    models.map(nameOf),
  );
  // Blind and not yet voted, the generation's link would open it with its names elsewhere.
  const withheld = () => (grid.blind && !grid.revealed && job && job.galleryId) || null;
  const currentShare = () =>
    job && job.galleryId && !withheld() ? shareLink(job.galleryId) : location.href.split("#")[0];
  const viewer = createViewer($("viewer"), { shareUrl: () => viewerShare() });
  let viewerShare = currentShare;
  const grid = createGrid($("grid"), {
    onOpen(key, opener) {
      const items = grid.images();
      viewerShare = currentShare;
      viewer.open(items, Math.max(0, items.findIndex((i) => i.key === key)), opener);
    },
    onRetry: (index, button) => retry(index, button),
    onRankChange: (ranking) => arena.update(ranking),
  });
  const gallery = createGallery(
    api,
    {
      list: $("gallery-list"),
      status: $("gallery-status"),
      detail: $("gallery-detail"),
      detailTitle: $("gallery-detail-title"),
      detailPrompt: $("gallery-detail-prompt"),
      images: $("gallery-images"),
      failed: $("gallery-failed"),
      closeButton: $("gallery-close"),
      refreshButton: $("gallery-refresh"),
      moreButton: $("gallery-more"),
      shareButton: $("gallery-share"),
      shareStatus: $("gallery-share-status"),
    },
    (items, at, opener, share) => {
      viewerShare = () => share;
      viewer.open(items, at, opener);
    },
    withheld,
  );
  const arena = createArena(
    api,
    {
      blindToggle: $("blind"),
      votePanel: $("vote-panel"),
      voteButton: $("vote"),
      voteStatus: $("vote-status"),
      ranking: $("vote-ranking"),
      board: $("board"),
      boardBody: $("board-body"),
      boardStatus: $("board-status"),
      period: $("period"),
      refresh: $("board-refresh"),
      exportJson: $("export-json"),
      exportCsv: $("export-csv"),
    },
    {
      grid,
      currentJob: () => job,
      onReveal: () => {
        if (job && job.last) showProgress(job.last);
        gallery.refresh(); // the generation voted on (or blind mode left) is listed in full
      },
    },
  );

  if (models.length) {
    grid.showModels(models);
    resultsEmpty.hidden = true;
  }

  let undoText = null; // the prompt as it was before Enhance
  let enhancing = false;
  let submitting = false;

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
      // `long_prompt` / `short_prompt` are the original client's names for the same answer.
      const enhanced = [data.enhanced, data.long_prompt, data.short_prompt].find(
        (x) => typeof x === "string" && x.trim(),
      );
      if (!enhanced) throw new ApiError("The API did not return an enhanced prompt.");
      promptBox.value = enhanced;
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
    const { total, done, failed, cost } = progressOf(status);
    let text = `${done} of ${total} done`;
    if (failed) text += ` · ${failed} failed`;
    const over = TERMINAL.has(status.status);
    if (over && job) {
      job.finishedAt = job.finishedAt || Date.now(); // redrawn later (a reveal): same figure
      text += ` · ${formatDuration((job.finishedAt - job.startedAt) / 1000)}`;
    }
    if (cost && !grid.blind) text += ` · ${formatCost(cost)}`;
    progress.textContent = text;
    document.title = over ? TITLE : `(${done}/${total}) ${TITLE}`;
    cancelButton.hidden = over || !job;
    // Blind, the file names and the job's JSON would give the models away before the vote.
    downloadAll.hidden = !grid.images().length || (grid.blind && !grid.revealed);
  }

  function follow(current) {
    // The first look long-polls too: a new job's record is as it was made (createdAt).
    const since = current.last ? current.last.updatedAt : current.createdAt;
    current.poller = pollJob(api, current.id, {
      since,
      onUpdate(status) {
        current.last = status;
        if (status.galleryId) current.galleryId = status.galleryId;
        grid.update(status);
        showProgress(status);
        arena.update();
      },
      onTrouble(err) {
        showMessage(err ? `${describeError(err)} Still trying…` : "");
      },
    });
    current.poller.done.then(
      (final) => {
        if (!final || job !== current) return; // stopped: superseded or the page went away
        if (final.status === "failed" && !/cancel/i.test(runStatus.textContent)) {
          showMessage("No model could make an image for this prompt.");
        }
        gallery.refresh();
      },
      (err) => {
        if (job !== current) return;
        const reason = describeError(err);
        showMessage(reason, err);
        grid.abandon(reason);
        cancelButton.hidden = true;
        document.title = TITLE;
      },
    );
  }

  async function retry(index, button) {
    if (!job) return;
    setBusy(button, true, "Retrying…");
    runStatus.textContent = "";
    try {
      await api.retry(job.id, index);
      runStatus.textContent = "Retrying one model; the others keep their images.";
      // A finished job runs again for this one model: follow it again.
      if (job.last && TERMINAL.has(job.last.status)) {
        job.last = { ...job.last, status: "in_progress" };
        job.finishedAt = null;
        follow(job);
      } else if (job.poller) job.poller.poke();
    } catch (err) {
      runStatus.textContent = describeError(err);
      setBusy(button, false);
    }
  }

  cancelButton.addEventListener("click", async () => {
    if (!job) return;
    setBusy(cancelButton, true, "Cancelling…");
    try {
      await api.cancel(job.id);
      runStatus.textContent = "Cancelled: models not yet started will not run.";
      if (job.poller) job.poller.poke();
    } catch (err) {
      runStatus.textContent = describeError(err);
    } finally {
      setBusy(cancelButton, false);
    }
  });

  downloadAll.addEventListener("click", async () => {
    const items = grid.images();
    if (!items.length || !job) return;
    setBusy(downloadAll, true, "Zipping…");
    runStatus.textContent = "";
    try {
      const files = await Promise.all(
        items.map(async (item) => {
          const response = await fetch(item.url, { mode: "cors" });
          if (!response.ok) throw new Error(`${item.model}: the image server answered ${response.status}`);
          return new Uint8Array(await response.arrayBuffer());
        }),
      );
      const names = uniqueNames(
        items.map((item, i) => `${String(i + 1).padStart(2, "0")}-${slug(item.model)}.${extensionOf(item.url)}`),
      );
      const entries = files.map((data, i) => ({ name: names[i], data }));
      const record = new TextEncoder().encode(JSON.stringify(job.last, null, 2));
      entries.push({ name: "job.json", data: record });
      saveBlob(makeZip(entries), `pixelprompt-${slug(job.last?.prompt || "images").slice(0, 40)}.zip`);
    } catch (err) {
      runStatus.textContent = `Could not make the zip: ${err.message}`;
    } finally {
      setBusy(downloadAll, false);
    }
  });

  async function generate() {
    if (submitting) return;
    const prompt = promptBox.value;
    if (!prompt.trim()) {
      showMessage("Type a prompt first.");
      promptBox.focus();
      return;
    }
    const problem = controls.problem();
    if (problem) {
      showMessage(problem);
      return;
    }
    // Over-long prompts still go to the API: it decides, and says so in its own words.
    submitting = true;
    showMessage("");
    runStatus.textContent = "";
    setBusy(generateButton, true, "Starting…");
    try {
      const options = controls.values();
      const accepted = await api.generate(prompt, options);
      if (!accepted.jobId) throw new ApiError("The API accepted the prompt but sent no job id.");
      if (job) job.poller.stop();
      job = {
        id: accepted.jobId,
        galleryId: accepted.galleryId || null,
        createdAt: typeof accepted.createdAt === "string" ? accepted.createdAt : null,
        startedAt: Date.now(),
        last: null,
        poller: null,
      };
      const total = Number(accepted.totalModels) || 0;
      const chosen = options.models || models.map((_, i) => i + 1);
      const names = chosen.length === total ? chosen.map((i) => ({ index: i, name: nameOf(models[i - 1]) })) : [];
      grid.start(prompt, names, options.aspectRatio);
      arena.jobStarted();
      gallery.refresh(); // the previous generation, no longer the one being voted on, opens again
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

  function openFromHash() {
    const id = sharedId();
    if (id) gallery.openShared(id);
  }
  window.addEventListener("hashchange", openFromHash);

  updateCounter();
  gallery.refresh();
  arena.loadBoard();
  // Older APIs have no GET /models: the picker then simply shows no "sent" hints.
  api.models().then((data) => controls.setShapes(data.models), () => {});
  openFromHash();
  document.body.dataset.ready = "true"; // wired up: tests (and curious people) can tell
}

loadConfig()
  .then(start)
  .catch((err) => {
    showMessage(`This page could not start: ${describeError(err)}`);
    for (const button of [enhanceButton, generateButton]) button.disabled = true;
    document.body.dataset.ready = "false";
  });

// Blind voting and the owner's leaderboard. The vote is a ranking of slot indices, best first
// (a "best" pick is a ranking of one); names are revealed once the API has stored it. The
// leaderboard is the API's Bradley-Terry table; the votes can be exported as JSON or CSV.

import { describeError } from "./api.js";
import { saveBlob } from "./dialog.js";
import { formatCost, formatDuration } from "./grid.js";

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text != null) node.textContent = text;
  return node;
}

const fixed = (n, digits = 0) => (Number.isFinite(Number(n)) && n !== null ? Number(n).toFixed(digits) : "—");

/** The period select's value ("7", "30", "all") as the API's `days`, or undefined for all. */
const daysOf = (value) => (/^\d+$/.test(value) ? Number(value) : undefined);

/** "[962, 1041]" from a row's `ci95` (or ciLow/ciHigh). */
export function formatInterval(row) {
  const ci = Array.isArray(row.ci95) ? row.ci95 : [row.ciLow, row.ciHigh];
  if (ci[0] == null || ci[1] == null) return "—";
  return `${fixed(ci[0])}–${fixed(ci[1])}`;
}

/**
 * @param {object} api
 * @param {Record<string, HTMLElement>} parts
 * @param {{grid: object, currentJob: () => ({id: string, last: object|null}|null),
 *          onReveal?: () => void}} hooks
 */
export function createArena(api, parts, { grid, currentJob, onReveal = () => {} }) {
  const { blindToggle, votePanel, voteButton, voteStatus, ranking: rankingLine } = parts;
  const { board, boardBody, boardStatus, period, refresh, exportJson, exportCsv } = parts;
  let voting = false;
  let voted = false;

  function finished() {
    const job = currentJob();
    return Boolean(job && job.last && ["completed", "partial", "failed"].includes(job.last.status));
  }

  function updatePanel(ranking = grid.ranking) {
    votePanel.hidden = !grid.blind;
    const names = ranking.map((i) => grid.images().find((x) => Number(x.key) === i)?.model || "");
    rankingLine.textContent = ranking.length
      ? `Your ranking: ${names.map((n, i) => `${i + 1}. ${n}`).join(", ")}`
      : "Pick the best image (and, if you like, a second and a third).";
    voteButton.disabled = voted || voting || !ranking.length || !finished();
  }

  blindToggle.addEventListener("change", () => {
    voted = false;
    voteStatus.textContent = "";
    grid.setBlind(blindToggle.checked);
    document.body.dataset.blind = String(blindToggle.checked);
    updatePanel();
    onReveal();
  });

  voteButton.addEventListener("click", async () => {
    const job = currentJob();
    const ranking = grid.ranking;
    if (!job || !ranking.length || voting) return;
    voting = true;
    updatePanel();
    voteStatus.textContent = "Saving your vote…";
    try {
      await api.vote(job.id, ranking);
      voted = true;
      grid.reveal();
      onReveal();
      const real = ranking.map((i) => grid.images().find((x) => Number(x.key) === i)?.model || "");
      voteStatus.textContent = `Vote saved. Your pick: ${real.join(", then ")}.`;
      loadBoard();
    } catch (err) {
      voteStatus.textContent = describeError(err);
    } finally {
      voting = false;
      updatePanel();
    }
  });

  async function loadBoard() {
    boardStatus.textContent = "Loading the leaderboard…";
    try {
      const data = await api.leaderboard({ days: daysOf(period.value) });
      const rows = Array.isArray(data.models) ? data.models : Array.isArray(data.rows) ? data.rows : [];
      boardBody.replaceChildren();
      rows.forEach((row, i) => {
        const tr = el("tr");
        tr.dataset.model = row.name || row.model;
        const cells = [
          String(row.rank ?? i + 1),
          row.name || row.model,
          fixed(row.rating),
          formatInterval(row),
          String(row.votes ?? 0),
          String(row.wins ?? 0),
          formatDuration(row.medianLatencySeconds ?? row.medianLatency) || "—",
          formatCost(row.medianCostUsd != null ? { usd: Number(row.medianCostUsd), measured: true } : null) || "—",
        ];
        cells.forEach((text, c) => tr.append(el(c === 1 ? "th" : "td", "", text)));
        tr.firstChild.nextSibling.setAttribute("scope", "row");
        boardBody.append(tr);
      });
      const total = Number(data.totalVotes ?? data.votes) || 0;
      boardStatus.textContent = rows.length
        ? `${total} vote${total === 1 ? "" : "s"}${data.method ? ` · ${data.method}` : ""}`
        : "No votes in this period yet. Turn on blind mode, generate, and pick the best image.";
      board.dataset.loaded = String(Date.now());
    } catch (err) {
      boardStatus.textContent = `Could not load the leaderboard: ${describeError(err)}`;
    }
  }

  async function exportVotes(format) {
    boardStatus.textContent = `Exporting votes as ${format.toUpperCase()}…`;
    try {
      const data = await api.votes(format, { days: daysOf(period.value) });
      const blob =
        format === "csv"
          ? new Blob([data], { type: "text/csv" })
          : new Blob([JSON.stringify(data, null, 2)], { type: "application/json" });
      saveBlob(blob, `pixelprompt-votes.${format}`);
      boardStatus.textContent = `Votes exported as ${format.toUpperCase()}.`;
    } catch (err) {
      boardStatus.textContent = `Could not export the votes: ${describeError(err)}`;
    }
  }

  period.addEventListener("change", loadBoard);
  refresh.addEventListener("click", loadBoard);
  exportJson.addEventListener("click", () => exportVotes("json"));
  exportCsv.addEventListener("click", () => exportVotes("csv"));

  return {
    /** A new job started: a fresh vote. */
    jobStarted() {
      voted = false;
      voteStatus.textContent = "";
      updatePanel([]);
    },
    update: updatePanel,
    loadBoard,
  };
}

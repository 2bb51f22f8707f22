// Earlier generations: GET /gallery/list (paged with a cursor) for the overview, each entry with
// its prompt and a strip of thumbnails; GET /gallery/{id} for one of them, failed models
// included. A generation has a read-only share link, #/gallery/<id>, that opens the page on it.

import { describeError } from "./api.js";
import { copyText } from "./dialog.js";

export const PAGE_SIZE = 50;
const THUMBS = 6;

/** A readable local date for an ISO string or epoch seconds/milliseconds; raw text otherwise. */
export function formatTimestamp(value) {
  if (value == null || value === "") return "";
  let date;
  if (typeof value === "number" || /^\d+(\.\d+)?$/.test(String(value))) {
    const n = Number(value);
    date = new Date(n < 1e12 ? n * 1000 : n);
  } else {
    date = new Date(String(value));
  }
  if (Number.isNaN(date.getTime())) return String(value);
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

function timeOf(entry) {
  const v = entry.timestamp;
  const n = typeof v === "number" || /^\d+(\.\d+)?$/.test(String(v)) ? Number(v) : Date.parse(v);
  return Number.isFinite(n) ? (n < 1e12 ? n * 1000 : n) : -Infinity;
}

/** Newest first, whatever order the API listed them in. */
export function newestFirst(galleries) {
  return [...galleries].sort((a, b) => timeOf(b) - timeOf(a));
}

/** The share link of a generation: this page, opened on it. */
export function shareLink(id, here = location) {
  return `${here.origin}${here.pathname}#/gallery/${encodeURIComponent(id)}`;
}

/** The generation a share link names, or null. */
export function sharedId(hash = location.hash) {
  const m = /^#\/gallery\/([^/?#]+)$/.exec(hash);
  return m ? decodeURIComponent(m[1]) : null;
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text != null) node.textContent = text;
  return node;
}

function thumbsOf(entry) {
  const list = Array.isArray(entry.thumbnails) ? entry.thumbnails : [];
  const urls = list.map((t) => (typeof t === "string" ? t : t && (t.url || t.imageUrl))).filter(Boolean);
  if (!urls.length && entry.preview) urls.push(entry.preview);
  return urls.slice(0, THUMBS);
}

/**
 * @param {{galleryList: Function, gallery: Function}} api
 * @param {Record<string, HTMLElement>} parts
 * @param {(items: object[], at: number, opener: HTMLElement, share: string) => void} onOpen
 * @param {() => string|null} withheld the generation to keep closed: a blind vote not yet cast,
 *   whose thumbnails (in slot order) and names would tell which model made which image
 */
export function createGallery(api, parts, onOpen, withheld = () => null) {
  const { list, status, detail, detailTitle, detailPrompt, images, failed, closeButton } = parts;
  const { refreshButton, moreButton, shareButton, shareStatus } = parts;
  let loading = null;
  let openedFrom = null;
  let showing = 0; // the latest request wins when entries are opened quickly one after another
  let cursor = null;
  let openId = null;

  function setStatus(text) {
    status.textContent = text;
    status.hidden = !text;
  }

  closeButton.addEventListener("click", () => {
    detail.hidden = true;
    images.replaceChildren();
    failed.replaceChildren();
    openId = null;
    if (sharedId()) history.replaceState(null, "", location.pathname + location.search);
    if (openedFrom && openedFrom.isConnected) openedFrom.focus();
  });
  refreshButton.addEventListener("click", () => refresh());
  moreButton.addEventListener("click", () => more());
  shareButton.addEventListener("click", async () => {
    if (!openId) return;
    const link = shareLink(openId);
    const ok = await copyText(link);
    shareStatus.textContent = ok ? "Link copied." : `Copy this link: ${link}`;
  });

  async function show(entry, button) {
    if (entry.id === withheld()) {
      setStatus("That generation stays hidden until you vote on it (blind mode).");
      return;
    }
    const token = ++showing;
    openedFrom = button;
    openId = entry.id;
    detail.hidden = false;
    detail.dataset.id = entry.id;
    shareStatus.textContent = "";
    const when = formatTimestamp(entry.timestamp);
    detailTitle.textContent = when ? `Generation of ${when}` : "Generation";
    detailPrompt.hidden = true;
    failed.replaceChildren();
    failed.parentElement.hidden = true;
    images.replaceChildren(el("li", "empty", "Loading…"));
    images.setAttribute("aria-busy", "true");
    try {
      const data = await api.gallery(entry.id);
      if (token !== showing) return;
      const items = (Array.isArray(data.images) ? data.images : []).filter((i) => i && i.url);
      const shared = typeof data.prompt === "string" ? data.prompt : "";
      if (!when && data.timestamp) {
        detailTitle.textContent = `Generation of ${formatTimestamp(data.timestamp)}`;
      }
      detailPrompt.textContent = shared;
      detailPrompt.hidden = !shared;
      images.replaceChildren();
      const viewItems = items.map((item) => ({
        url: item.url,
        model: item.model,
        prompt: item.prompt || shared,
        duration: item.duration,
        cost: item.cost && typeof item.cost === "object" ? item.cost : null,
        sent: item.sent,
        received: item.received,
      }));
      if (!items.length) images.append(el("li", "empty", "This generation has no images."));
      viewItems.forEach((image, i) => {
        const li = el("li", "card");
        li.dataset.status = "completed";
        const frame = el("div", "frame");
        const open = el("button", "image-button");
        open.type = "button";
        open.setAttribute("aria-label", `View ${image.model} image larger`);
        const img = el("img");
        img.alt = `${image.model}: ${image.prompt || ""}`;
        img.loading = "lazy";
        img.src = image.url;
        open.append(img);
        open.addEventListener("click", () => onOpen(viewItems, i, open, shareLink(entry.id)));
        frame.append(open);
        const info = el("div", "card-info");
        info.append(el("h4", "model", image.model), el("p", "meta prompt-line", image.prompt || ""));
        li.append(frame, info);
        images.append(li);
      });
      for (const f of Array.isArray(data.failed) ? data.failed : []) {
        const li = el("li", "failed-model");
        li.append(el("strong", "", f.model || "A model"), el("span", "card-error", f.error || "failed"));
        failed.append(li);
      }
      failed.parentElement.hidden = !failed.childElementCount;
    } catch (err) {
      if (token !== showing) return;
      images.replaceChildren(el("li", "card-error", describeError(err)));
    }
    images.setAttribute("aria-busy", "false");
    detailTitle.focus();
  }

  function entryItem(entry) {
    const li = el("li", "gallery-item");
    const button = el("button", "gallery-button");
    button.type = "button";
    button.dataset.id = entry.id;
    if (entry.id === withheld()) {
      button.disabled = true;
      button.append(el("span", "gallery-text", "Hidden until you vote (blind mode)"));
      li.append(button);
      return li;
    }
    const count = Number(entry.imageCount) || 0;
    const failures = Number(entry.failedCount) || 0;
    const when = formatTimestamp(entry.timestamp);
    const strip = el("span", "thumbs");
    for (const url of thumbsOf(entry)) {
      const img = el("img");
      img.alt = ""; // decorative: the button's text names the generation
      img.loading = "lazy";
      img.src = url;
      strip.append(img);
    }
    const text = el("span", "gallery-text");
    const counts = `${count} image${count === 1 ? "" : "s"}${failures ? ` · ${failures} failed` : ""}`;
    text.append(
      el("span", "gallery-prompt-line", typeof entry.prompt === "string" ? entry.prompt : ""),
      el("span", "gallery-when", when || String(entry.id)),
      el("span", "gallery-count", counts),
    );
    button.append(strip, text);
    button.addEventListener("click", () => show(entry, button));
    li.append(button);
    return li;
  }

  function load(reset) {
    // One request at a time; a second call waits for the first (a reset runs after it).
    if (loading) return reset ? loading.then(() => load(true)) : loading;
    if (reset) setStatus(list.childElementCount ? "" : "Loading earlier generations…");
    loading = (async () => {
      try {
        const data = await api.galleryList({ limit: PAGE_SIZE, cursor: reset ? null : cursor });
        const galleries = Array.isArray(data.galleries) ? data.galleries : [];
        if (reset) list.replaceChildren();
        const known = new Set([...list.children].map((li) => li.firstChild.dataset.id));
        for (const entry of newestFirst(galleries)) {
          if (!known.has(entry.id)) list.append(entryItem(entry));
        }
        const next = data.next ?? data.nextCursor; // the cursor of the next page, if any
        cursor = typeof next === "string" && next ? next : null;
        moreButton.hidden = !cursor;
        setStatus(list.childElementCount ? "" : "Nothing yet — your generations will be listed here.");
      } catch (err) {
        setStatus(`Could not load earlier generations: ${describeError(err)}`);
      } finally {
        loading = null;
      }
    })();
    return loading;
  }

  const refresh = () => load(true);
  const more = () => load(false);

  /** Open the generation a share link names (the page was opened on #/gallery/<id>). */
  async function openShared(id) {
    await show({ id, timestamp: null }, null);
    detail.scrollIntoView({ block: "start" });
  }

  return { refresh, more, openShared };
}

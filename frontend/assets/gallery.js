// Earlier generations: GET /gallery/list for the overview, GET /gallery/{id} for one of them.

import { describeError } from "./api.js";

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

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text != null) node.textContent = text;
  return node;
}

/**
 * @param {{galleryList: Function, gallery: Function}} api
 * @param {{list: HTMLElement, status: HTMLElement, detail: HTMLElement, detailTitle: HTMLElement,
 *          images: HTMLElement, closeButton: HTMLElement, refreshButton: HTMLElement}} parts
 * @param {(item: object, opener: HTMLElement) => void} onOpen
 */
export function createGallery(api, parts, onOpen) {
  const { list, status, detail, detailTitle, detailPrompt, images, closeButton, refreshButton } =
    parts;
  let loading = null;
  let openedFrom = null;
  let showing = 0; // the latest request wins when entries are opened quickly one after another

  function setStatus(text) {
    status.textContent = text;
    status.hidden = !text;
  }

  closeButton.addEventListener("click", () => {
    detail.hidden = true;
    images.replaceChildren();
    if (openedFrom && openedFrom.isConnected) openedFrom.focus();
  });
  refreshButton.addEventListener("click", () => refresh());

  async function show(entry, button) {
    const token = ++showing;
    openedFrom = button;
    detail.hidden = false;
    const when = formatTimestamp(entry.timestamp);
    detailTitle.textContent = when ? `Generation of ${when}` : "Generation";
    detailPrompt.hidden = true;
    images.replaceChildren(el("li", "empty", "Loading…"));
    images.setAttribute("aria-busy", "true");
    try {
      const data = await api.gallery(entry.id);
      if (token !== showing) return;
      const items = (Array.isArray(data.images) ? data.images : []).filter((i) => i && i.url);
      const shared = typeof data.prompt === "string" ? data.prompt : "";
      detailPrompt.textContent = shared;
      detailPrompt.hidden = !shared;
      images.replaceChildren();
      if (!items.length) images.append(el("li", "empty", "This generation has no images."));
      for (const item of items) {
        const image = { ...item, prompt: item.prompt || shared };
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
        open.addEventListener("click", () =>
          onOpen({ url: image.url, model: image.model, prompt: image.prompt || "" }, open),
        );
        frame.append(open);
        const info = el("div", "card-info");
        info.append(el("h4", "model", image.model), el("p", "meta prompt-line", image.prompt || ""));
        li.append(frame, info);
        images.append(li);
      }
    } catch (err) {
      if (token !== showing) return;
      images.replaceChildren(el("li", "card-error", describeError(err)));
    }
    images.setAttribute("aria-busy", "false");
    detailTitle.focus();
  }

  function render(galleries) {
    list.replaceChildren();
    for (const entry of galleries) {
      const li = el("li", "gallery-item");
      const button = el("button", "gallery-button");
      button.type = "button";
      button.dataset.id = entry.id;
      const count = Number(entry.imageCount) || 0;
      const when = formatTimestamp(entry.timestamp);
      const thumb = el("span", "thumb");
      if (entry.preview) {
        const img = el("img");
        img.alt = ""; // decorative: the button's text names the generation
        img.loading = "lazy";
        img.src = entry.preview;
        thumb.append(img);
      }
      const text = el("span", "gallery-text");
      text.append(
        el("span", "gallery-when", when || String(entry.id)),
        el("span", "gallery-count", `${count} image${count === 1 ? "" : "s"}`),
      );
      button.append(thumb, text);
      button.addEventListener("click", () => show(entry, button));
      li.append(button);
      list.append(li);
    }
  }

  async function refresh() {
    // One request at a time; a second refresh waits for the first.
    if (loading) return loading;
    setStatus(list.childElementCount ? "" : "Loading earlier generations…");
    loading = (async () => {
      try {
        const data = await api.galleryList();
        const galleries = Array.isArray(data.galleries) ? data.galleries : [];
        render(newestFirst(galleries));
        setStatus(galleries.length ? "" : "Nothing yet — your generations will be listed here.");
      } catch (err) {
        setStatus(`Could not load earlier generations: ${describeError(err)}`);
      } finally {
        loading = null;
      }
    })();
    return loading;
  }

  return { refresh };
}

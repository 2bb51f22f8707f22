// The image viewer: a modal <dialog> for comparing. One image at a time with previous/next
// (arrow keys, buttons, a swipe on touch screens), or two side by side with synchronised
// zoom and pan (buttons, +/-, the wheel; drag or Shift+arrows to pan), or two stacked under a
// swipe slider. Download one image, copy a link to the
// generation. The browser ignores the download attribute on cross-origin links, so for an
// image on another origin the link fetches the bytes and saves them from a blob: URL.

import { describeReceived, describeSent, formatCost, formatDuration } from "./grid.js";

export function slug(text) {
  return (
    String(text)
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 60) || "image"
  );
}

export function extensionOf(url) {
  const m = /\.(png|jpe?g|webp|gif)(?:$|[?#])/i.exec(url);
  return m ? m[1].toLowerCase() : "png";
}

export function fileNameFor(model, prompt, url) {
  return `${slug(model)}-${slug(prompt).slice(0, 40)}.${extensionOf(url)}`.replace(/-\./, ".");
}

/** Save a blob under a file name (an <a download> on a blob: URL). */
export function saveBlob(blob, name) {
  const blobUrl = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = blobUrl;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(blobUrl), 10_000);
}

/** Copy text; falls back to a selected, hidden textarea where the Clipboard API is missing. */
export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.append(area);
    area.select();
    const ok = document.execCommand("copy");
    area.remove();
    return ok;
  }
}

/** Zoom and pan shared by every image in the compare view. */
function createZoom(onChange) {
  const state = { scale: 1, x: 0, y: 0 };
  const clamp = (n, lo, hi) => Math.min(hi, Math.max(lo, n));
  return {
    state,
    zoom(factor) {
      state.scale = clamp(state.scale * factor, 1, 8);
      if (state.scale === 1) state.x = state.y = 0;
      onChange();
    },
    pan(dx, dy) {
      if (state.scale === 1) return;
      state.x += dx / state.scale;
      state.y += dy / state.scale;
      onChange();
    },
    reset() {
      Object.assign(state, { scale: 1, x: 0, y: 0 });
      onChange();
    },
    css: () => `scale(${state.scale}) translate(${state.x}px, ${state.y}px)`,
  };
}

/**
 * @param {HTMLDialogElement} dialog
 * @param {{shareUrl: () => string}} hooks
 */
export function createViewer(dialog, { shareUrl = () => location.href } = {}) {
  const q = (sel) => dialog.querySelector(sel);
  const image = q("#viewer-image");
  const model = q("#viewer-model");
  const duration = q("#viewer-duration");
  const facts = q("#viewer-facts");
  const prompt = q("#viewer-prompt");
  const error = q("#viewer-error");
  const position = q("#viewer-position");
  const download = q("#viewer-download");
  const close = q("#viewer-close");
  const prev = q("#viewer-prev");
  const next = q("#viewer-next");
  const copyLink = q("#viewer-copy");
  const copied = q("#viewer-copied");
  const modeSelect = q("#viewer-mode");
  const otherSelect = q("#viewer-other");
  const single = q("#viewer-single");
  const compare = q("#viewer-compare");
  const left = q("#compare-left");
  const right = q("#compare-right");
  const leftName = q("#compare-left-name");
  const rightName = q("#compare-right-name");
  const slider = q("#compare-slider");
  const sliderRange = q("#compare-slider-range");
  const zoomIn = q("#viewer-zoom-in");
  const zoomOut = q("#viewer-zoom-out");
  const zoomReset = q("#viewer-zoom-reset");
  let opener = null;
  let items = [];
  let index = 0;
  let otherIndex = 1;

  const zoom = createZoom(() => {
    for (const img of compare.querySelectorAll("img")) img.style.transform = zoom.css();
    dialog.dataset.zoom = zoom.state.scale.toFixed(2);
  });

  function current() {
    return items[index];
  }

  function showSingle() {
    const item = current();
    image.src = item.url;
    image.alt = `${item.model}: ${item.prompt}`;
    model.textContent = item.model;
    const took = formatDuration(item.duration);
    const cost = formatCost(item.cost);
    duration.textContent = [took && `Took ${took}`, cost].filter(Boolean).join(" · ");
    duration.hidden = !duration.textContent;
    facts.textContent = [describeSent(item.sent), describeReceived(item.received)]
      .filter(Boolean)
      .join(" → ");
    facts.hidden = !facts.textContent;
    prompt.textContent = item.prompt;
    position.textContent = items.length > 1 ? `${index + 1} of ${items.length}` : "";
    error.hidden = true;
    download.href = item.url;
    download.download = fileNameFor(item.model, item.prompt, item.url);
    download.setAttribute("aria-label", `Download the ${item.model} image`);
    prev.disabled = next.disabled = items.length < 2;
  }

  function fillOthers() {
    otherSelect.replaceChildren();
    items.forEach((item, i) => {
      const option = document.createElement("option");
      option.value = String(i);
      option.textContent = item.model;
      option.disabled = i === index;
      otherSelect.append(option);
    });
    if (otherIndex === index || otherIndex >= items.length) otherIndex = (index + 1) % items.length;
    otherSelect.value = String(otherIndex);
  }

  function showCompare() {
    const a = items[index];
    const b = items[otherIndex];
    left.src = a.url;
    left.alt = `${a.model}: ${a.prompt}`;
    right.src = b.url;
    right.alt = `${b.model}: ${b.prompt}`;
    leftName.textContent = a.model;
    rightName.textContent = b.model;
    model.textContent = `${a.model} and ${b.model}`;
    compare.dataset.layout = modeSelect.value;
    slider.hidden = modeSelect.value !== "slider";
    updateSlider();
    zoom.reset();
  }

  function updateSlider() {
    // The right image covers the left one from the slider's position onwards.
    const at = Number(sliderRange.value);
    compare.style.setProperty("--split", `${at}%`);
  }

  function render() {
    const comparing = modeSelect.value !== "single" && items.length > 1;
    dialog.dataset.mode = comparing ? modeSelect.value : "single";
    single.hidden = comparing;
    compare.hidden = !comparing;
    q("#viewer-compare-controls").hidden = !comparing;
    showSingle();
    if (comparing) {
      fillOthers();
      showCompare();
    }
  }

  function step(delta) {
    if (items.length < 2) return;
    index = (index + delta + items.length) % items.length;
    render();
  }

  close.addEventListener("click", () => dialog.close());
  prev.addEventListener("click", () => step(-1));
  next.addEventListener("click", () => step(1));
  modeSelect.addEventListener("change", render);
  otherSelect.addEventListener("change", () => {
    otherIndex = Number(otherSelect.value);
    showCompare();
  });
  sliderRange.addEventListener("input", updateSlider);
  zoomIn.addEventListener("click", () => zoom.zoom(1.5));
  zoomOut.addEventListener("click", () => zoom.zoom(1 / 1.5));
  zoomReset.addEventListener("click", () => zoom.reset());
  compare.addEventListener(
    "wheel",
    (event) => {
      event.preventDefault();
      zoom.zoom(event.deltaY < 0 ? 1.2 : 1 / 1.2);
    },
    { passive: false },
  );

  // Dragging pans both images in the compare view; a horizontal swipe in the single view steps.
  let drag = null;
  for (const surface of [single, compare]) {
    surface.addEventListener("pointerdown", (event) => {
      if (event.target.closest("input, select, button")) return;
      drag = { x: event.clientX, y: event.clientY, startX: event.clientX, startY: event.clientY };
    });
  }
  dialog.addEventListener("pointermove", (event) => {
    if (!drag || compare.hidden) return;
    zoom.pan(event.clientX - drag.x, event.clientY - drag.y);
    drag.x = event.clientX;
    drag.y = event.clientY;
  });
  dialog.addEventListener("pointerup", (event) => {
    if (!drag) return;
    const dx = event.clientX - drag.startX;
    const dy = event.clientY - drag.startY;
    const swiped = !single.hidden && Math.abs(dx) > 50 && Math.abs(dx) > 2 * Math.abs(dy);
    drag = null;
    if (swiped) step(dx < 0 ? 1 : -1);
  });
  dialog.addEventListener("pointercancel", () => {
    drag = null;
  });
  // A native image drag would swallow the pointer events of a mouse swipe or pan.
  dialog.addEventListener("dragstart", (event) => event.preventDefault());

  dialog.addEventListener("keydown", (event) => {
    if (event.target.closest("select, input[type=range]")) return; // their own arrow keys
    const pans = { ArrowLeft: [40, 0], ArrowRight: [-40, 0], ArrowUp: [0, 40], ArrowDown: [0, -40] };
    if (!compare.hidden && event.shiftKey && pans[event.key]) zoom.pan(...pans[event.key]);
    else if (event.key === "ArrowRight") step(1);
    else if (event.key === "ArrowLeft") step(-1);
    else if (!compare.hidden && (event.key === "+" || event.key === "=")) zoom.zoom(1.5);
    else if (!compare.hidden && event.key === "-") zoom.zoom(1 / 1.5);
    else return;
    event.preventDefault();
  });
  // A click on the backdrop lands on the dialog element itself.
  dialog.addEventListener("click", (event) => {
    if (event.target === dialog) dialog.close();
  });
  dialog.addEventListener("close", () => {
    for (const img of [image, left, right]) img.removeAttribute("src");
    if (opener && opener.isConnected) opener.focus();
    opener = null;
  });

  copyLink.addEventListener("click", async () => {
    const ok = await copyText(shareUrl());
    copied.textContent = ok ? "Link copied." : `Copy this link: ${shareUrl()}`;
  });

  download.addEventListener("click", async (event) => {
    const item = current();
    if (!item) return;
    const target = new URL(item.url, location.href);
    if (target.origin === location.origin) return; // the download attribute works as is
    event.preventDefault();
    error.hidden = true;
    try {
      const response = await fetch(target, { mode: "cors" });
      if (!response.ok) throw new Error(`the image server answered ${response.status}`);
      saveBlob(await response.blob(), download.download);
    } catch (err) {
      // Without CORS on the image host, opening it is the best we can do.
      error.textContent = `Could not download the image (${err.message}); it opens in a new tab instead.`;
      error.hidden = false;
      window.open(target.href, "_blank", "noopener");
    }
  });

  return {
    /**
     * @param {{url: string, model: string, prompt: string, duration?: number}[]} list the images
     * @param {number} at which one to show
     * @param {HTMLElement} [from] focus goes back here when the dialog closes
     */
    open(list, at, from) {
      items = list;
      index = Math.max(0, Math.min(at, list.length - 1));
      otherIndex = (index + 1) % Math.max(1, list.length);
      opener = from || document.activeElement;
      copied.textContent = "";
      modeSelect.value = "single";
      modeSelect.disabled = list.length < 2;
      render();
      dialog.showModal(); // focuses Download, the first control
      download.focus();
    },
    get isOpen() {
      return dialog.open;
    },
  };
}

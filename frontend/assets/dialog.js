// The image viewer: a modal <dialog> with the large image, its prompt, model and time, and a
// Download link. The browser ignores the download attribute on cross-origin links, so for an
// image on another origin the link fetches the bytes and saves them from a blob: URL.

import { formatDuration } from "./grid.js";

export function slug(text) {
  return (
    String(text)
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 60) || "image"
  );
}

function extensionOf(url) {
  const m = /\.(png|jpe?g|webp|gif)(?:$|[?#])/i.exec(url);
  return m ? m[1].toLowerCase() : "png";
}

export function fileNameFor(model, prompt, url) {
  return `${slug(model)}-${slug(prompt).slice(0, 40)}.${extensionOf(url)}`.replace(/-\./, ".");
}

export function createViewer(dialog) {
  const image = dialog.querySelector("#viewer-image");
  const model = dialog.querySelector("#viewer-model");
  const duration = dialog.querySelector("#viewer-duration");
  const prompt = dialog.querySelector("#viewer-prompt");
  const error = dialog.querySelector("#viewer-error");
  const download = dialog.querySelector("#viewer-download");
  const close = dialog.querySelector("#viewer-close");
  let opener = null;
  let current = null;

  close.addEventListener("click", () => dialog.close());
  // A click on the backdrop lands on the dialog element itself.
  dialog.addEventListener("click", (event) => {
    if (event.target === dialog) dialog.close();
  });
  dialog.addEventListener("close", () => {
    image.removeAttribute("src");
    if (opener && opener.isConnected) opener.focus();
    opener = null;
  });

  download.addEventListener("click", async (event) => {
    if (!current) return;
    const target = new URL(current.url, location.href);
    if (target.origin === location.origin) return; // the download attribute works as is
    event.preventDefault();
    error.hidden = true;
    try {
      const response = await fetch(target, { mode: "cors" });
      if (!response.ok) throw new Error(`the image server answered ${response.status}`);
      const blobUrl = URL.createObjectURL(await response.blob());
      const a = document.createElement("a");
      a.href = blobUrl;
      a.download = download.download;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(blobUrl), 10_000);
    } catch (err) {
      // Without CORS on the image host, opening it is the best we can do.
      error.textContent = `Could not download the image (${err.message}); it opens in a new tab instead.`;
      error.hidden = false;
      window.open(target.href, "_blank", "noopener");
    }
  });

  return {
    /**
     * @param {{url: string, model: string, prompt: string, duration?: number}} item
     * @param {HTMLElement} [from] focus goes back here when the dialog closes
     */
    open(item, from) {
      current = item;
      opener = from || document.activeElement;
      image.src = item.url;
      image.alt = `${item.model}: ${item.prompt}`;
      model.textContent = item.model;
      const took = formatDuration(item.duration);
      duration.textContent = took ? `Took ${took}` : "";
      duration.hidden = !took;
      prompt.textContent = item.prompt;
      error.hidden = true;
      download.href = item.url;
      download.download = fileNameFor(item.model, item.prompt, item.url);
      download.setAttribute("aria-label", `Download the ${item.model} image`);
      dialog.showModal(); // focuses Download, the first control
    },
    get isOpen() {
      return dialog.open;
    },
  };
}

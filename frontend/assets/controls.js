// The generation options beside the prompt: aspect ratio, seed, steps, guidance, and which of
// the configured models run. The model choice is remembered in this browser (localStorage), by
// model name, so that a redeploy that reorders the slots keeps the same models chosen.

export const ASPECT_RATIOS = ["1:1", "4:3", "3:4", "16:9", "9:16"];
const STORE_KEY = "pixelprompt.models";

function el(tag, attrs = {}, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text != null) node.textContent = text;
  return node;
}

function readStore(storage) {
  try {
    const saved = JSON.parse(storage.getItem(STORE_KEY) || "null");
    return Array.isArray(saved) ? saved.filter((x) => typeof x === "string") : null;
  } catch {
    return null; // storage disabled or garbage: default to every model
  }
}

/**
 * @param {{form: HTMLElement, aspect: HTMLSelectElement, seed: HTMLInputElement,
 *          steps: HTMLInputElement, guidance: HTMLInputElement, picker: HTMLElement,
 *          pickerSummary: HTMLElement}} parts
 * @param {string[]} models the configured model names, slot 1 first
 */
export function createControls(parts, models, storage = globalThis.localStorage) {
  const { aspect, seed, steps, guidance, picker, pickerSummary } = parts;
  const boxes = [];
  const saved = readStore(storage);

  function summarise() {
    const on = boxes.filter((b) => b.checked).length;
    pickerSummary.textContent =
      on === boxes.length ? `All ${on} models` : `${on} of ${boxes.length} models`;
  }

  function save() {
    try {
      const chosen = boxes.filter((b) => b.checked).map((b) => b.dataset.model);
      if (chosen.length === boxes.length) storage.removeItem(STORE_KEY);
      else storage.setItem(STORE_KEY, JSON.stringify(chosen));
    } catch {
      /* private mode: the choice lasts for this page only */
    }
    summarise();
  }

  const list = picker.querySelector(".model-options");
  models.forEach((name, i) => {
    const id = `model-${i + 1}`;
    const label = el("label", { class: "check", for: id });
    const box = el("input", { type: "checkbox", id, value: String(i + 1) });
    box.dataset.model = name;
    box.checked = !saved || saved.includes(name);
    box.addEventListener("change", save);
    // The hint describes the box, outside its label: the box's name stays the model's.
    const hint = el("span", { class: "would-send", id: `${id}-sent` });
    box.setAttribute("aria-describedby", hint.id);
    label.append(box, el("span", {}, name));
    const row = el("div", { class: "check-row" });
    row.append(label, hint);
    list.append(row);
    boxes.push(box);
  });
  picker.hidden = !models.length;
  for (const button of picker.querySelectorAll("[data-select]")) {
    button.addEventListener("click", () => {
      for (const box of boxes) box.checked = button.dataset.select === "all";
      save();
    });
  }
  summarise();

  let shapes = new Map(); // slot index -> {ratio: {sent, notes}} from GET /models
  function showShapes() {
    boxes.forEach((box) => {
      const hint = document.getElementById(`${box.id}-sent`);
      const shape = (shapes.get(Number(box.value)) || {})[aspect.value];
      const sent = shape && shape.sent ? shape.sent.size || shape.sent.aspectRatio || "" : "";
      hint.textContent = sent ? `sent ${String(sent).replace("x", "×")}` : "";
      hint.title = shape && shape.notes ? shape.notes.join("; ") : "";
    });
  }
  aspect.addEventListener("change", showShapes);

  return {
    /** What each model would be sent per aspect ratio (GET /models), shown in the picker. */
    setShapes(entries) {
      shapes = new Map(
        (Array.isArray(entries) ? entries : [])
          .filter((m) => m && m.shapes)
          .map((m) => [Number(m.index), m.shapes]),
      );
      showShapes();
    },
    /** The /generate options; `models` only when a subset is chosen (the API's default is all). */
    values() {
      const chosen = boxes.filter((b) => b.checked).map((b) => Number(b.value));
      return {
        aspectRatio: aspect.value,
        seed: seed.value.trim(),
        steps: steps.value.trim(),
        guidance: guidance.value.trim(),
        models: boxes.length && chosen.length < boxes.length ? chosen : undefined,
      };
    },
    /** The names of the chosen models, for the cards shown before the first status arrives. */
    chosenNames() {
      return boxes.length ? boxes.filter((b) => b.checked).map((b) => b.dataset.model) : models;
    },
    /** A sentence when the options cannot be sent, else "". */
    problem() {
      if (boxes.length && !boxes.some((b) => b.checked)) return "Choose at least one model.";
      for (const [input, name] of [
        [seed, "The seed"],
        [steps, "Steps"],
        [guidance, "Guidance"],
      ]) {
        if (!input.checkValidity()) {
          input.focus();
          return `${name} ${input.validationMessage.replace(/^./, (c) => c.toLowerCase())}`;
        }
      }
      return "";
    },
  };
}

/** Fill the aspect-ratio select (one place for the list the API accepts). */
export function fillAspectRatios(select) {
  for (const ratio of ASPECT_RATIOS) select.append(el("option", { value: ratio }, ratio));
  select.value = "1:1";
}

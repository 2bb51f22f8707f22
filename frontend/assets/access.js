// Private deployments: the API answers 401 until the page sends `Authorization: Bearer <token>`.
// The token is asked for once (a small dialog), kept in this browser's localStorage so the
// next visit needs nothing, and can be forgotten with one button. It is never put in a URL,
// a log report or the page itself.

export const STORAGE_KEY = "pixelprompt.accessToken";

/** The token kept in `storage` (localStorage by default); storage may be unavailable. */
export function createTokenStore(storage = globalThis.localStorage) {
  const safe = (fn, fallback) => {
    try {
      return fn();
    } catch {
      return fallback; // private mode or blocked storage: the token lives for this page only
    }
  };
  let memory = null;
  const listeners = [];
  const changed = () => listeners.forEach((fn) => fn());
  return {
    get: () => safe(() => storage.getItem(STORAGE_KEY), null) ?? memory,
    set(token) {
      memory = token;
      safe(() => storage.setItem(STORAGE_KEY, token));
      changed();
    },
    forget() {
      memory = null;
      safe(() => storage.removeItem(STORAGE_KEY));
      changed();
    },
    /** Call `fn` after every set or forget. */
    onChange(fn) {
      listeners.push(fn);
    },
  };
}

/**
 * Ask for the token with the page's <dialog id="token-dialog">; resolves to the token, or null
 * when the person cancels. Concurrent 401s share one question.
 */
export function createTokenPrompt(dialog) {
  const form = dialog.querySelector("form");
  const input = dialog.querySelector("#token-input");
  const reason = dialog.querySelector("#token-reason");
  const cancel = dialog.querySelector("#token-cancel");
  let pending = null;

  return function ask(sentence) {
    if (pending) return pending;
    pending = new Promise((resolve) => {
      const finish = (value) => {
        form.removeEventListener("submit", onSubmit);
        cancel.removeEventListener("click", onCancel);
        dialog.removeEventListener("cancel", onCancel);
        input.value = "";
        if (dialog.open) dialog.close();
        pending = null;
        resolve(value);
      };
      const onSubmit = (event) => {
        event.preventDefault();
        const token = input.value.trim();
        if (token) finish(token);
      };
      const onCancel = (event) => {
        event.preventDefault();
        finish(null);
      };
      form.addEventListener("submit", onSubmit);
      cancel.addEventListener("click", onCancel);
      dialog.addEventListener("cancel", onCancel);
      reason.textContent = sentence || "This deployment is private: enter its access token.";
      dialog.showModal();
      input.focus();
    });
    return pending;
  };
}

/** The "Forget access token" button: shown only while a token is kept. */
export function bindForgetButton(button, store) {
  const refresh = () => {
    button.hidden = !store.get();
  };
  button.addEventListener("click", () => store.forget());
  store.onChange(refresh);
  refresh();
}

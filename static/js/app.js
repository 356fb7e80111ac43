// Stepwise's only script besides htmx: marks the page as enhanced and reports failed saves.
document.documentElement.classList.add("js");

// Fields drawn only for pages without scripts (a signed row's own reason box) must not be sent beside the
// enhanced ones, so they are switched off; htmx swaps in new rows, hence on every settle too.
function disableNoScriptFields(root) {
  root.querySelectorAll("input.nojs-only").forEach(function (input) {
    input.disabled = true;
  });
}
document.addEventListener("DOMContentLoaded", function () {
  disableNoScriptFields(document);
});
document.addEventListener("htmx:load", function (event) {
  disableNoScriptFields(event.detail.elt.parentElement || document);
});

// The attendance grid's rows save through their form, the row's only htmx element (a grid of 70 rows sets up
// at once; one listener here serves them all). A control that changes asks its row to save ("row-save" in
// the form's hx-trigger), named as the control that sent the save (HX-Trigger-Name: a status picked resets
// the minutes). A radio group (data-settle-ms) saves after a settle, each group of each row on its own
// timer, so arrowing through the options saves only where the clinician stops; a typed field saves on change.
const rowSaveTimers = new WeakMap();

function requestRowSave(row, name) {
  if (row.isConnected) {
    htmx.trigger(row, "row-save", { field: name });
  }
}

document.addEventListener("change", function (event) {
  const field = event.target;
  const row = field.form;
  if (!row || !field.name || !row.hasAttribute("hx-post") || !row.classList.contains("attendance-row")) {
    return;
  }
  const group = field.closest("[data-settle-ms]");
  if (!group) {
    requestRowSave(row, field.name);
    return;
  }
  const timers = rowSaveTimers.get(row) || {};
  rowSaveTimers.set(row, timers);
  clearTimeout(timers[field.name]);
  timers[field.name] = setTimeout(function () {
    delete timers[field.name];
    requestRowSave(row, field.name);
  }, Number(group.dataset.settleMs));
});

document.addEventListener("htmx:configRequest", function (event) {
  const trigger = event.detail.triggeringEvent;
  if (trigger && trigger.type === "row-save") {
    event.detail.headers["HX-Trigger-Name"] = trigger.detail.field;
  }
});

function rowStateFor(element) {
  const row = element && element.closest ? element.closest(".attendance-row") : null;
  return row ? row.querySelector(".row-state") : null;
}

function showRowState(element, text, state) {
  const rowState = rowStateFor(element);
  if (rowState) {
    rowState.textContent = text;
    rowState.className = "row-state is-" + state;
  }
}

// A save that never reached the server must not look saved.
document.addEventListener("htmx:sendError", function (event) {
  showRowState(event.detail.elt, "Not saved: no connection. Try again.", "error");
});

// Nor one the server turned down without a row of its own (expired form, server error): the reason
// is shown at the top of the page.
document.addEventListener("htmx:responseError", function (event) {
  showRowState(event.detail.elt, "Not saved. See the message at the top of the page.", "error");
});

document.addEventListener("htmx:beforeRequest", function (event) {
  showRowState(event.detail.elt, "Saving…", "saving");
});

// A successful save sends back only the parts of the row that changed, so the marks of an earlier
// refused or conflicting save are cleared here. (The event reaches us from the nearest element still
// on the page when the trigger itself was swapped out.)
document.addEventListener("htmx:afterRequest", function (event) {
  const row = event.target.closest ? event.target.closest(".attendance-row") : null;
  if (!row || event.detail.xhr.status !== 200) {
    return;
  }
  row.classList.remove("is-error", "is-conflict");
  row.querySelectorAll(".field-error").forEach(function (message) {
    message.remove();
  });
  row.querySelectorAll("[aria-invalid]").forEach(function (field) {
    field.removeAttribute("aria-invalid");
    field.removeAttribute("aria-describedby");
  });
});

// After a refused form (422), move focus to what went wrong: the message at the top of the form, else the
// first field marked invalid, so a keyboard or screen-reader user lands on it. The attendance grid keeps
// focus where it is: its rows save as the clinician works and say in place what was refused.
function focusFirstError(root) {
  if (!root || !root.querySelector || (root.closest && root.closest(".attendance-grid"))) {
    return;
  }
  const target = root.querySelector("[data-error-summary], .flash-error[role='alert'], [aria-invalid='true']");
  if (!target) {
    return;
  }
  if (!target.matches("input, select, textarea, button") && !target.hasAttribute("tabindex")) {
    target.setAttribute("tabindex", "-1");
  }
  target.focus();
}

document.addEventListener("htmx:afterSettle", function (event) {
  if (event.detail.xhr && event.detail.xhr.status === 422) {
    // For an outerHTML swap the event comes from the new element, already on the page.
    focusFirstError(event.target);
  }
});

document.addEventListener("DOMContentLoaded", function () {
  focusFirstError(document.getElementById("main"));
});
// "Print or save as PDF" on the level-of-care summary (a button, since an inline onclick breaks the CSP).
document.addEventListener("click", function (event) {
  const button = event.target.closest ? event.target.closest("[data-print]") : null;
  if (button) {
    window.print();
  }
});

// After a conflict, "Use my note" puts the note this clinician typed back into the row's note box, over the
// colleague's, and saves it with the fresh version: on purpose, by pressing the button, never silently.
document.addEventListener("click", function (event) {
  const button = event.target.closest ? event.target.closest("[data-reapply-note]") : null;
  if (!button) {
    return;
  }
  const input = document.getElementById(button.dataset.reapplyNote);
  const kept = button.closest(".kept-note").querySelector(".kept-text");
  if (input && kept) {
    input.value = kept.textContent;
    input.focus();
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }
});

// A slider shows its number as it moves (the client's check-in); without script the number of the
// last save is shown and the slider still works.
document.addEventListener("input", function (event) {
  const slider = event.target;
  if (!slider.matches || !slider.matches("input[type='range'][data-output]")) {
    return;
  }
  const output = document.getElementById(slider.dataset.output);
  if (output) {
    output.textContent = slider.value;
  }
});

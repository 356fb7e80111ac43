// Stepwise's only script besides htmx: marks the page as enhanced and reports failed saves.
document.documentElement.classList.add("js");

function rowStateFor(element) {
  const row = element && element.closest ? element.closest(".attendance-row") : null;
  return row ? row.querySelector(".row-state") : null;
}

// A save that never reached the server must not look saved.
document.addEventListener("htmx:sendError", function (event) {
  const state = rowStateFor(event.detail.elt);
  if (state) {
    state.textContent = "Not saved: no connection. Try again.";
    state.className = "row-state is-error";
  }
});

document.addEventListener("htmx:beforeRequest", function (event) {
  const state = rowStateFor(event.detail.elt);
  if (state) {
    state.textContent = "Saving…";
    state.className = "row-state is-saving";
  }
});

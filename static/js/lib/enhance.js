// What every page does to its server-rendered markup, and to cards added later:
// durations written as clocks, and a confirmation before a track is deleted.
import { formatDuration } from "./format.js";

export function enhance(root) {
  showDurations(root);
  confirmDeletes(root);
}

function showDurations(root) {
  for (const node of root.querySelectorAll(".duration[data-seconds]")) {
    node.textContent = formatDuration(parseFloat(node.dataset.seconds));
  }
}

function confirmDeletes(root) {
  // data-ready: a form is enhanced once, however often its container is.
  for (const form of root.querySelectorAll(".delete-form:not([data-ready])")) {
    form.dataset.ready = "1";
    form.addEventListener("submit", (event) => {
      const title = form.querySelector("button").dataset.title || "this track";
      if (!window.confirm(`Delete “${title}” and all its files?`)) event.preventDefault();
    });
  }
}

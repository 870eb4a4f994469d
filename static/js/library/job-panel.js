// A track card's job panel: the newest job's state, its progress bar and Cancel while
// it is under way, its stems (players and downloads) and ZIP once it is done, and for
// a finished preview a button that separates the full track the same way.
import { el } from "../lib/dom.js";
import { formatDuration } from "../lib/format.js";
import { isCompleted, modelWords } from "../lib/jobs.js";

/**
 * The panel of `job`. `actions.cancel(job)` and `actions.separateFully(job)` return
 * promises that reject with an Error whose message is for people.
 */
export function jobPanel(job, { actions, previewSeconds }) {
  const panel = el("div", { class: `job status-${job.status}`, "data-job-id": job.id }, [
    el("p", { class: "job-status" }, [
      el("strong", { text: job.status_label }),
      ` · ${modelWords(job)}`,
      job.preview && el("span", { class: "preview-badge", text: previewWords(job, previewSeconds) }),
    ]),
  ]);
  if (job.active) panel.append(progressRow(job), cancelButton(job, actions));
  else if (isCompleted(job)) panel.append(...results(job, actions));
  else if (job.error) panel.append(el("p", { class: "job-error", text: job.error }));
  return panel;
}

/**
 * Move the bar of `panel` to `job`'s progress; false when the panel shows something
 * else (another job or state) and must be drawn anew. Updating in place keeps the
 * focus on the Cancel button.
 */
export function updateProgress(panel, job) {
  const bar = panel.querySelector(".job-progress");
  if (!bar || panel.dataset.jobId !== job.id || !panel.classList.contains(`status-${job.status}`)) return false;
  bar.value = job.progress;
  panel.querySelector(".job-percent").textContent = `${job.progress}%`;
  return true;
}

function previewWords(job, previewSeconds) {
  const start = job.result && job.result.preview_start_seconds;
  return start === undefined ? `Preview (${previewSeconds} s)` : `Preview from ${formatDuration(start)}`;
}

function progressRow(job) {
  const bar = el("progress", { max: "100", class: "job-progress", "aria-label": "Separation progress" });
  bar.value = job.progress;
  return el("div", { class: "progress-row" }, [bar, el("span", { class: "job-percent", text: `${job.progress}%` })]);
}

function cancelButton(job, actions) {
  const button = el("button", { type: "button", class: "small job-cancel", text: "Cancel" });
  button.addEventListener("click", () => {
    button.disabled = true;
    actions.cancel(job).catch((error) => {
      button.disabled = false;
      button.title = error.message;
    });
  });
  return button;
}

function results(job, actions) {
  const parts = [el("ul", { class: "stems" }, job.stems.map(stemRow))];
  if (job.zip_url) {
    parts.push(el("a", { href: job.zip_url, class: "zip-download", download: "", text: "Download all (ZIP)" }));
  }
  if (job.preview) parts.push(fullRunButton(job, actions));
  return parts;
}

function stemRow(stem) {
  return el("li", { class: "stem" }, [
    el("span", { class: "stem-name", text: stem.stem_type }),
    el("a", { href: stem.export_url, class: "stem-download", download: "", text: "Download" }),
    el("audio", { controls: "", preload: "none", src: stem.file_url, "data-stem": stem.stem_type }),
  ]);
}

function fullRunButton(job, actions) {
  const button = el("button", { type: "button", class: "small full-run", text: "Separate the full track" });
  button.addEventListener("click", () => {
    button.disabled = true;
    actions.separateFully(job).catch((error) => {
      button.disabled = false;
      button.textContent = error.message || "Could not start";
    });
  });
  return button;
}

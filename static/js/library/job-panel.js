// One separation on a track card: its state, its progress bar and Cancel while it is
// under way; once done, its stems (players and downloads, folded away so a card
// with several separations stays short), its own ZIP, and Delete; for a finished
// preview, a button that separates the full track the same way.
import { el } from "../lib/dom.js";
import { formatDuration } from "../lib/format.js";
import { isCompleted, isWaiting, modelWords } from "../lib/jobs.js";

/**
 * The panel of `job`. `actions.cancel(job)`, `actions.remove(job)` and
 * `actions.separateFully(job)` return promises that reject with an Error whose
 * message is for people.
 */
export function jobPanel(job, { actions, previewSeconds }) {
  const panel = el("div", { class: `job status-${job.status}`, "data-job-id": job.id }, [
    el("p", { class: "job-status" }, [
      el("strong", { text: job.status_label }),
      ` · ${modelWords(job)} · ${job.output_format.toUpperCase()}`,
      job.preview && el("span", { class: "preview-badge", text: previewWords(job, previewSeconds) }),
    ]),
  ]);
  if (isWaiting(job)) {
    // Its place in line is kept current by the page (showQueue in main.js).
    panel.append(el("p", { class: "queue-position" }), button("Cancel", "job-cancel", () => actions.cancel(job)));
  } else if (job.active) panel.append(progressRow(job), button("Cancel", "job-cancel", () => actions.cancel(job)));
  else if (isCompleted(job)) panel.append(...results(job, actions));
  else {
    if (job.error) panel.append(el("p", { class: "job-error", text: job.error }));
    panel.append(jobLinks(job, actions));
  }
  return panel;
}

/**
 * Move the bar of `panel` to `job`'s progress; false when the panel shows something
 * else (another job or state) and must be drawn anew.
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

/** A small button whose action returns a promise; a refusal shows as its tooltip. */
function button(text, className, act) {
  const node = el("button", { type: "button", class: `small ${className}`, text });
  node.addEventListener("click", () => {
    node.disabled = true;
    act().catch((error) => {
      node.disabled = false;
      node.title = error.message;
    });
  });
  return node;
}

function results(job, actions) {
  const names = job.stems.map((stem) => stem.stem_type).join(", ");
  const parts = [
    el("details", { class: "stems-details" }, [
      el("summary", { text: `Listen: ${names}` }),
      el("ul", { class: "stems" }, job.stems.map(stemRow)),
    ]),
    jobLinks(job, actions),
  ];
  if (job.preview) parts.push(button("Separate the full track", "full-run", () => actions.separateFully(job)));
  return parts;
}

function jobLinks(job, actions) {
  return el("div", { class: "job-links" }, [
    job.zip_url && el("a", { href: job.zip_url, class: "zip-download", download: "", text: "Download all (ZIP)" }),
    el("a", { href: job.studio_url, class: "open-studio", text: "Studio" }),
    button("Delete stems", "danger job-delete", () => actions.remove(job)),
  ]);
}

function stemRow(stem) {
  const format = stem.format.toUpperCase();
  return el("li", { class: "stem" }, [
    el("span", { class: "stem-name", text: stem.stem_type }),
    el("a", {
      href: stem.export_url,
      class: "stem-download",
      download: "",
      text: `Download ${format}`,
      "aria-label": `Download ${stem.stem_type} (${format})`,
    }),
    el("audio", { controls: "", preload: "none", src: stem.file_url, "data-stem": stem.stem_type }),
  ]);
}

// The library page: uploads, the Separate Stems dialog (one track or a batch), and each
// card's separations, followed live without reloading, with the queue of jobs waiting
// their turn.
import { deleteJson, postJson } from "../lib/api.js";
import { readJson } from "../lib/dom.js";
import { followJobEvents } from "../lib/events.js";
import { isWaiting, modelWords, ordinal } from "../lib/jobs.js";
import { createJobTracker } from "../lib/job-tracker.js";
import { bindSeparateDialog } from "../lib/separate-dialog.js";
import { bindBatch } from "./batch.js";
import { followAllTempoKeys } from "../lib/tempo-key.js";
import { createCardJobs } from "./cards.js";
import { addTrackCard } from "./track-grid.js";
import { bindUploads } from "./upload.js";

const data = readJson("jobs-data");
const grid = document.getElementById("track-grid");

const actions = {
  start: (request) => (request.track ? postJson(data.urls.jobs, request).then(showNow) : startBatch(request)),
  cancel: (job) => postJson(job.cancel_url).then((answer) => showNow(answer.job)),
  separateFully: (job) => actions.start(fullRunRequest(job)),
  remove: (job) => {
    if (!window.confirm(`Delete this separation (${modelWords(job)}) and its stem files?`)) {
      return Promise.reject(new Error("Not deleted."));
    }
    return deleteJson(job.url).then(() => forget({ job_id: job.id, track_id: job.track_id }));
  },
};
const cards = createCardJobs({ grid, panelOptions: { actions, previewSeconds: data.preview_seconds } });
const tracker = createJobTracker({ jobs: data.jobs, onChange: changed });

function changed(job) {
  cards.show(job);
  showQueue();
}

/** What the user just did is shown at once, whatever the card showed. */
function showNow(job) {
  changed(tracker.accept(job));
}

function forget(event) {
  tracker.forget(event.job_id);
  cards.remove(event);
  showQueue();
}

/** A batch: every job it made is shown; tracks it refused are named, and the dialog stays open. */
async function startBatch(request) {
  const answer = await postJson(data.urls.batch, request);
  answer.jobs.forEach(showNow);
  batch.clear();
  const refused = Object.values(answer.refused);
  if (refused.length) {
    throw new Error(`${answer.jobs.length} started; ${refused.length} not: ${refused[0]}`);
  }
}

/** Each waiting job's place in line, and the counts of the user's jobs under way. */
function showQueue() {
  const active = tracker.jobs().filter((job) => job.active);
  const waiting = active.filter(isWaiting).sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at));
  waiting.forEach((job, index) => {
    const line = grid.querySelector(`.job[data-job-id="${job.id}"] .queue-position`);
    if (line) line.textContent = index ? `${ordinal(index + 1)} in line` : "Next in line";
  });
  const counts = {};
  for (const job of active) counts[job.status_label] = (counts[job.status_label] || 0) + 1;
  const words = Object.entries(counts).map(([label, number]) => `${number} ${label.toLowerCase()}`);
  document.getElementById("queue-summary").textContent = words.length ? `Jobs: ${words.join(" · ")}` : "";
}

/** The request that starts `job` again over the whole track. */
function fullRunRequest(job) {
  const { track_id: track, engine, model, stems_mode: stems, output_format, sample_rate, normalise } = job;
  return { track, engine, model, stems, output_format, sample_rate, normalise, preview: false };
}

data.jobs.forEach(cards.show);
showQueue();
const dialog = bindSeparateDialog({
  dialog: document.getElementById("separate-dialog"),
  grid,
  catalog: data.catalog,
  start: actions.start,
});
const batch = bindBatch({ grid, bar: document.getElementById("batch-bar"), openFor: dialog.openFor });
bindUploads({
  form: document.getElementById("upload-form"),
  input: document.getElementById("file-input"),
  dropzone: document.getElementById("dropzone"),
  list: document.getElementById("upload-list"),
  addCard: (track) => {
    if (!addTrackCard(grid, track)) return;
    cards.paint(track.id);
    followAllTempoKeys(grid);
  },
});
followJobEvents({
  url: data.urls.events,
  handlers: {
    "job.progress": tracker.progress,
    "job.status": (event) => tracker.accept(event.job),
    "job.deleted": forget,
  },
  resync: tracker.resync,
});
followAllTempoKeys(grid);
// A new sort or filter applies at once; the search words wait for Apply (or Enter).
document.querySelector(".library-search")?.addEventListener("change", (event) => {
  if (event.target.tagName === "SELECT") event.currentTarget.submit();
});

// The library page: uploads, the Separate Stems dialog, and each card's job panel,
// which follows the job live (progress, then stems) without reloading.
import { postJson } from "../lib/api.js";
import { readJson } from "../lib/dom.js";
import { followJobEvents } from "../lib/events.js";
import { createJobTracker } from "../lib/job-tracker.js";
import { followAllTempoKeys } from "../lib/tempo-key.js";
import { createCardJobs } from "./cards.js";
import { bindSeparateDialog } from "./separate-dialog.js";
import { addTrackCard } from "./track-grid.js";
import { bindUploads } from "./upload.js";

const data = readJson("jobs-data");
const grid = document.getElementById("track-grid");

const actions = {
  start: (request) => postJson(data.urls.jobs, request).then(showNow),
  cancel: (job) => postJson(job.cancel_url).then((answer) => showNow(answer.job)),
  separateFully: (job) => actions.start(fullRunRequest(job)),
};
const cards = createCardJobs({ grid, panelOptions: { actions, previewSeconds: data.preview_seconds } });
const tracker = createJobTracker({ jobs: Object.values(data.jobs), onChange: cards.offer });

/** What the user just did is shown at once, whatever the card showed. */
function showNow(job) {
  cards.show(tracker.accept(job));
}

/** The request that starts `job` again over the whole track. */
function fullRunRequest(job) {
  const { track_id: track, engine, model, stems_mode: stems, output_format, sample_rate, normalise } = job;
  return { track, engine, model, stems, output_format, sample_rate, normalise, preview: false };
}

Object.values(data.jobs).forEach(cards.show);
bindSeparateDialog({
  dialog: document.getElementById("separate-dialog"),
  grid,
  catalog: data.catalog,
  start: actions.start,
});
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
  handlers: { "job.progress": tracker.progress, "job.status": (event) => tracker.accept(event.job) },
  resync: tracker.resync,
});
followAllTempoKeys(grid);
document.getElementById("sort-form")?.addEventListener("change", (event) => event.currentTarget.submit());

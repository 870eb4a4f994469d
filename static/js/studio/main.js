// The studio page: the track's separations, following live ones, the stem mixer of
// the chosen one once it is done, a new separation, deleting the chosen one, and
// editing the track's details.
import { deleteJson, postJson } from "../lib/api.js";
import { readJson } from "../lib/dom.js";
import { bindSeparateDialog } from "../lib/separate-dialog.js";
import { bindTempoKeyForm, followAllTempoKeys } from "../lib/tempo-key.js";
import { followJobList } from "./job-list.js";
import { startMixer } from "./mixer.js";
import { bindTrackEdit } from "./track-edit.js";

const urls = readJson("page-urls");
const list = document.querySelector(".job-list");
if (list) followJobList({ list, jobs: readJson("studio-jobs"), urls });

followAllTempoKeys();
const tempoKeyForm = document.getElementById("tempo-key-form");
if (tempoKeyForm) bindTempoKeyForm(tempoKeyForm, document.querySelector(".studio-head .tempo-key"));

const mixer = readJson("studio-data");
// window.studio: the audio graph and transport, read by the browser tests.
if (mixer) window.studio = startMixer(mixer);

// A new separation opens at once in this page, following its progress.
bindSeparateDialog({
  dialog: document.getElementById("separate-dialog"),
  grid: document.querySelector(".studio-head"),
  catalog: readJson("engine-catalog"),
  start: (request) => postJson(urls.jobs, request).then((job) => window.location.assign(job.studio_url)),
});

bindTrackEdit({ dialog: document.getElementById("edit-dialog"), opener: document.getElementById("edit-track") });

const remove = document.querySelector(".job-delete");
if (remove) {
  remove.addEventListener("click", () => {
    if (!window.confirm("Delete this separation and its stem files? The track and its other separations stay.")) return;
    remove.disabled = true;
    deleteJson(remove.dataset.url)
      .then(() => window.location.assign(remove.dataset.after))
      .catch((error) => {
        remove.disabled = false;
        remove.title = error.message;
      });
  });
}

// The studio page: the track's separations, following live ones, and the stem
// mixer of the chosen one once it is done.
import { readJson } from "../lib/dom.js";
import { bindTempoKeyForm, followAllTempoKeys } from "../lib/tempo-key.js";
import { followJobList } from "./job-list.js";
import { startMixer } from "./mixer.js";

const list = document.querySelector(".job-list");
if (list) followJobList({ list, jobs: readJson("studio-jobs"), urls: readJson("page-urls") });

followAllTempoKeys();
const tempoKeyForm = document.getElementById("tempo-key-form");
if (tempoKeyForm) bindTempoKeyForm(tempoKeyForm, document.querySelector(".studio-head .tempo-key"));

const mixer = readJson("studio-data");
// window.studio: the audio graph and transport, read by the browser tests.
if (mixer) window.studio = startMixer(mixer);

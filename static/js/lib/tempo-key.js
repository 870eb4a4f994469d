// Tempo and key of tracks: those still being measured are asked again every few
// seconds until the analysis answers (it runs in the background after an upload);
// the studio's form corrects them. Written into the page the way the server writes
// them (templates/audio/_tempo_key.html).
import { getJson, patchJson } from "./api.js";
import { el } from "./dom.js";

const POLL_MS = 4000;
const GIVE_UP_MS = 5 * 60 * 1000;

/** The line's contents for a track's JSON (bpm, key, key_camelot). */
function contents(track) {
  if (track.bpm === null && !track.key) return [el("span", { class: "muted-note", text: "Tempo and key unknown" })];
  const parts = [];
  if (track.bpm !== null) parts.push(el("span", { class: "bpm", text: `${Math.round(track.bpm)} BPM` }));
  if (track.bpm !== null && track.key) parts.push(" · ");
  if (track.key) {
    parts.push(el("span", { class: "key", text: track.key }), " ");
    parts.push(el("small", { class: "camelot", title: "Camelot code", text: track.key_camelot }));
  }
  return parts;
}

function show(line, track) {
  line.dataset.analysis = "done";
  line.dataset.bpm = track.bpm ?? "";
  line.dataset.key = track.key ?? "";
  line.replaceChildren(...contents(track));
}

/** The studio's correction form: PATCH the track, then show what was saved on `line`. */
export function bindTempoKeyForm(form, line) {
  const error = form.querySelector(".form-error");
  // ½× and 2×: a beat tracker often counts half or double the tempo a musician feels.
  form.querySelectorAll("[data-tempo-factor]").forEach((button) =>
    button.addEventListener("click", () => {
      const bpm = Number(form.elements.bpm.value);
      if (form.elements.bpm.value !== "" && bpm > 0) {
        form.elements.bpm.value = String(Math.round(bpm * Number(button.dataset.tempoFactor) * 10) / 10);
      }
    }),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const bpm = form.elements.bpm.value;
    const body = { bpm: bpm === "" ? null : Number(bpm), key: form.elements.key.value || null };
    error.textContent = "";
    patchJson(form.dataset.url, body).then(
      (track) => show(line, track),
      (failure) => (error.textContent = Object.values(failure.errors)[0] || failure.message),
    );
  });
}

/** Fill in `line` (a .tempo-key element) once its track has been analysed. */
export function followTempoKey(line) {
  if (line.dataset.analysis !== "pending" || line.dataset.following) return;
  line.dataset.following = "1";
  const started = Date.now();
  const ask = () =>
    getJson(line.dataset.url)
      .then((track) => {
        if (!track.analysed_at) return Date.now() - started < GIVE_UP_MS && setTimeout(ask, POLL_MS);
        show(line, track);
      })
      .catch(() => Date.now() - started < GIVE_UP_MS && setTimeout(ask, POLL_MS));
  setTimeout(ask, POLL_MS);
}

/** Follow every pending tempo/key line inside `root`. */
export function followAllTempoKeys(root = document) {
  root.querySelectorAll(".tempo-key[data-analysis=pending]").forEach(followTempoKey);
}

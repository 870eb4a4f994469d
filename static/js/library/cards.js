// Which job each track card shows: the track's newest. Events about an older job of
// the same track (say, one cancelled in another tab) leave the card alone; what the
// user just did here is always shown.
import { jobPanel, updateProgress } from "./job-panel.js";

export function createCardJobs({ grid, panelOptions }) {
  const shown = new Map(); // track id -> the job its card shows

  /** Show `job` on its track's card. */
  function show(job) {
    shown.set(job.track_id, job);
    paint(job.track_id);
  }

  /** Show `job` if it is the one on its card or newer than it. */
  function offer(job) {
    const current = shown.get(job.track_id);
    if (!current || current.id === job.id || Date.parse(job.created_at) >= Date.parse(current.created_at)) show(job);
  }

  /** Draw the card's job (again), e.g. when an upload has just added the card. */
  function paint(trackId) {
    const card = grid.querySelector(`.card[data-track-id="${trackId}"]`);
    const job = shown.get(trackId);
    if (!card || !job) return;
    const slot = card.querySelector(".job-slot");
    const panel = slot.querySelector(".job");
    if (panel && updateProgress(panel, job)) return;
    slot.replaceChildren(jobPanel(job, panelOptions));
  }

  return { show, offer, paint };
}

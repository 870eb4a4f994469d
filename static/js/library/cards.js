// The separations each track card lists: every job of the track, the ones under way
// first (newest first), then the finished ones, newest finished first. Job events
// of any of them update their own panel; a deleted job leaves its card.
import { jobPanel, updateProgress } from "./job-panel.js";

export function createCardJobs({ grid, panelOptions }) {
  const byTrack = new Map(); // track id -> Map(job id -> job)

  function jobsOf(trackId) {
    if (!byTrack.has(trackId)) byTrack.set(trackId, new Map());
    return byTrack.get(trackId);
  }

  /** Show `job` (new, or a later state of one shown) on its track's card. */
  function show(job) {
    jobsOf(job.track_id).set(job.id, job);
    paint(job.track_id);
  }

  /** Take the job off its card (it was deleted). */
  function remove({ job_id: jobId, track_id: trackId }) {
    if (jobsOf(trackId).delete(jobId)) paint(trackId);
  }

  /** Draw the card's separations (again), e.g. when an upload has just added the card. */
  function paint(trackId) {
    const card = grid.querySelector(`.card[data-track-id="${trackId}"]`);
    if (!card) return;
    const slot = card.querySelector(".job-slot");
    const old = new Map([...slot.querySelectorAll(":scope > .job")].map((panel) => [panel.dataset.jobId, panel]));
    const panels = ordered([...jobsOf(trackId).values()]).map((job) => {
      const panel = old.get(job.id);
      // Updating a live bar in place keeps the focus on its Cancel button.
      return panel && updateProgress(panel, job) ? panel : jobPanel(job, panelOptions);
    });
    slot.replaceChildren(...panels);
  }

  return { show, remove, paint };
}

function ordered(jobs) {
  const when = (job) => Date.parse(job.active ? job.created_at : job.finished_at || job.created_at);
  return jobs.sort((a, b) => (a.active === b.active ? when(b) - when(a) : a.active ? -1 : 1));
}

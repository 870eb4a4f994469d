// The studio's list of the track's separations. While one is queued or running, its
// line follows the job events; when the job the page shows ends, the page reloads
// to show its mixer or its error.
import { followJobEvents } from "../lib/events.js";
import { createJobTracker } from "../lib/job-tracker.js";
import { stateWords } from "../lib/jobs.js";

export function followJobList({ list, jobs, urls }) {
  if (!jobs.some((job) => job.active)) return; // nothing here can change
  const tracker = createJobTracker({ jobs, onChange: (job) => showState(list, job) });
  followJobEvents({
    url: urls.events,
    handlers: {
      "job.progress": tracker.progress,
      // The socket carries all of the user's jobs; this list follows its own.
      "job.status": (event) => tracker.has(event.job.id) && tracker.accept(event.job),
    },
    resync: tracker.resync,
  });
}

function showState(list, job) {
  const item = list.querySelector(`.job-item[data-job-id="${job.id}"]`);
  if (!item) return;
  item.className = item.className.replace(/status-\w+/, `status-${job.status}`);
  item.querySelector(".job-state").textContent = stateWords(job);
  // The tracker only reports steps forward, so a finished job here was active when
  // the page was drawn: the page is out of date.
  if (item.classList.contains("selected") && !job.active) window.location.reload();
}

// The page's latest knowledge of its jobs, kept current from the websocket's events
// and from each active job's own URL after every (re)connect.
//
// Answers arrive out of order: a resync GET can race the socket, and the answer to
// the POST that queued a job can come after the event saying it runs. So an answer
// never takes a job backwards (see `stage`), and `onChange` hears only of steps forward.
import { getJson } from "./api.js";
import { isRunning } from "./jobs.js";

export function createJobTracker({ jobs = [], onChange }) {
  const known = new Map(jobs.map((job) => [job.id, job]));
  const reading = new Set(); // ids with a GET under way: one at a time per job

  /** Take a payload from any source; answers the job as now known. */
  function accept(job) {
    const before = known.get(job.id);
    if (before && compareStages(job, before) <= 0) return before;
    known.set(job.id, job);
    onChange(job);
    return job;
  }

  function progress(event) {
    const job = known.get(event.job_id);
    if (!job || !job.active) return;
    // A job we still think is queued has started without our hearing of it:
    // ask for its payload, which also brings the words for its new state.
    if (isRunning(job)) accept({ ...job, progress: event.progress });
    else refresh(job);
  }

  async function refresh(job) {
    if (reading.has(job.id)) return;
    reading.add(job.id);
    try {
      accept(await getJson(job.url));
    } catch (error) {
      console.warn(`Could not read job ${job.id}: ${error.message}`);
    } finally {
      reading.delete(job.id);
    }
  }

  function resync() {
    for (const job of known.values()) if (job.active) refresh(job);
  }

  return {
    accept,
    progress,
    resync,
    has: (id) => known.has(id),
    jobs: () => [...known.values()],
    forget: (id) => known.delete(id),
  };
}

// How far along a job is, compared field by field: finished beats active, a later
// attempt beats an earlier one (a job whose worker died is queued and started
// again), running beats queued, then more progress beats less.
function stage(job) {
  return [job.active ? 0 : 1, job.started_at ? Date.parse(job.started_at) : 0, isRunning(job) ? 1 : 0, job.progress];
}

function compareStages(a, b) {
  const left = stage(a);
  const right = stage(b);
  for (let i = 0; i < left.length; i++) if (left[i] !== right[i]) return left[i] < right[i] ? -1 : 1;
  return 0;
}

// Reading a job payload (jobs/payloads.py). The words people read come from the
// server (`status_label`); these are the only places the scripts spell the API's
// values, and only to choose what to show.

const RUNNING = "running"; // JobStatus.RUNNING
const COMPLETED = "completed"; // JobStatus.COMPLETED
const TWO_STEMS = "two"; // STEMS_TWO: vocals + instrumental

export const isRunning = (job) => job.status === RUNNING;
export const isCompleted = (job) => job.status === COMPLETED;

/** The model, and the stem split when it is not the model's own: "htdemucs · vocals/instrumental". */
export function modelWords(job) {
  return job.stems_mode === TWO_STEMS ? `${job.model} · vocals/instrumental` : job.model;
}

/** The state in words, with the percentage once a run has made progress: "Separating 42%". */
export function stateWords(job) {
  return job.active && job.progress ? `${job.status_label} ${job.progress}%` : job.status_label;
}

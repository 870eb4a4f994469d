// Reading a job payload (jobs/payloads.py). The words people read come from the
// server (`status_label`); these are the only places the scripts spell the API's
// values, and only to choose what to show.

const WAITING = "waiting"; // JobStatus.WAITING
const RUNNING = "running"; // JobStatus.RUNNING
const COMPLETED = "completed"; // JobStatus.COMPLETED
const TWO_STEMS = "two"; // STEMS_TWO: vocals + instrumental

export const isWaiting = (job) => job.status === WAITING;
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

/** "1st", "2nd", "3rd", "11th"... */
export function ordinal(number) {
  const tens = number % 100;
  const suffix = tens >= 11 && tens <= 13 ? "th" : { 1: "st", 2: "nd", 3: "rd" }[number % 10] || "th";
  return `${number}${suffix}`;
}

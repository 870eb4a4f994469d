// How numbers are written for people.

/** Seconds as a clock: 95 -> "1:35", 3725 -> "1:02:05". */
export function formatDuration(seconds) {
  const total = Math.round(seconds);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const rest = String(total % 60).padStart(2, "0");
  return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${rest}` : `${minutes}:${rest}`;
}

/** Minutes of a service's time: 4.5 -> "4.5 minutes", 1 -> "1 minute". */
export function minutesWords(minutes) {
  const shown = Math.round(minutes * 10) / 10;
  return `${shown} minute${shown === 1 ? "" : "s"}`;
}

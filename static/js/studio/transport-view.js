// What the transport shows: the Play/Pause button, the clock, the playheads on the
// waveforms, and why the browser would not play.
import { formatDuration } from "../lib/format.js";

const clock = (seconds) => formatDuration(Math.max(0, seconds));

export function createTransportView(mixer) {
  const button = document.getElementById("play");
  const playheads = mixer.querySelectorAll(".playhead");
  return {
    button,
    playing(on) {
      button.textContent = on ? "Pause" : "Play";
    },
    position(seconds, length) {
      document.getElementById("position").textContent = clock(Math.floor(seconds));
      const share = length ? Math.min(1, seconds / length) : 0;
      playheads.forEach((head) => (head.style.left = `${share * 100}%`));
    },
    length(seconds) {
      document.getElementById("length").textContent = clock(seconds);
    },
    refused(message) {
      document.getElementById("mixer-status").textContent = message;
    },
  };
}

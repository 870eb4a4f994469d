// The waveforms: min/max peak pairs (-127..127) the server computed, drawn one
// column per device pixel; redrawn when the window is resized. Clicking one seeks.

const COLORS = ["#ff7a45", "#46c3c9", "#b68cff", "#f2c94c", "#46c37b", "#ff5d9e"];
const ORIGINAL_COLOR = "#9aa3b2";
const FULL_SCALE = 127;
const RESIZE_SETTLE_MS = 100;

/**
 * `waveforms`: {original: {peaks, seconds}, stems: {name: {peaks, seconds}}};
 * `offset`: where the stems start in the original (null: unknown, so the original
 * is drawn whole and cannot be clicked); `length()`: the stems' seconds.
 */
export function bindWaveforms({ mixer, waveforms, offset, length, seek }) {
  const waves = [...mixer.querySelectorAll(".wave")];
  const drawAll = () => waves.forEach((wave, index) => draw(wave, index - 1)); // the original comes first

  function draw(wave, stemIndex) {
    const source = wave.dataset.source;
    const entry = waveforms && (source === "original" ? waveforms.original : waveforms.stems[source]);
    const color = source === "original" ? ORIGINAL_COLOR : COLORS[stemIndex % COLORS.length];
    const span = source === "original" ? originalSpan(entry, offset, length()) : null;
    paint(wave.querySelector("canvas"), entry, color, span);
  }

  for (const wave of waves) {
    wave.addEventListener("click", (event) => {
      if (wave.dataset.source === "original" && offset === null) return; // not aligned with the stems
      const box = wave.getBoundingClientRect();
      seek(((event.clientX - box.left) / box.width) * length());
    });
  }
  let settling = null;
  window.addEventListener("resize", () => {
    clearTimeout(settling);
    settling = setTimeout(drawAll, RESIZE_SETTLE_MS);
  });
  drawAll();
}

/** The peak pairs of the original that the stems cover: a preview is an excerpt. */
function originalSpan(entry, offset, seconds) {
  if (!entry || offset === null || !(entry.seconds > 0)) return null;
  const pairs = entry.peaks.length / 2;
  const first = Math.floor((pairs * offset) / entry.seconds);
  return { first, pairs: Math.max(1, Math.min(pairs - first, Math.ceil((pairs * seconds) / entry.seconds))) };
}

function paint(canvas, entry, color, span) {
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.max(1, Math.round(canvas.clientWidth * ratio));
  canvas.height = Math.max(1, Math.round(canvas.clientHeight * ratio));
  const g = canvas.getContext("2d");
  g.clearRect(0, 0, canvas.width, canvas.height);
  if (!entry || !entry.peaks.length) {
    g.fillStyle = ORIGINAL_COLOR;
    g.font = `${12 * ratio}px system-ui`;
    g.fillText("No waveform", 8 * ratio, canvas.height / 2);
    return;
  }
  g.fillStyle = color;
  drawPeaks(g, entry.peaks, span || { first: 0, pairs: entry.peaks.length / 2 }, canvas, ratio);
  canvas.dataset.drawn = "1";
}

/** Each pixel column spans the loudest and quietest of the peak pairs it covers. */
function drawPeaks(g, peaks, { first, pairs }, { width, height }, ratio) {
  const middle = height / 2;
  for (let x = 0; x < width; x++) {
    const from = Math.floor((x * pairs) / width);
    const to = Math.min(pairs, Math.max(from + 1, Math.floor(((x + 1) * pairs) / width)));
    let low = FULL_SCALE;
    let high = -FULL_SCALE;
    for (let i = first + from; i < first + to; i++) {
      low = Math.min(low, peaks[2 * i]);
      high = Math.max(high, peaks[2 * i + 1]);
    }
    const top = middle - (high / FULL_SCALE) * middle;
    const bottom = middle - (low / FULL_SCALE) * middle;
    g.fillRect(x, top, 1, Math.max(ratio, bottom - top));
  }
}

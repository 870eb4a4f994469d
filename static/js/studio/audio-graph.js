// The mixer's Web Audio graph. Every stem is an <audio> element (served with HTTP
// Range, so playback starts at once) feeding:
//   element -> MediaElementSource -> gain (volume x mute/solo) -> analyser -> stems bus -> master -> speakers
// The original, for A/B listening, feeds the master directly.

const GLIDE_SECONDS = 0.01; // gains move this smoothly, so switching a stem does not click
const ANALYSER_SIZE = 2048;

export function createGraph() {
  const context = new (window.AudioContext || window.webkitAudioContext)();
  const master = context.createGain();
  const stemsBus = context.createGain();
  stemsBus.connect(master);
  master.connect(context.destination);
  return { context, master, stemsBus };
}

/**
 * One source: its element, gain and analyser, playing into `output`. `offset` is
 * the second of this file where the stems' 0:00 lies (a preview's excerpt starts
 * later in the original).
 */
export function createChannel(context, { name, url, output, offset = 0 }) {
  const element = new Audio();
  element.preload = "auto";
  element.src = url;
  element.dataset.source = name;
  const gain = context.createGain();
  const analyser = context.createAnalyser();
  analyser.fftSize = ANALYSER_SIZE;
  context.createMediaElementSource(element).connect(gain);
  gain.connect(analyser);
  analyser.connect(output);
  return { element, gain, analyser, offset };
}

/** Move a gain to `value` smoothly, from wherever an earlier move left it. */
export function glide(context, param, value) {
  param.cancelScheduledValues(context.currentTime);
  param.setTargetAtTime(value, context.currentTime, GLIDE_SECONDS);
}

/** The RMS of what an analyser hears now. */
export function loudness(analyser) {
  const samples = new Float32Array(analyser.fftSize);
  analyser.getFloatTimeDomainData(samples);
  let sum = 0;
  for (const sample of samples) sum += sample * sample;
  return Math.sqrt(sum / samples.length);
}

// The mixer's Web Audio graph. Every stem is an <audio> element (served with HTTP
// Range, so playback starts at once) feeding:
//   element -> MediaElementSource -> gain (volume x mute/solo) -> analyser -> stems bus -> master
//   master -> [pitch shift, only while one is asked for] -> output analyser -> speakers
// The original, for A/B listening, feeds the master directly. Speed is each
// element's own playbackRate with its pitch kept (the browser's time-stretch); the
// pitch shift is SoundTouch's AudioWorklet (static/vendor/soundtouchjs, MPL-2.0).
import { SoundTouchNode } from "../../vendor/soundtouchjs/SoundTouchNode.js";

const PROCESSOR_URL = new URL("../../vendor/soundtouchjs/soundtouch-processor.js", import.meta.url).href;

const GLIDE_SECONDS = 0.01; // gains move this smoothly, so switching a stem does not click
const ANALYSER_SIZE = 2048;

export function createGraph() {
  const context = new (window.AudioContext || window.webkitAudioContext)();
  const master = context.createGain();
  const stemsBus = context.createGain();
  const output = context.createAnalyser();
  output.fftSize = 16384; // fine enough to tell a semitone apart in the tests' pitch checks
  stemsBus.connect(master);
  master.connect(output);
  output.connect(context.destination);
  return { context, master, stemsBus, output };
}

/**
 * The pitch stage between master and output: `shift(semitones)` resolves once the
 * pitch is applied; 0 takes SoundTouch out of the path, so unshifted playback is
 * untouched. Rejects when the browser has no AudioWorklet (plain HTTP off localhost).
 */
export function createPitchStage({ context, master, output }) {
  let node = null;
  let loading = null;
  const load = () => {
    if (!context.audioWorklet) return Promise.reject(new Error("this page needs HTTPS for pitch shifting"));
    loading ||= SoundTouchNode.register(context, PROCESSOR_URL).then(() => {
      node = new SoundTouchNode({ context });
      node.connect(output);
    });
    return loading;
  };
  async function shift(semitones) {
    if (semitones === 0) {
      if (!node) return;
      master.disconnect();
      master.connect(output);
      node.pitchSemitones.value = 0;
      return;
    }
    await load();
    node.pitchSemitones.value = semitones;
    master.disconnect();
    master.connect(node);
  }
  return { shift };
}

/** The strongest frequency in an analyser's spectrum now, in Hz (0 in silence). */
export function dominantFrequency(analyser, context) {
  const bins = new Float32Array(analyser.frequencyBinCount);
  analyser.getFloatFrequencyData(bins);
  let best = 0;
  for (let i = 1; i < bins.length; i += 1) if (bins[i] > bins[best]) best = i;
  return bins[best] === -Infinity ? 0 : (best * context.sampleRate) / analyser.fftSize;
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
  element.preservesPitch = true; // a slower or faster speed keeps the key
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

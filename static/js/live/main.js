// The Live page: a library track, a local file or the microphone goes to ws/live/ at playback
// pace (live-capture), the stems come back into a jitter buffer (live-player), and each
// stem has a fader, a mute and a meter. window.live exposes levels for the browser tests.
import { getJson } from "../lib/api.js";
import { readJson } from "../lib/dom.js";
import { LiveStream } from "./stream.js";

const SAMPLE_RATE = 44100;
// The jitter buffer holds what the server may be late by (its deadline for the setting, from the
// page data) plus this for the network, so playback never runs dry while the server keeps time.
const JITTER_MARGIN_SECONDS = 0.05;
const data = readJson("live-data");
const STEMS = data.stems; // the order of the wire protocol's stem index
const $ = (selector) => document.querySelector(selector);
const status = $("#live-status");
let session = null;
let lastPlayerState = null; // the player's last report, kept once its session ends

function say(text, isError = false) {
  status.textContent = text;
  status.classList.toggle("error", isError);
}

async function loadTracks() {
  const select = $("#live-track");
  try {
    const answer = await getJson(data.tracks_url);
    const tracks = Array.isArray(answer) ? answer : answer.results || [];
    const options = tracks.map((track) => new Option(track.artist ? `${track.title} – ${track.artist}` : track.title, track.original_url));
    select.replaceChildren(...(options.length ? options : [new Option("No tracks yet: upload some in the library", "")]));
  } catch (error) {
    select.replaceChildren(new Option(error.message, ""));
  }
  offerStart();
}

/** The audio to stream: an AudioBufferSourceNode (track, file) or a MediaStreamSourceNode (microphone). */
async function makeSource(context, kind) {
  if (kind === "mic") {
    const media = await navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false, channelCount: 2 },
    });
    return { node: context.createMediaStreamSource(media), media };
  }
  let bytes;
  if (kind === "file") {
    const file = $("#live-file").files[0];
    if (!file) throw new Error("Choose an audio file first.");
    bytes = await file.arrayBuffer();
  } else {
    const url = $("#live-track").value;
    if (!url) throw new Error("Choose a track first.");
    const response = await fetch(url, { credentials: "same-origin" });
    if (!response.ok) throw new Error("The track could not be loaded; reload the page and try again.");
    bytes = await response.arrayBuffer();
  }
  const buffer = await context.decodeAudioData(bytes).catch(() => {
    throw new Error("This file could not be decoded by the browser; try another format.");
  });
  const node = new AudioBufferSourceNode(context, { buffer });
  return { node, buffer };
}

class Session {
  constructor(context) {
    this.context = context;
    this.capture = new AudioWorkletNode(context, "live-capture", { channelCount: 2, channelCountMode: "explicit" });
    this.silent = new GainNode(context, { gain: 0 }); // the capture must be pulled, not heard
    this.capture.connect(this.silent).connect(context.destination);
    this.player = new AudioWorkletNode(context, "live-player", {
      numberOfInputs: 0,
      numberOfOutputs: STEMS.length,
      outputChannelCount: STEMS.map(() => 2),
      processorOptions: { stems: STEMS.length },
    });
    this.master = new GainNode(context);
    this.masterAnalyser = new AnalyserNode(context, { fftSize: 2048 });
    this.master.connect(this.masterAnalyser).connect(context.destination);
    this.strips = {};
    STEMS.forEach((stem, index) => {
      const gain = new GainNode(context);
      const analyser = new AnalyserNode(context, { fftSize: 2048 });
      this.player.connect(gain, index).connect(analyser).connect(this.master);
      this.strips[stem] = { gain, analyser };
    });
    this.playerState = { position: 0, buffered: 0, underruns: 0 };
    this.player.port.onmessage = ({ data: state }) => {
      this.playerState = state;
      lastPlayerState = state;
      if (this.done && state.buffered <= 0) this.finish();
    };
    this.captured = 0;
    this.capture.port.onmessage = ({ data: block }) => this.captureBlock(block);
  }

  async open(kind, latencyMs) {
    this.source = await makeSource(this.context, kind);
    this.stream = new LiveStream({
      latencyMs,
      handlers: {
        ready: (message) => this.ready(message),
        frames: (stem, first, left, right) =>
          this.player.port.postMessage({ stem, first, left, right }, [left.buffer, right.buffer]),
        stats: (message) => {
          window.live.stats = message;
          $("#live-dry").textContent = String(message.fallback_frames);
          $("#live-compute").textContent = `${message.compute_ms_per_hop.toFixed(1)} ms per 23 ms`;
        },
        done: () => {
          this.done = true;
          this.player.port.postMessage({ ended: true }); // after the last frames: the port keeps the order
          say("All sent; playing the rest.");
        },
        failed: (text) => {
          say(text, true);
          stop();
        },
      },
    });
  }

  ready(message) {
    const jitterFrames = data.deadlines[message.latency_samples] + Math.round(JITTER_MARGIN_SECONDS * SAMPLE_RATE);
    this.player.port.postMessage({ jitterFrames }); // before any frames: the port keeps the order
    const ms = (1000 * (message.latency_samples + jitterFrames)) / message.sample_rate;
    $("#live-latency-ms").textContent = `${Math.round(ms)} ms`;
    this.source.node.connect(this.capture);
    if (this.source.buffer) {
      this.source.node.onended = () => {
        this.sourceEnded = true;
        this.endWhenCaptured();
      };
      this.source.node.start();
    }
    say(this.source.media ? "Live: separating your microphone." : "Playing through the server.");
    window.live.state = "playing";
  }

  /** A block of the source as the audio thread captured it; a file's blocks stop at its last frame. */
  captureBlock([left, right]) {
    if (!this.stream) return;
    const wanted = this.source.buffer ? this.source.buffer.length - this.captured : left.length;
    if (wanted <= 0) return;
    this.stream.push([left.subarray(0, wanted), right.subarray(0, wanted)]);
    this.captured += Math.min(wanted, left.length);
    this.endWhenCaptured();
  }

  /** A file has ended once its source has and its last blocks are captured (the audio thread's
   * messages may come after the source's ended event). */
  endWhenCaptured() {
    if (this.sourceEnded && this.captured >= this.source.buffer.length && !this.endSent) {
      this.endSent = true;
      this.stream.end();
    }
  }

  finish() {
    say("Finished.");
    window.live.state = "finished";
    stop();
  }

  setGain(stem, value) {
    this.strips[stem].gain.gain.value = value;
  }

  close() {
    if (this.stream) this.stream.close();
    if (this.source && this.source.buffer) {
      this.source.node.onended = null;
      try {
        this.source.node.stop();
      } catch {
        // never started
      }
    }
    if (this.source && this.source.media) this.source.media.getTracks().forEach((track) => track.stop());
    this.context.close();
  }
}

function gainOf(stem) {
  const muted = document.querySelector(`.live-mute[data-stem="${stem}"]`).getAttribute("aria-pressed") === "true";
  return muted ? 0 : Number(document.querySelector(`.live-fader[data-stem="${stem}"]`).value) / 100;
}

/** Start is offered once the chosen source can play, and not while a stream plays. */
function offerStart() {
  const kind = document.querySelector("input[name=source]:checked").value;
  const chosen = { track: $("#live-track").value !== "", file: $("#live-file").files.length > 0, mic: true }[kind];
  const streaming = !$("#live-stop").disabled; // from the click on Start to the stop
  $("#live-start").disabled = streaming || !chosen;
}

async function start() {
  $("#live-start").disabled = true;
  $("#live-stop").disabled = false;
  say("Connecting…");
  const context = new AudioContext({ sampleRate: SAMPLE_RATE, latencyHint: "interactive" });
  try {
    await context.audioWorklet.addModule(new URL("./worklets.js", import.meta.url));
    session = new Session(context);
    STEMS.forEach((stem) => session.setGain(stem, gainOf(stem)));
    await session.open(document.querySelector("input[name=source]:checked").value, Number($("#live-latency").value));
  } catch (error) {
    say(error.message, true);
    stop();
  }
}

function stop() {
  if (session) session.close();
  session = null;
  $("#live-stop").disabled = true;
  offerStart();
  if (window.live.state === "playing") window.live.state = "stopped";
}

function rms(samples) {
  let sum = 0;
  for (const sample of samples) sum += sample * sample;
  return Math.sqrt(sum / samples.length);
}

function read(analyser) {
  const samples = new Float32Array(analyser.fftSize);
  analyser.getFloatTimeDomainData(samples);
  return samples;
}

window.live = {
  state: "stopped",
  stats: null, // the server's last stats message
  /** RMS of a stem as heard (after its fader and mute). */
  level: (stem) => (session ? rms(read(session.strips[stem].analyser)) : 0),
  /** RMS of what the speakers get minus the instrumental: the vocals' part of the output. The two
   * analysers are read one after the other, and the audio thread may render between the reads, so
   * the two are compared at every whole render quantum of offset and the closest match counts. */
  vocalsInOutput() {
    if (!session) return 0;
    const master = read(session.masterAnalyser);
    const accompaniment = read(session.strips.accompaniment.analyser);
    let closest = Infinity;
    for (let shift = -1024; shift <= 1024; shift += 128) {
      const from = Math.max(0, -shift);
      const to = Math.min(master.length, accompaniment.length - shift);
      const difference = master.subarray(from, to).map((sample, i) => sample - accompaniment[from + i + shift]);
      closest = Math.min(closest, rms(difference));
    }
    return closest;
  },
  /** The player's position, what it holds and its underruns (the last session's once it ended). */
  player: () => lastPlayerState,
};

function meters() {
  STEMS.forEach((stem) => {
    document.querySelector(`.live-meter[data-stem="${stem}"]`).value = Math.min(1, 3 * window.live.level(stem));
  });
  requestAnimationFrame(meters);
}

document.querySelectorAll(".live-mute").forEach((button) =>
  button.addEventListener("click", () => {
    const muted = button.getAttribute("aria-pressed") !== "true";
    button.setAttribute("aria-pressed", String(muted));
    if (session) session.setGain(button.dataset.stem, gainOf(button.dataset.stem));
  }),
);
document.querySelectorAll(".live-fader").forEach((fader) =>
  fader.addEventListener("input", () => session && session.setGain(fader.dataset.stem, gainOf(fader.dataset.stem))),
);
document.querySelectorAll("input[name=source], #live-track, #live-file").forEach((input) =>
  input.addEventListener("change", offerStart),
);
$("#live-start").addEventListener("click", start);
$("#live-stop").addEventListener("click", () => {
  stop();
  say("Stopped.");
});
loadTracks();
requestAnimationFrame(meters);

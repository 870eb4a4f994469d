// The stem mixer, put together: the audio graph, one transport for every element,
// the strips, A/B against the original, the practice tools, the waveforms and the mix download.
import { createChannel, createGraph, createPitchStage, dominantFrequency, glide, loudness } from "./audio-graph.js";
import { bindTransportKeys } from "./keyboard.js";
import { bindMixDownload } from "./mix-download.js";
import { bindPractice } from "./practice.js";
import { bindOriginalSwitch, bindStrips } from "./strips.js";
import { createTransport } from "./transport.js";
import { createTransportView } from "./transport-view.js";
import { bindWaveforms } from "./waveforms.js";

/**
 * Start the mixer of `data` (the page's `mixer`: job, original_url, original_offset,
 * waveforms). Answers the graph and the transport, which the page shows to tests.
 */
export function startMixer(data) {
  const mixer = document.getElementById("mixer");
  const graph = createGraph();
  const setGain = (param, value) => glide(graph.context, param, value);
  const tracks = stemChannels(graph, data.job.stems);
  // The A/B button is there only when we know where the stems lie in the original.
  const abButton = document.getElementById("ab-original");
  const original = abButton ? originalChannel(graph, data) : null;

  const view = createTransportView(mixer);
  const transport = createTransport({
    context: graph.context,
    channels: [...Object.values(tracks), ...(original ? [original] : [])],
    length: Math.max(0, ...data.job.stems.map((stem) => stem.duration_seconds)),
    view,
  });
  view.button.addEventListener("click", transport.toggle);
  bindTransportKeys(transport);

  const { audibleGain } = bindStrips({ mixer, channels: tracks, setGain });
  if (original) bindOriginalSwitch({ button: abButton, mixer, stemsBus: graph.stemsBus, original, setGain });
  const practice = bindPractice({
    transport,
    pitchStage: createPitchStage(graph),
    report: (message) => (document.getElementById("practice-status").textContent = message),
  });
  bindMixDownload({ form: document.getElementById("mix-form"), names: Object.keys(tracks), audibleGain, practice });
  const { waveforms, original_offset: offset } = data;
  bindWaveforms({ mixer, waveforms, offset, length: transport.length, seek: transport.seek });
  view.position(0, transport.length());

  return {
    ...graph,
    tracks,
    original,
    play: transport.play,
    pause: transport.pause,
    seek: transport.seek,
    time: transport.now,
    isPlaying: transport.isPlaying,
    practice,
    loop: transport.loop,
    level: (name) => loudness(tracks[name].analyser),
    outputLevel: () => loudness(graph.output),
    outputFrequency: () => dominantFrequency(graph.output, graph.context),
    audibleGain,
  };
}

/** Stem type -> its channel into the stems bus; the first stem leads the transport. */
function stemChannels(graph, stems) {
  const channel = ({ stem_type: name, file_url: url }) =>
    createChannel(graph.context, { name, url, output: graph.stemsBus });
  return Object.fromEntries(stems.map((stem) => [stem.stem_type, channel(stem)]));
}

/** The original into the master, shifted to where a preview's excerpt starts. */
function originalChannel(graph, data) {
  const { original_url: url, original_offset: offset } = data;
  return createChannel(graph.context, { name: "original", url, output: graph.master, offset });
}

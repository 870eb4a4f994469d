// The Live page's two AudioWorklet processors (they run on the audio thread).

// "live-capture": hands each 128-frame block of its input (stereo) to the page, which sends it.
class LiveCapture extends AudioWorkletProcessor {
  process(inputs) {
    const input = inputs[0];
    if (input.length > 0) {
      const left = input[0];
      const right = input.length > 1 ? input[1] : input[0];
      this.port.postMessage([left.slice(), right.slice()]);
    }
    return true;
  }
}

// "live-player": the jitter buffer. The server's frames arrive in messages per stem, each
// with the index of its first frame; both stems are played from one frame index, so they
// stay aligned whatever order their messages come in. Playback starts once `jitterFrames`
// (the page sends it with the stream's latency, before any frames) are buffered in every
// stem; a gap plays silence and is counted, and playback waits again for the buffer to fill.
// Once the page says the stream has ended, what is buffered plays out whatever its length
// (a short file starts at once, the last frames play too) and running dry is no underrun.
const CAPACITY = 44100 * 20;

class LivePlayer extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const { stems } = options.processorOptions;
    this.jitterFrames = Infinity; // until the page says
    this.buffers = Array.from({ length: stems }, () => [new Float32Array(CAPACITY), new Float32Array(CAPACITY)]);
    this.until = new Array(stems).fill(0); // frames received, per stem (in order)
    this.position = 0; // next frame to play
    this.playing = false;
    this.ended = false;
    this.underruns = 0;
    this.reported = 0;
    this.port.onmessage = ({ data }) => this.receive(data);
  }

  receive({ jitterFrames, ended, stem, first, left, right }) {
    if (jitterFrames !== undefined) {
      this.jitterFrames = jitterFrames;
      return;
    }
    if (ended) {
      this.ended = true;
      return;
    }
    const [bufferLeft, bufferRight] = this.buffers[stem];
    for (let i = 0; i < left.length; i += 1) {
      const at = (first + i) % CAPACITY;
      bufferLeft[at] = left[i];
      bufferRight[at] = right[i];
    }
    this.until[stem] = Math.max(this.until[stem], first + left.length);
  }

  process(inputs, outputs) {
    const frames = outputs[0][0].length;
    const ready = Math.min(...this.until);
    const filled = ready - this.position >= this.jitterFrames || (this.ended && ready > this.position);
    if (!this.playing && filled) this.playing = true;
    if (this.playing && ready - this.position < frames && !this.ended) {
      this.playing = false;
      this.underruns += 1;
    }
    if (this.playing) {
      const playable = Math.min(frames, ready - this.position);
      outputs.forEach((output, stem) => {
        const [bufferLeft, bufferRight] = this.buffers[stem];
        for (let i = 0; i < frames; i += 1) {
          const at = (this.position + i) % CAPACITY;
          output[0][i] = i < playable ? bufferLeft[at] : 0;
          output[1][i] = i < playable ? bufferRight[at] : 0;
        }
      });
      this.position += playable;
      if (playable < frames) this.playing = false; // the end of an ended stream
    }
    if (currentTime - this.reported > 0.25) {
      this.reported = currentTime;
      this.port.postMessage({ position: this.position, buffered: ready - this.position, underruns: this.underruns });
    }
    return true;
  }
}

registerProcessor("live-capture", LiveCapture);
registerProcessor("live-player", LivePlayer);

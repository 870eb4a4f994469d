// One stream through ws/live/ (docs/live-protocol.md): the first message, PCM out in
// 1024-frame messages, the stems back with their 8-byte headers, stats, done.

const SAMPLE_RATE = 44100;
const MESSAGE_FRAMES = 1024;
const MIN_FRAMES = 128;

export class LiveStream {
  /** `handlers`: ready(msg), frames(stemIndex, firstFrame, left, right), stats(msg), done(), failed(text). */
  constructor({ latencyMs, handlers }) {
    this.handlers = handlers;
    this.pending = [[], []];
    this.pendingFrames = 0;
    this.closedByUs = false;
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    this.socket = new WebSocket(`${scheme}${location.host}/ws/live/`);
    this.socket.binaryType = "arraybuffer";
    this.socket.onopen = () =>
      this.socket.send(JSON.stringify({ sample_rate: SAMPLE_RATE, channels: 2, model: "spleeter_2stems", latency_ms: latencyMs }));
    this.socket.onmessage = ({ data }) => this.receive(data);
    this.socket.onclose = (event) => {
      if (!this.finished && !this.closedByUs) this.handlers.failed(event.reason || "The connection to the server closed.");
    };
  }

  receive(data) {
    if (typeof data !== "string") {
      const view = new DataView(data);
      const stem = view.getUint8(0);
      const first = view.getUint32(4, true);
      const samples = new Int16Array(data, 8);
      const frames = samples.length / 2;
      const left = new Float32Array(frames);
      const right = new Float32Array(frames);
      for (let i = 0; i < frames; i += 1) {
        left[i] = samples[2 * i] / 32768;
        right[i] = samples[2 * i + 1] / 32768;
      }
      this.handlers.frames(stem, first, left, right);
      return;
    }
    const message = JSON.parse(data);
    if (message.type === "ready") this.handlers.ready(message);
    else if (message.type === "stats") this.handlers.stats(message);
    else if (message.type === "done") {
      this.finished = true;
      this.handlers.done();
    } else if (message.type === "error") {
      this.finished = true;
      this.handlers.failed(message.detail);
    }
  }

  /** A block of captured audio (two Float32Arrays); sent in MESSAGE_FRAMES pieces. */
  push([left, right]) {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    this.pending[0].push(left);
    this.pending[1].push(right);
    this.pendingFrames += left.length;
    if (this.pendingFrames >= MESSAGE_FRAMES) this.flush(MESSAGE_FRAMES);
  }

  flush(minimum) {
    while (this.pendingFrames >= minimum && this.pendingFrames > 0) {
      const frames = Math.max(Math.min(this.pendingFrames, MESSAGE_FRAMES), MIN_FRAMES);
      const pcm = new Int16Array(frames * 2);
      let written = 0;
      while (written < frames && this.pending[0].length) {
        const left = this.pending[0][0];
        const right = this.pending[1][0];
        const take = Math.min(left.length, frames - written);
        for (let i = 0; i < take; i += 1) {
          pcm[2 * (written + i)] = toInt16(left[i]);
          pcm[2 * (written + i) + 1] = toInt16(right[i]);
        }
        written += take;
        if (take === left.length) {
          this.pending[0].shift();
          this.pending[1].shift();
        } else {
          this.pending[0][0] = left.subarray(take);
          this.pending[1][0] = right.subarray(take);
        }
      }
      this.pendingFrames -= written;
      this.socket.send(pcm.buffer); // the last message's padding (to MIN_FRAMES) is silence
    }
  }

  /** The source ended: send what is left, then "end"; the server flushes every frame. */
  end() {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    this.flush(1);
    this.socket.send(JSON.stringify({ type: "end" }));
  }

  close() {
    this.closedByUs = true;
    this.socket.close(1000);
  }
}

function toInt16(sample) {
  return Math.max(-32768, Math.min(32767, Math.round(sample * 32768)));
}

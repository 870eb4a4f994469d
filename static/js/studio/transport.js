// One transport drives every element. Elements drift apart while playing (each has
// its own clock), so a watchdog re-aligns any that strays more than DRIFT_LIMIT
// seconds from the leader, the first stem. Every element plays at one rate (the
// practice speed), and an A-B loop sends all of them back to A on reaching B.

const DRIFT_LIMIT = 0.04;
const DRIFT_EVERY_MS = 250;
const AT_END = 0.05; // seconds before the end at which Play starts over

/**
 * `channels`: {element, offset} of everything that plays; `length`: the stems'
 * seconds until the leader knows its own. `view` hears of the transport's state:
 * playing(bool), position(seconds, length), length(seconds), refused(message).
 */
export function createTransport({ context, channels, length, view }) {
  const leader = channels[0].element;
  let playing = false;
  let position = 0; // where a paused transport stands
  let frame = null;
  let watchdog = null;
  let rate = 1;
  let loop = null; // {start, end} in seconds while looping

  const now = () => (playing ? leader.currentTime : position);

  function align(time) {
    for (const { element, offset } of channels) element.currentTime = time + offset;
  }

  /** Back to A once B is reached; true when it jumped. */
  function wrapLoop() {
    if (!loop || !playing || leader.currentTime < loop.end) return false;
    align(loop.start);
    return true;
  }

  function correctDrift() {
    if (wrapLoop()) return;
    const time = leader.currentTime;
    for (const { element, offset } of channels) {
      if (element !== leader && Math.abs(element.currentTime - offset - time) > DRIFT_LIMIT) {
        element.currentTime = time + offset;
      }
    }
  }

  function tick() {
    wrapLoop();
    view.position(now(), length);
    frame = playing ? requestAnimationFrame(tick) : null;
  }

  function setPlaying(value) {
    playing = value;
    view.playing(value);
  }

  function play() {
    if (playing) return;
    if (position >= length - AT_END) position = 0;
    if (loop && (position < loop.start || position >= loop.end)) position = loop.start;
    context.resume();
    align(position);
    setPlaying(true);
    Promise.all(channels.map(({ element }) => element.play())).catch((error) => {
      if (error.name === "AbortError") return; // a pause or seek came first
      pause();
      view.refused(`The browser refused to play: ${error.message}`);
    });
    watchdog = setInterval(correctDrift, DRIFT_EVERY_MS);
    if (!frame) tick();
  }

  function pause() {
    if (!playing) return;
    for (const { element } of channels) element.pause();
    position = leader.currentTime;
    clearInterval(watchdog);
    setPlaying(false);
    view.position(position, length);
  }

  function seek(time) {
    position = Math.max(0, Math.min(length, time));
    align(position);
    view.position(position, length);
  }

  /** Play every element at `value` times its speed (the pitch is kept). */
  function setRate(value) {
    rate = value;
    for (const { element } of channels) {
      element.defaultPlaybackRate = rate; // what a reload of the element starts from
      element.playbackRate = rate;
    }
  }

  /** Loop from `start` to `end` seconds; null stops looping. */
  function setLoop(value) {
    loop = value && value.end > value.start ? value : null;
  }

  leader.addEventListener("ended", () => {
    pause();
    seek(0);
  });
  leader.addEventListener("loadedmetadata", () => {
    if (Number.isFinite(leader.duration) && leader.duration > 0) length = leader.duration;
    view.length(length);
  });
  view.length(length);

  return {
    play,
    pause,
    seek,
    toggle: () => (playing ? pause() : play()),
    now,
    setRate,
    rate: () => rate,
    setLoop,
    loop: () => loop,
    isPlaying: () => playing,
    length: () => length,
  };
}

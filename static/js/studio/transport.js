// One transport drives every element. Elements drift apart while playing (each has
// its own clock), so a watchdog re-aligns any that strays more than DRIFT_LIMIT
// seconds from the leader, the first stem.

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

  const now = () => (playing ? leader.currentTime : position);

  function align(time) {
    for (const { element, offset } of channels) element.currentTime = time + offset;
  }

  function correctDrift() {
    const time = leader.currentTime;
    for (const { element, offset } of channels) {
      if (element !== leader && Math.abs(element.currentTime - offset - time) > DRIFT_LIMIT) {
        element.currentTime = time + offset;
      }
    }
  }

  function tick() {
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
    isPlaying: () => playing,
    length: () => length,
  };
}

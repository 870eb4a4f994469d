// Practice tools: speed (50-150 %, pitch kept), pitch (±6 semitones) and an A-B loop.
// Keys: [ sets A and ] sets B where the music is, L turns the loop on and off.
// The settings live in the page's address (speed, pitch, a, b, loop), so a reload
// or a shared link opens the studio as it was; the mix download uses the same speed and pitch.
import { formatDuration } from "../lib/format.js";

const SPEED = { min: 50, max: 150 }; // percent
const PITCH = { min: -6, max: 6 }; // semitones
const KEYS = { "[": "setA", "]": "setB", l: "toggleLoop", L: "toggleLoop" };

const clamp = (value, { min, max }) => Math.min(max, Math.max(min, value));

/** A number from the address, or null when it holds none. */
function numberIn(query, name) {
  const text = query.get(name);
  return text === null || text === "" || !Number.isFinite(Number(text)) ? null : Number(text);
}

/** The practice settings the address asks for, cut to what is allowed. */
function fromAddress(length) {
  const query = new URLSearchParams(window.location.search);
  const inside = (value) => (value === null ? null : clamp(value, { min: 0, max: length }));
  return {
    speed: clamp(Math.round(numberIn(query, "speed") ?? 100), SPEED),
    pitch: clamp(Math.round(numberIn(query, "pitch") ?? 0), PITCH),
    a: inside(numberIn(query, "a")),
    b: inside(numberIn(query, "b")),
    looping: query.get("loop") === "1",
  };
}

function toAddress(state) {
  const url = new URL(window.location.href);
  const set = (name, value, neutral) =>
    value === neutral || value === null ? url.searchParams.delete(name) : url.searchParams.set(name, String(value));
  set("speed", state.speed, 100);
  set("pitch", state.pitch, 0);
  set("a", state.a === null ? null : state.a.toFixed(2), null);
  set("b", state.b === null ? null : state.b.toFixed(2), null);
  set("loop", state.looping ? 1 : null, null);
  window.history.replaceState(null, "", url);
}

/** Wire the practice controls to the transport and the pitch stage; answers the state, for tests. */
export function bindPractice({ transport, pitchStage, report }) {
  const $ = (id) => document.getElementById(id);
  const speedInput = $("speed");
  const pitchInput = $("pitch");
  const loopButton = $("loop-toggle");
  const state = fromAddress(transport.length());

  function showLoop() {
    const at = (value) => (value === null ? "–" : formatDuration(value));
    $("loop-range").textContent = `A ${at(state.a)} · B ${at(state.b)}`;
    loopButton.setAttribute("aria-pressed", String(state.looping));
    loopButton.disabled = state.a === null || state.b === null;
  }

  function apply() {
    speedInput.value = state.speed;
    pitchInput.value = state.pitch;
    $("speed-value").textContent = `${state.speed}%`;
    $("pitch-value").textContent = state.pitch > 0 ? `+${state.pitch}` : String(state.pitch);
    if (state.a !== null && state.b !== null && state.b <= state.a) state.b = null;
    if (state.a === null || state.b === null) state.looping = false;
    transport.setRate(state.speed / 100);
    transport.setLoop(state.looping ? { start: state.a, end: state.b } : null);
    pitchStage.shift(state.pitch).then(
      () => report(""),
      (error) => report(`Pitch shifting is not available here: ${error.message}.`),
    );
    showLoop();
    toAddress(state);
  }

  const actions = {
    setA() {
      state.a = transport.now();
      apply();
    },
    setB() {
      state.b = transport.now();
      if (state.a === null) state.a = 0;
      state.looping = state.b > state.a;
      apply();
    },
    toggleLoop() {
      state.looping = !state.looping;
      apply();
      if (state.looping && !transport.isPlaying()) transport.seek(state.a);
    },
    reset() {
      Object.assign(state, { speed: 100, pitch: 0, a: null, b: null, looping: false });
      apply();
    },
  };

  speedInput.addEventListener("input", () => {
    state.speed = clamp(Number(speedInput.value), SPEED);
    apply();
  });
  pitchInput.addEventListener("input", () => {
    state.pitch = clamp(Number(pitchInput.value), PITCH);
    apply();
  });
  $("loop-a").addEventListener("click", actions.setA);
  $("loop-b").addEventListener("click", actions.setB);
  loopButton.addEventListener("click", actions.toggleLoop);
  $("practice-reset").addEventListener("click", actions.reset);
  document.addEventListener("keydown", (event) => {
    const action = KEYS[event.key];
    if (!action || event.ctrlKey || event.metaKey || event.altKey) return;
    if (/^(INPUT|TEXTAREA|SELECT)$/.test(event.target.tagName) && event.target.type !== "range") return;
    event.preventDefault();
    actions[action]();
  });
  apply();
  if (state.looping) transport.seek(state.a);
  return state;
}

// The stem strips: mute, solo and volume. They only change gains, never pause or
// seek an element, so the stems cannot drift apart. A strip whose stem is not
// heard is greyed, and the mix download is off while nothing is heard.

/** Wire every strip of `mixer`; answers `audibleGain(name)`, the gain a stem is heard at. */
export function bindStrips({ mixer, channels, setGain }) {
  const names = Object.keys(channels);
  const desk = Object.fromEntries(names.map((name) => [name, { volume: 1, muted: false, soloed: false }]));
  const strip = (name) => mixer.querySelector(`.stem-strip[data-stem="${name}"]`);

  function audibleGain(name) {
    const { volume, muted, soloed } = desk[name];
    if (names.some((other) => desk[other].soloed)) return soloed ? volume : 0;
    return muted ? 0 : volume;
  }

  function apply() {
    for (const name of names) {
      setGain(channels[name].gain.gain, audibleGain(name));
      strip(name).classList.toggle("silenced", audibleGain(name) === 0);
    }
    document.getElementById("mix-download").disabled = !names.some((name) => audibleGain(name) > 0);
  }

  function bindToggle(button, name, key) {
    button.addEventListener("click", () => {
      desk[name][key] = !desk[name][key];
      button.setAttribute("aria-pressed", String(desk[name][key]));
      apply();
    });
  }

  for (const name of names) {
    const controls = strip(name);
    bindToggle(controls.querySelector(".mute"), name, "muted");
    bindToggle(controls.querySelector(".solo"), name, "soloed");
    const slider = controls.querySelector(".volume");
    slider.addEventListener("input", () => {
      desk[name].volume = parseFloat(slider.value);
      controls.querySelector(".volume-value").textContent = `${Math.round(desk[name].volume * 100)}%`;
      apply();
    });
  }
  apply();
  return { audibleGain };
}

/** The A/B button: hear the original instead of the stems, in step with them. */
export function bindOriginalSwitch({ button, mixer, stemsBus, original, setGain }) {
  original.gain.gain.value = 0; // silent until the button is pressed
  button.addEventListener("click", () => {
    const on = button.getAttribute("aria-pressed") !== "true";
    button.setAttribute("aria-pressed", String(on));
    setGain(stemsBus.gain, on ? 0 : 1);
    setGain(original.gain.gain, on ? 1 : 0);
    mixer.classList.toggle("hearing-original", on);
  });
}

// The mix download posts each stem's audible gain (solo and mute applied) and the
// practice speed and pitch, so the file is what the mixer plays.

export function bindMixDownload({ form, names, audibleGain, practice }) {
  form.addEventListener("submit", () => {
    form.querySelectorAll("input.gain").forEach((input) => input.remove());
    const fields = Object.fromEntries(names.map((name) => [name, audibleGain(name)]));
    fields.speed = practice.speed / 100;
    fields.semitones = practice.pitch;
    for (const [name, value] of Object.entries(fields)) {
      const input = document.createElement("input");
      input.type = "hidden";
      input.className = "gain";
      input.name = name;
      input.value = String(value);
      form.append(input);
    }
  });
}

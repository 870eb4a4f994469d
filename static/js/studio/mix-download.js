// The mix download posts each stem's audible gain (solo and mute applied), so the
// file is what the mixer plays.

export function bindMixDownload({ form, names, audibleGain }) {
  form.addEventListener("submit", () => {
    form.querySelectorAll("input.gain").forEach((input) => input.remove());
    for (const name of names) {
      const input = document.createElement("input");
      input.type = "hidden";
      input.className = "gain";
      input.name = name;
      input.value = String(audibleGain(name));
      form.append(input);
    }
  });
}

// The track's Edit details dialog: title, artist and album through PATCH, then the
// cover (a new picture, or none) through its own URL; the page reloads to show them.
// A refusal shows beside its field, and what was typed stays.
import { deleteJson, patchJson, sendForm } from "../lib/api.js";

export function bindTrackEdit({ dialog, opener }) {
  const form = dialog.querySelector("form");
  const errorLine = form.querySelector(".dialog-error");

  function showErrors(error) {
    for (const line of form.querySelectorAll(".field-error")) line.textContent = error.errors[line.dataset.field] || "";
    errorLine.textContent = Object.keys(error.errors).length ? "" : error.message;
  }

  async function save(event) {
    event.preventDefault();
    const fields = form.elements;
    const submit = form.querySelector("[type=submit]");
    submit.disabled = true;
    try {
      await patchJson(form.dataset.url, {
        title: fields.title.value,
        artist: fields.artist.value,
        album: fields.album.value,
      });
      if (fields.cover.files.length) {
        const body = new FormData();
        body.append("cover", fields.cover.files[0]);
        await sendForm(form.dataset.coverUrl, "PUT", body);
      } else if (fields.remove_cover && fields.remove_cover.checked) {
        await deleteJson(form.dataset.coverUrl);
      }
      window.location.reload();
    } catch (error) {
      showErrors(error);
    } finally {
      submit.disabled = false;
    }
  }

  opener.addEventListener("click", () => dialog.showModal());
  form.querySelector("#edit-close").addEventListener("click", () => dialog.close());
  form.addEventListener("submit", save);
}

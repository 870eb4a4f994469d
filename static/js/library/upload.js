// Uploads by file picker or drag and drop: one request per file with its own
// progress bar (XMLHttpRequest, since fetch cannot report upload progress);
// accepted files appear as cards without reloading.
import { csrfToken } from "../lib/api.js";
import { el } from "../lib/dom.js";

const AT_ONCE = 2; // quick feedback without flooding the server
const SENT_SHARE = 95; // the bar's last steps are the server checking the audio
const MB = 1048576;

/** Wire the upload form; `addCard(track)` puts an accepted track's card on the page. */
export function bindUploads({ form, input, dropzone, list, addCard }) {
  const maxBytes = parseInt(form.dataset.maxBytes, 10);

  function uploadAll(files) {
    const queue = [...files];
    const worker = async () => {
      for (let file = queue.shift(); file; file = queue.shift()) await upload(file);
    };
    return Promise.all(Array.from({ length: AT_ONCE }, worker));
  }

  async function upload(file) {
    const row = uploadRow(file, list);
    if (file.size > maxBytes) {
      row.finish(false, `too large: the limit is ${Math.round(maxBytes / MB)} MB`);
      return;
    }
    const { status, answer } = await send(form.action, file, row);
    if (answer && answer.tracks && answer.tracks.length) {
      answer.tracks.forEach(addCard);
      row.finish(true, answer.tracks[0].created ? "added" : "already in your library");
    } else if (status === 0) {
      row.finish(false, "network error: the upload did not reach the server");
    } else {
      row.finish(false, refusal(answer, file) || `upload failed (HTTP ${status})`);
    }
  }

  input.addEventListener("change", () => uploadAll(input.files).then(() => (input.value = "")));
  for (const type of ["dragenter", "dragover"]) {
    dropzone.addEventListener(type, (event) => {
      event.preventDefault();
      dropzone.classList.add("over");
    });
  }
  for (const type of ["dragleave", "drop"]) {
    dropzone.addEventListener(type, (event) => {
      event.preventDefault();
      dropzone.classList.remove("over");
    });
  }
  dropzone.addEventListener("drop", (event) => {
    if (event.dataTransfer && event.dataTransfer.files.length) uploadAll(event.dataTransfer.files);
  });
}

/** Why the server refused `file`: its entry in `errors` (keyed by file name), else the sentence. */
function refusal(answer, file) {
  if (!answer) return null;
  const errors = answer.errors || {};
  return errors[file.name] || Object.values(errors)[0] || answer.detail || null;
}

/** POST one file; resolves to the HTTP status (0: no answer) and the parsed JSON answer. */
function send(url, file, row) {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    const body = new FormData();
    body.append("file", file, file.name);
    xhr.open("POST", url);
    xhr.setRequestHeader("X-CSRFToken", csrfToken());
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) row.sending(Math.round((event.loaded / event.total) * SENT_SHARE));
    });
    xhr.upload.addEventListener("load", () => row.checking());
    xhr.addEventListener("load", () => resolve({ status: xhr.status, answer: parseJson(xhr.responseText) }));
    xhr.addEventListener("error", () => resolve({ status: 0, answer: null }));
    xhr.send(body);
  });
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null; // e.g. a proxy's HTML error page: the HTTP status says enough
  }
}

/** The file's line in the upload list. */
function uploadRow(file, list) {
  const bar = el("progress", { max: "100" });
  bar.value = 0;
  const status = el("span", { class: "status", text: "waiting" });
  const item = el("li", { class: "upload-item" }, [el("span", { class: "name", text: file.name }), bar, status]);
  list.prepend(item);
  return {
    sending(percent) {
      bar.value = percent;
      status.textContent = "uploading";
    },
    checking() {
      status.textContent = "checking the audio…";
    },
    finish(ok, words) {
      item.classList.add(ok ? "done" : "failed");
      status.textContent = words;
      bar.value = 100;
    },
  };
}

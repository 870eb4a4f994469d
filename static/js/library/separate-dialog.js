// The Separate Stems dialog. The template renders the form with the user's defaults
// as its initial values, so opening it resets the form to them. The model list holds
// every engine's models, in optgroups labelled like the engines in `catalog`; only
// the chosen engine's group is offered, and the chosen model's stems are named.

/**
 * Wire the dialog: buttons `.separate-button` in `grid` open it for their track;
 * `start(request)` sends the jobs API request and rejects with an Error whose
 * message is for people.
 */
export function bindSeparateDialog({ dialog, grid, catalog, start }) {
  const form = dialog.querySelector("form");
  const fields = form.elements;
  const engine = fields.engine;
  const model = fields.model;
  const errorLine = form.querySelector(".dialog-error");
  const startButton = form.querySelector("[type=submit]");
  let trackId = null;

  function offerEngineModels() {
    const label = catalog[engine.value].label;
    for (const group of model.querySelectorAll("optgroup")) {
      const offered = group.label === label;
      group.hidden = !offered;
      group.disabled = !offered;
    }
    if (model.selectedOptions[0]?.parentElement.label !== label) {
      model.value = Object.keys(catalog[engine.value].models)[0];
    }
    nameStems();
  }

  function nameStems() {
    const stems = catalog[engine.value].models[model.value] || [];
    form.querySelector("#sep-stem-names").textContent = `(${stems.join(", ")})`;
  }

  function open(button) {
    trackId = button.dataset.trackId;
    form.reset();
    offerEngineModels();
    form.querySelector(".dialog-track").textContent = button.dataset.title;
    errorLine.textContent = "";
    dialog.showModal();
  }

  async function submit(event) {
    event.preventDefault();
    startButton.disabled = true;
    try {
      await start(jobRequest(fields, trackId));
      dialog.close();
    } catch (error) {
      errorLine.textContent = error.message;
    } finally {
      startButton.disabled = false;
    }
  }

  engine.addEventListener("change", offerEngineModels);
  model.addEventListener("change", nameStems);
  form.addEventListener("submit", submit);
  form.querySelector("#sep-close").addEventListener("click", () => dialog.close());
  grid.addEventListener("click", (event) => {
    const button = event.target.closest(".separate-button");
    if (button) open(button);
  });
}

/** The jobs API request (POST urls.jobs) the form's fields say. */
function jobRequest(fields, track) {
  return {
    track,
    engine: fields.engine.value,
    model: fields.model.value,
    stems: fields.stems.value,
    output_format: fields.output_format.value,
    preview: fields.preview.checked,
    sample_rate: Number(fields.sample_rate.value),
    normalise: fields.normalise.checked,
  };
}

// The Separate Stems dialog. The template renders the form with the user's defaults
// as its initial values, so opening it resets the form to them. The model list holds
// every engine's models, in optgroups labelled like the engines in `catalog`; only
// the chosen engine's group is offered (starting from its default, a model that is
// ready), the chosen model's stems are named, a model that is not ready says why, and
// an engine billed by the minute says what this job will cost and what is left.
import { getJson } from "./api.js";
import { minutesWords } from "./format.js";

/**
 * Wire the dialog: buttons `.separate-button` in `grid` open it for their track, and
 * the answer's `openFor({ title, batch })` opens it for several (`batch`: the batch
 * API's `tracks` or `all_matching`); `start(request)` sends the jobs API request (with
 * `track`, or the batch's field) and rejects with an Error whose message is for people.
 */
export function bindSeparateDialog({ dialog, grid, catalog, start }) {
  const form = dialog.querySelector("form");
  const fields = form.elements;
  const engine = fields.engine;
  const model = fields.model;
  const errorLine = form.querySelector(".dialog-error");
  const startButton = form.querySelector("[type=submit]");
  const costLine = form.querySelector("#sep-cost");
  let trackId = null;
  let batch = null;
  let asked = 0; // answers to older questions about the cost are dropped

  function offerEngineModels() {
    const label = catalog[engine.value].label;
    for (const group of model.querySelectorAll("optgroup")) {
      const offered = group.label === label;
      group.hidden = !offered;
      group.disabled = !offered;
    }
    if (model.selectedOptions[0]?.parentElement.label !== label) model.value = catalog[engine.value].default;
    describeModel();
  }

  function describeModel() {
    const chosen = catalog[engine.value].models[model.value];
    form.querySelector("#sep-stem-names").textContent = chosen ? `(${chosen.stems.join(", ")})` : "";
    const note = form.querySelector("#sep-model-note");
    note.textContent = chosen && chosen.note ? `${chosen.name}: ${chosen.note}.` : "";
    note.hidden = !note.textContent;
    priceJob();
  }

  async function priceJob() {
    const url = catalog[engine.value].quota_url;
    const question = ++asked;
    costLine.hidden = !url;
    if (!url || !trackId) return;
    costLine.textContent = "Working out what this job costs…";
    const query = new URLSearchParams({
      track: trackId,
      model: model.value,
      stems: fields.stems.value,
      preview: fields.preview.checked ? "true" : "false",
    });
    let words;
    try {
      words = costWords(await getJson(`${url}?${query}`));
    } catch (error) {
      words = error.message;
    }
    if (question === asked) costLine.textContent = words;
  }

  function openFor(target) {
    trackId = target.trackId || null;
    batch = target.batch || null;
    form.reset();
    offerEngineModels();
    form.querySelector(".dialog-track").textContent = target.title;
    errorLine.textContent = "";
    dialog.showModal();
  }

  async function submit(event) {
    event.preventDefault();
    startButton.disabled = true;
    try {
      await start({ ...jobChoices(fields), ...(batch || { track: trackId }) });
      dialog.close();
    } catch (error) {
      errorLine.textContent = error.message;
    } finally {
      startButton.disabled = false;
    }
  }

  engine.addEventListener("change", offerEngineModels);
  model.addEventListener("change", describeModel);
  for (const input of [...form.querySelectorAll("[name=stems]"), fields.preview]) {
    input.addEventListener("change", priceJob);
  }
  form.addEventListener("submit", submit);
  form.querySelector("#sep-close").addEventListener("click", () => dialog.close());
  grid.addEventListener("click", (event) => {
    const button = event.target.closest(".separate-button");
    if (button) openFor({ trackId: button.dataset.trackId, title: button.dataset.title });
  });
  return { openFor };
}

/** What a job costs and what is left, from the quota endpoint's answer. */
function costWords(quota) {
  const cost = `This job uses about ${minutesWords(quota.job_cost_minutes)}`;
  if (quota.remaining_minutes === null) return `${cost} of the installation's lalal.ai time.`;
  const left = `${minutesWords(quota.remaining_minutes)} left`;
  return quota.job_cost_minutes > quota.remaining_minutes
    ? `${cost}: more than the ${left} on your key.`
    : `${cost} of the ${left} on your key.`;
}

/** The choices of a jobs API request (POST urls.jobs or urls.batch) the form's fields say. */
function jobChoices(fields) {
  return {
    engine: fields.engine.value,
    model: fields.model.value,
    stems: fields.stems.value,
    output_format: fields.output_format.value,
    preview: fields.preview.checked,
    sample_rate: Number(fields.sample_rate.value),
    normalise: fields.normalise.checked,
  };
}

// Library page: the Separate Stems dialog, each card's job panel, and live job
// events from the websocket (progress bars move, stems appear, without reloading).
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("jobs-data").textContent);
  var grid = document.getElementById("track-grid");
  var dialog = document.getElementById("separate-dialog");
  var form = document.getElementById("separate-form");
  var csrf = document.querySelector("input[name=csrfmiddlewaretoken]").value;
  var STATUS_WORDS = { queued: "Queued", running: "Separating", completed: "Done", failed: "Failed", cancelled: "Cancelled" };

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") node.textContent = attrs[key]; else node.setAttribute(key, attrs[key]);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  function post(url, body) {
    return fetch(url, { method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "Accept": "application/json" } })
      .then(function (response) { return response.json().then(function (json) { return { ok: response.ok, json: json }; }); });
  }

  function stemRow(stem) {
    var name = el("span", { class: "stem-name", text: stem.stem_type });
    var player = el("audio", { controls: "", preload: "none", src: stem.file_url, "data-stem": stem.stem_type });
    var link = el("a", { href: stem.export_url, class: "stem-download", download: "", text: "Download" });
    return el("li", { class: "stem" }, [name, link, player]);
  }

  function jobPanel(job) {
    var panel = el("div", { class: "job status-" + job.status, "data-job-id": job.id });
    var head = el("p", { class: "job-status" });
    head.appendChild(el("strong", { text: STATUS_WORDS[job.status] || job.status }));
    head.appendChild(document.createTextNode(" · " + job.model + (job.stems_mode === "two" ? " · vocals/instrumental" : "")));
    if (job.preview) head.appendChild(el("span", { class: "preview-badge", text: previewLabel(job) }));
    panel.appendChild(head);
    if (job.status === "queued" || job.status === "running") {
      var bar = el("progress", { max: "100", class: "job-progress", "aria-label": "Separation progress" });
      bar.value = job.progress;
      panel.appendChild(el("div", { class: "progress-row" }, [bar, el("span", { class: "job-percent", text: job.progress + "%" })]));
      var cancel = el("button", { type: "button", class: "small job-cancel", text: "Cancel" });
      cancel.addEventListener("click", function () { cancel.disabled = true; post(job.cancel_url).then(function (r) { if (r.json.job) show(r.json.job); }); });
      panel.appendChild(cancel);
    } else if (job.status === "completed") {
      panel.appendChild(el("ul", { class: "stems" }, job.stems.map(stemRow)));
      if (job.zip_url) panel.appendChild(el("a", { href: job.zip_url, class: "zip-download", download: "", text: "Download all (ZIP)" }));
      if (job.preview) {
        var full = el("button", { type: "button", class: "small full-run", text: "Separate the full track" });
        full.addEventListener("click", function () { startFullRun(job, full); });
        panel.appendChild(full);
      }
    } else if (job.error) {
      panel.appendChild(el("p", { class: "job-error", text: job.error }));
    }
    return panel;
  }

  function previewLabel(job) {
    var start = job.result && job.result.preview_start_seconds;
    return start === undefined ? "Preview (60 s)" : "Preview from " + window.SoundForge.formatDuration(start);
  }

  function startFullRun(job, button) {
    var body = new FormData();
    ["engine", "model", "stems_mode", "output_format"].forEach(function (key) { body.append(key, job[key]); });
    button.disabled = true;
    post("/tracks/" + job.track_id + "/separate", body).then(function (result) {
      if (result.ok) show(result.json.job);
      else { button.disabled = false; button.textContent = result.json.error || "Could not start"; }
    });
  }

  function show(job) {
    data.jobs[job.track_id] = job;
    var card = grid.querySelector('.card[data-track-id="' + job.track_id + '"]');
    if (!card) return;
    var slot = card.querySelector(".job-slot");
    slot.replaceChildren(jobPanel(job));
  }

  function onProgress(event) {
    var job = data.jobs[event.track_id];
    if (!job || job.id !== event.job_id) return;
    job.progress = event.progress;
    if (job.status === "queued") { job.status = "running"; show(job); return; }
    var panel = grid.querySelector('.job[data-job-id="' + event.job_id + '"]');
    if (!panel) return;
    var bar = panel.querySelector(".job-progress");
    if (bar) { bar.value = event.progress; panel.querySelector(".job-percent").textContent = event.progress + "%"; }
  }

  // --- the Separate Stems dialog -------------------------------------------
  var engineSelect = document.getElementById("sep-engine");
  var modelSelect = document.getElementById("sep-model");
  var errorLine = form.querySelector(".dialog-error");
  var currentTrack = null;

  function fillModels(engine, selected) {
    var models = data.catalog[engine].models;
    modelSelect.replaceChildren.apply(modelSelect, Object.keys(models).map(function (name) {
      return el("option", { value: name, text: name });
    }));
    modelSelect.value = models[selected] ? selected : Object.keys(models)[0];
    describeStems();
  }
  function describeStems() {
    var stems = data.catalog[engineSelect.value].models[modelSelect.value] || [];
    document.getElementById("sep-stem-names").textContent = "(" + stems.join(", ") + ")";
  }
  Object.keys(data.catalog).forEach(function (name) {
    engineSelect.appendChild(el("option", { value: name, text: data.catalog[name].label }));
  });
  engineSelect.addEventListener("change", function () { fillModels(engineSelect.value); });
  modelSelect.addEventListener("change", describeStems);

  function openDialog(button) {
    currentTrack = button.dataset.trackId;
    var d = data.defaults;
    form.querySelector(".dialog-track").textContent = button.dataset.title;
    engineSelect.value = d.engine;
    fillModels(d.engine, d.model);
    form.querySelector('input[name=stems_mode][value="' + d.stems_mode + '"]').checked = true;
    form.elements.output_format.value = d.output_format;
    form.elements.preview.checked = !!d.preview;
    errorLine.textContent = "";
    dialog.showModal();
  }
  grid.addEventListener("click", function (event) {
    var button = event.target.closest(".separate-button");
    if (button) openDialog(button);
  });
  document.getElementById("sep-close").addEventListener("click", function () { dialog.close(); });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var start = document.getElementById("sep-start");
    start.disabled = true;
    post("/tracks/" + currentTrack + "/separate", new FormData(form)).then(function (result) {
      start.disabled = false;
      if (result.ok) { show(result.json.job); dialog.close(); }
      else errorLine.textContent = result.json.error || "The job could not be started.";
    }, function () { start.disabled = false; errorLine.textContent = "The server did not answer; try again."; });
  });

  // --- live events -----------------------------------------------------------
  var retry = 500;
  function resync() {
    Object.keys(data.jobs).forEach(function (trackId) {
      var job = data.jobs[trackId];
      if (job.status !== "queued" && job.status !== "running") return;
      fetch("/jobs/" + job.id, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; }).then(function (json) { if (json) show(json.job); });
    });
  }
  function connect() {
    var socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/jobs/");
    socket.onopen = function () { retry = 500; document.body.dataset.live = "1"; resync(); };
    socket.onmessage = function (message) {
      var event = JSON.parse(message.data);
      if (event.type === "job.progress") onProgress(event);
      else if (event.type === "job.status") show(event.job);
    };
    socket.onclose = function () {
      delete document.body.dataset.live;
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 10000);
    };
  }

  Object.keys(data.jobs).forEach(function (trackId) { show(data.jobs[trackId]); });
  new MutationObserver(function (changes) {  // cards added by uploads
    changes.forEach(function (change) {
      change.addedNodes.forEach(function (node) {
        if (node.dataset && data.jobs[node.dataset.trackId]) show(data.jobs[node.dataset.trackId]);
      });
    });
  }).observe(grid, { childList: true });
  connect();
})();

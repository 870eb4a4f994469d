// Library page: upload by file picker or drag and drop, one request per file with a
// progress bar; accepted files appear as cards without reloading.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  var input = document.getElementById("file-input");
  var dropzone = document.getElementById("dropzone");
  var list = document.getElementById("upload-list");
  var grid = document.getElementById("track-grid");
  var maxBytes = parseInt(form.dataset.maxBytes, 10);
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;

  function row(file) {
    var li = document.createElement("li");
    li.className = "upload-item";
    var name = document.createElement("span"); name.className = "name"; name.textContent = file.name;
    var bar = document.createElement("progress"); bar.max = 100; bar.value = 0;
    var status = document.createElement("span"); status.className = "status"; status.textContent = "waiting";
    li.append(name, bar, status);
    list.prepend(li);
    return { li: li, bar: bar, status: status };
  }

  function finish(item, ok, text) {
    item.li.classList.add(ok ? "done" : "failed");
    item.status.textContent = text;
    item.bar.value = 100;
  }

  function addCard(track) {
    if (grid.querySelector('[data-track-id="' + track.id + '"]')) return;
    var holder = document.createElement("div");
    holder.innerHTML = track.card_html.trim();
    var card = holder.firstElementChild;
    grid.prepend(card);
    window.SoundForge.enhance(card);
    document.getElementById("empty-library").hidden = true;
    document.getElementById("track-count").textContent = grid.children.length;
  }

  function upload(file) {
    var item = row(file);
    if (file.size > maxBytes) {
      finish(item, false, "too large: the limit is " + Math.round(maxBytes / 1048576) + " MB");
      return Promise.resolve();
    }
    return new Promise(function (resolve) {
      var xhr = new XMLHttpRequest();
      var body = new FormData();
      body.append("file", file, file.name);
      xhr.open("POST", form.action);
      xhr.setRequestHeader("X-CSRFToken", csrf);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.onprogress = function (e) {
        if (e.lengthComputable) { item.bar.value = Math.round((e.loaded / e.total) * 95); item.status.textContent = "uploading"; }
      };
      xhr.upload.onload = function () { item.status.textContent = "checking the audio…"; };
      xhr.onload = function () {
        var data = null;
        try { data = JSON.parse(xhr.responseText); } catch (err) { data = null; }
        if (data && data.tracks && data.tracks.length) {
          data.tracks.forEach(addCard);
          finish(item, true, data.tracks[0].created ? "added" : "already in your library");
        } else {
          var message = data && data.errors && data.errors.length ? data.errors[0].message : "upload failed (HTTP " + xhr.status + ")";
          finish(item, false, message);
        }
        resolve();
      };
      xhr.onerror = function () { finish(item, false, "network error: the upload did not reach the server"); resolve(); };
      xhr.send(body);
    });
  }

  function uploadAll(files) {
    // Two at a time: quick feedback without flooding the server.
    var queue = Array.prototype.slice.call(files);
    function next() { var f = queue.shift(); return f ? upload(f).then(next) : Promise.resolve(); }
    return Promise.all([next(), next()]);
  }

  input.addEventListener("change", function () { uploadAll(input.files).then(function () { input.value = ""; }); });
  ["dragenter", "dragover"].forEach(function (type) {
    dropzone.addEventListener(type, function (e) { e.preventDefault(); dropzone.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (type) {
    dropzone.addEventListener(type, function (e) { e.preventDefault(); dropzone.classList.remove("over"); });
  });
  dropzone.addEventListener("drop", function (e) { if (e.dataTransfer && e.dataTransfer.files.length) uploadAll(e.dataTransfer.files); });
})();

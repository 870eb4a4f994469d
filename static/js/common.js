// Shared page behaviour: readable durations and a confirmation before deleting.
(function () {
  "use strict";
  function formatDuration(seconds) {
    var s = Math.round(seconds), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    var mm = h ? String(m).padStart(2, "0") : String(m);
    return (h ? h + ":" : "") + mm + ":" + String(r).padStart(2, "0");
  }
  function enhance(root) {
    root.querySelectorAll(".duration[data-seconds]").forEach(function (el) {
      el.textContent = formatDuration(parseFloat(el.dataset.seconds));
    });
    root.querySelectorAll(".delete-form:not([data-ready])").forEach(function (form) {
      form.dataset.ready = "1";
      form.addEventListener("submit", function (event) {
        var title = form.querySelector("button").dataset.title || "this track";
        if (!window.confirm("Delete “" + title + "” and all its files?")) event.preventDefault();
      });
    });
  }
  window.SoundForge = { formatDuration: formatDuration, enhance: enhance };
  enhance(document);
})();

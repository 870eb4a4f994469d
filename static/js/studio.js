// The studio: live job states, then the stem mixer. Every stem is an <audio> element (served with HTTP
// Range, so playback starts at once) feeding a Web Audio graph:
//   element -> MediaElementSource -> gain (volume x mute/solo) -> analyser -> stems bus -> master -> speakers
// One transport drives all elements. Mute, solo and volume only change gains,
// never pause or seek an element, so stems cannot drift apart; a watchdog
// re-aligns any element that strays more than DRIFT_LIMIT from the leader.
// window.studio exposes the graph (context, tracks, ...) for tests.
(function () {
  "use strict";
  // While a job of this track is queued or running, its line in the jobs list follows
  // the websocket's events; when the job shown on the page ends, the page reloads.
  var list = document.querySelector(".job-list");
  if (!list || !list.querySelector(".status-queued, .status-running")) return;
  var WORDS = { queued: "Queued", completed: "Done", failed: "Failed", cancelled: "Cancelled" };
  function update(jobId, status, text) {
    var item = list.querySelector('.job-item[data-job-id="' + jobId + '"]');
    if (!item) return;
    item.className = item.className.replace(/status-\w+/, "status-" + status);
    item.querySelector(".job-state").textContent = text;
    if (item.classList.contains("selected") && WORDS[status] && status !== "queued") window.location.reload();
  }
  function show(job) {
    update(job.id, job.status, job.status === "running" ? "Separating " + job.progress + "%" : WORDS[job.status]);
  }
  var socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/jobs/");
  socket.onopen = function () {  // catch up on what happened before the socket was there
    list.querySelectorAll(".status-queued, .status-running").forEach(function (item) {
      fetch("/jobs/" + item.dataset.jobId, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; }).then(function (json) { if (json) show(json.job); });
    });
  };
  socket.onmessage = function (message) {
    var event = JSON.parse(message.data);
    if (event.type === "job.progress") update(event.job_id, "running", "Separating " + event.progress + "%");
    else if (event.type === "job.status") show(event.job);
  };
})();

(function () {
  "use strict";
  var dataNode = document.getElementById("studio-data");
  if (!dataNode) return;  // no completed job selected: no mixer
  var data = JSON.parse(dataNode.textContent);
  var DRIFT_LIMIT = 0.04, DRIFT_EVERY_MS = 250, RAMP = 0.01, SKIP = 5;
  var COLORS = ["#ff7a45", "#46c3c9", "#b68cff", "#f2c94c", "#46c37b", "#ff5d9e"];
  var mixer = document.getElementById("mixer");
  var playButton = document.getElementById("play");
  var abButton = document.getElementById("ab-original");
  var context = new (window.AudioContext || window.webkitAudioContext)();
  var master = context.createGain();
  var stemsBus = context.createGain();
  stemsBus.connect(master);
  master.connect(context.destination);

  var stemNames = data.job.stems.map(function (stem) { return stem.stem_type; });
  var length = Math.max.apply(null, data.job.stems.map(function (s) { return s.duration_seconds; }).concat([0]));
  var tracks = {};
  var playing = false, position = 0, frame = null, watchdog = null;

  function channel(name, url, output, offset) {
    var element = new Audio();
    element.preload = "auto";
    element.src = url;
    element.dataset.source = name;
    var gain = context.createGain();
    var analyser = context.createAnalyser();
    analyser.fftSize = 2048;
    context.createMediaElementSource(element).connect(gain);
    gain.connect(analyser);
    analyser.connect(output);
    element.dataset.offset = String(offset);  // seconds into this file where the stems' 0:00 lies
    return { element: element, gain: gain, analyser: analyser, volume: 1, muted: false, soloed: false };
  }
  data.job.stems.forEach(function (stem) {
    tracks[stem.stem_type] = channel(stem.stem_type, stem.file_url, stemsBus, 0);
  });
  var leader = tracks[stemNames[0]].element;
  // The original for A/B listening, shifted to where a preview's excerpt starts.
  var offset = data.original_offset;
  var original = abButton ? channel("original", data.original_url, master, offset) : null;
  if (original) original.gain.gain.value = 0;
  var elements = stemNames.map(function (name) { return tracks[name].element; });
  if (original) elements.push(original.element);

  function setGain(param, value) {
    param.cancelScheduledValues(context.currentTime);
    param.setTargetAtTime(value, context.currentTime, RAMP);
  }
  function audibleGain(name) {
    var t = tracks[name];
    var anySolo = stemNames.some(function (n) { return tracks[n].soloed; });
    if (anySolo) return t.soloed ? t.volume : 0;
    return t.muted ? 0 : t.volume;
  }
  function applyGains() {
    stemNames.forEach(function (name) { setGain(tracks[name].gain.gain, audibleGain(name)); });
    var anyAudible = stemNames.some(function (name) { return audibleGain(name) > 0; });
    document.getElementById("mix-download").disabled = !anyAudible;
    stemNames.forEach(function (name) {
      var strip = mixer.querySelector('.stem-strip[data-stem="' + name + '"]');
      strip.classList.toggle("silenced", audibleGain(name) === 0);
    });
  }

  // --- transport ----------------------------------------------------------------
  function clock(seconds) { return window.SoundForge.formatDuration(Math.max(0, seconds)); }
  function showPosition() {
    var t = now();
    document.getElementById("position").textContent = clock(Math.floor(t));
    var fraction = length ? Math.min(1, t / length) : 0;
    mixer.querySelectorAll(".playhead").forEach(function (head) { head.style.left = (fraction * 100) + "%"; });
  }
  function now() { return playing ? leader.currentTime : position; }
  function tick() { showPosition(); frame = playing ? requestAnimationFrame(tick) : null; }
  function shift(element) { return parseFloat(element.dataset.offset); }
  function align(time) { elements.forEach(function (element) { element.currentTime = time + shift(element); }); }
  function correctDrift() {
    var time = leader.currentTime;
    elements.forEach(function (element) {
      if (element !== leader && Math.abs(element.currentTime - shift(element) - time) > DRIFT_LIMIT) {
        element.currentTime = time + shift(element);
      }
    });
  }
  function setPlaying(value) {
    playing = value;
    playButton.textContent = value ? "Pause" : "Play";
  }
  function play() {
    if (playing) return;
    if (position >= length - 0.05) position = 0;
    context.resume();
    align(position);
    setPlaying(true);
    Promise.all(elements.map(function (element) { return element.play(); })).catch(function (error) {
      if (error.name === "AbortError") return;  // a pause or seek came first
      pause();
      document.getElementById("mixer-status").textContent = "The browser refused to play: " + error.message;
    });
    watchdog = setInterval(correctDrift, DRIFT_EVERY_MS);
    if (!frame) tick();
  }
  function pause() {
    if (!playing) return;
    elements.forEach(function (element) { element.pause(); });
    position = leader.currentTime;
    clearInterval(watchdog);
    setPlaying(false);
    showPosition();
  }
  function toggle() { if (playing) pause(); else play(); }
  function seek(time) {
    position = Math.max(0, Math.min(length, time));
    align(position);
    showPosition();
  }
  leader.addEventListener("ended", function () { pause(); position = 0; align(0); showPosition(); });
  leader.addEventListener("loadedmetadata", function () {
    if (isFinite(leader.duration) && leader.duration > 0) length = leader.duration;
    document.getElementById("length").textContent = clock(length);
  });
  document.getElementById("length").textContent = clock(length);
  playButton.addEventListener("click", toggle);

  // Space toggles anywhere except where it types or picks; the button's own
  // space activation is suppressed so it does not toggle twice.
  function typing(target) {
    return target.isContentEditable || /^(TEXTAREA|SELECT)$/.test(target.tagName) ||
      (target.tagName === "INPUT" && !/^(range|checkbox|radio|button|submit)$/.test(target.type));
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    var step = { ArrowLeft: -SKIP, ArrowRight: SKIP }[event.key];
    if (event.key === " ") {
      event.preventDefault();
      if (!event.repeat) toggle();
    } else if (step && event.target.type !== "range") {  // a slider keeps its arrows
      event.preventDefault();
      seek(now() + step);
    }
  });
  document.addEventListener("keyup", function (event) {
    if (event.key === " " && !typing(event.target)) event.preventDefault();
  });

  // --- strips: mute, solo, volume -----------------------------------------------
  stemNames.forEach(function (name) {
    var strip = mixer.querySelector('.stem-strip[data-stem="' + name + '"]');
    var t = tracks[name];
    function press(button, value) { button.setAttribute("aria-pressed", String(value)); }
    strip.querySelector(".mute").addEventListener("click", function (event) {
      t.muted = !t.muted; press(event.currentTarget, t.muted); applyGains();
    });
    strip.querySelector(".solo").addEventListener("click", function (event) {
      t.soloed = !t.soloed; press(event.currentTarget, t.soloed); applyGains();
    });
    var slider = strip.querySelector(".volume");
    slider.addEventListener("input", function () {
      t.volume = parseFloat(slider.value);
      strip.querySelector(".volume-value").textContent = Math.round(t.volume * 100) + "%";
      applyGains();
    });
  });
  if (abButton) abButton.addEventListener("click", function () {
    var on = abButton.getAttribute("aria-pressed") !== "true";
    abButton.setAttribute("aria-pressed", String(on));
    setGain(stemsBus.gain, on ? 0 : 1);
    setGain(original.gain.gain, on ? 1 : 0);
    mixer.classList.toggle("hearing-original", on);
  });

  // The mix download posts each stem's audible gain (solo and mute applied).
  document.getElementById("mix-form").addEventListener("submit", function (event) {
    var form = event.currentTarget;
    form.querySelectorAll("input.gain").forEach(function (input) { input.remove(); });
    stemNames.forEach(function (name) {
      var input = document.createElement("input");
      input.type = "hidden"; input.className = "gain"; input.name = name; input.value = String(audibleGain(name));
      form.appendChild(input);
    });
  });

  // --- waveforms ---------------------------------------------------------------
  function draw(wave, index) {
    var canvas = wave.querySelector("canvas");
    var source = wave.dataset.source;
    var entry = data.waveforms && (source === "original" ? data.waveforms.original : data.waveforms.stems[source]);
    var ratio = window.devicePixelRatio || 1;
    var width = Math.max(1, Math.round(canvas.clientWidth * ratio)), height = Math.max(1, Math.round(canvas.clientHeight * ratio));
    canvas.width = width; canvas.height = height;
    var g = canvas.getContext("2d");
    g.clearRect(0, 0, width, height);
    if (!entry || !entry.peaks.length) {
      g.fillStyle = "#9aa3b2"; g.font = (12 * ratio) + "px system-ui"; g.fillText("No waveform", 8 * ratio, height / 2);
      return;
    }
    var pairs = entry.peaks.length / 2, middle = height / 2, first = 0;
    if (source === "original" && offset !== null && entry.seconds > 0) {  // the part the stems cover
      first = Math.floor(pairs * offset / entry.seconds);
      pairs = Math.max(1, Math.min(pairs - first, Math.ceil(entry.peaks.length / 2 * length / entry.seconds)));
    }
    g.fillStyle = source === "original" ? "#9aa3b2" : COLORS[index % COLORS.length];
    for (var x = 0; x < width; x++) {
      var from = Math.floor(x * pairs / width), to = Math.max(from + 1, Math.floor((x + 1) * pairs / width));
      var low = 127, high = -127;
      for (var i = first + from; i < first + to && i < first + pairs; i++) {
        low = Math.min(low, entry.peaks[2 * i]); high = Math.max(high, entry.peaks[2 * i + 1]);
      }
      var top = middle - (high / 127) * middle, bottom = middle - (low / 127) * middle;
      g.fillRect(x, top, 1, Math.max(ratio, bottom - top));
    }
    canvas.dataset.drawn = "1";
  }
  function drawAll() { mixer.querySelectorAll(".wave").forEach(function (wave, index) { draw(wave, index - 1); }); }
  mixer.querySelectorAll(".wave").forEach(function (wave) {
    wave.addEventListener("click", function (event) {
      if (wave.dataset.source === "original" && offset === null) return;  // not aligned with the stems
      var box = wave.getBoundingClientRect();
      seek((event.clientX - box.left) / box.width * length);
    });
  });
  var resizeTimer = null;
  window.addEventListener("resize", function () { clearTimeout(resizeTimer); resizeTimer = setTimeout(drawAll, 100); });
  drawAll();
  applyGains();
  showPosition();

  function level(name) {  // RMS of what a channel's analyser hears now
    var samples = new Float32Array(tracks[name].analyser.fftSize);
    tracks[name].analyser.getFloatTimeDomainData(samples);
    var sum = 0;
    for (var i = 0; i < samples.length; i++) sum += samples[i] * samples[i];
    return Math.sqrt(sum / samples.length);
  }
  window.studio = { context: context, master: master, stemsBus: stemsBus, tracks: tracks, original: original, play: play, pause: pause,
                    seek: seek, level: level, audibleGain: audibleGain,
                    isPlaying: function () { return playing; }, time: now };
})();

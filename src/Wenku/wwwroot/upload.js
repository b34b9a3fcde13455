// Upload (/upload) and my documents (/me): many files dropped at once, each with its own details, sent two at a
// time with a progress bar of the bytes sent, then each conversion followed live by server-sent events from
// /me/progress (queued → page k of n → ready / held / failed). Without this script /upload is a plain form.
(function () {
  "use strict";

  var CONCURRENT_UPLOADS = 2;

  function fill(text, args) {
    return String(text).replace(/\{(\d+)\}/g, function (_, i) { return args[i] === undefined ? "" : String(args[i]); });
  }

  function bytes(n) {
    if (n < 1024) return n + " B";
    if (n < 1024 * 1024) return (n / 1024).toFixed(1) + " KB";
    return (n / 1024 / 1024).toFixed(1) + " MB";
  }

  function titleOf(name) {
    var dot = name.lastIndexOf(".");
    return dot > 0 ? name.slice(0, dot) : name;
  }

  // One EventSource for all the documents being followed; reopened with the new set when one is added.
  function ProgressWatch(url, onStatus) {
    var ids = {};
    var source = null;
    function open() {
      if (source) source.close();
      var pending = Object.keys(ids).filter(function (id) { return !ids[id]; });
      if (pending.length === 0) { source = null; return; }
      var batch = pending.slice(0, 50);
      source = new EventSource(url + "?ids=" + batch.join(","));
      source.addEventListener("status", function (e) {
        var s = JSON.parse(e.data);
        if (s.final) ids[s.id] = true;
        onStatus(s);
      });
      // Done: every id of this stream is final, including deleted ones that never got a status (else reopening the
      // same set would loop).
      source.addEventListener("done", function () {
        batch.forEach(function (id) { ids[id] = true; });
        source.close(); source = null; open2();
      });
    }
    // More than 50 followed: the next group once the first is done.
    function open2() { if (Object.keys(ids).some(function (id) { return !ids[id]; })) open(); }
    return {
      add: function (id) { if (!(id in ids)) { ids[id] = false; open(); } },
      watch: function (list) { list.forEach(function (id) { ids[id] = false; }); open(); }
    };
  }

  function showStatus(el, s) {
    el.textContent = s.text;
    el.setAttribute("data-status", s.status);
    el.className = el.className.replace(/\bstatus-(?!badge\b)\S+/g, "").trim() + " status-" + s.status;
  }

  // /me: the rows still converting follow their conversion live.
  var table = document.querySelector("table[data-converting]");
  if (table && table.getAttribute("data-converting")) {
    var watch = ProgressWatch(table.getAttribute("data-progress-url"), function (s) {
      var badge = table.querySelector('[data-status-for="' + s.id + '"]');
      if (badge) showStatus(badge, s);
      var pages = table.querySelector('[data-pages-for="' + s.id + '"]');
      if (pages && s.pages) pages.textContent = s.pages;
    });
    watch.watch(table.getAttribute("data-converting").split(","));
  }

  var form = document.getElementById("upload-form");
  if (!form || !window.FormData || !window.XMLHttpRequest) return;

  var texts = JSON.parse(document.getElementById("upload-texts").textContent);
  var template = document.getElementById("upload-row");
  var list = form.querySelector("[data-upload-files]");
  var input = form.querySelector("#file");
  var drop = form.querySelector("[data-upload-drop]");
  var start = form.querySelector("[data-upload-start]");
  var token = form.querySelector('input[name="__RequestVerificationToken"]');
  var rows = [];
  var watcher = ProgressWatch(form.getAttribute("data-progress-url"), function (s) {
    rows.forEach(function (row) {
      if (row.id !== s.id) return;
      row.el.setAttribute("data-state", s.status);
      var status = row.el.querySelector("[data-file-status]");
      status.textContent = "";
      var link = document.createElement("a");
      link.href = s.url;
      link.textContent = s.text;
      status.appendChild(link);
      var bar = row.el.querySelector("[data-upload-bar]");
      if (s.status === "converting" && s.pages) { bar.max = s.pages; bar.value = s.page; }
      else if (s.final) { bar.max = 1; bar.value = 1; }
      else bar.removeAttribute("value"); // queued: indeterminate
    });
  });

  form.noValidate = true;
  input.removeAttribute("required");
  form.querySelector("[data-drop-hint]").hidden = false;
  form.classList.add("upload-enhanced");
  var legend = form.querySelector("[data-defaults-legend]");

  function defaults() {
    return {
      title: "",
      description: form.querySelector("#Description").value,
      category: form.querySelector("#Category").value,
      tags: form.querySelector("#Tags").value,
      price: form.querySelector("#Price").value,
      previewPages: form.querySelector("#PreviewPages").value
    };
  }

  function refresh() {
    var pending = rows.filter(function (r) { return r.state === "waiting" || r.state === "refused" || r.state === "interrupted"; });
    var retry = rows.some(function (r) { return r.state === "refused" || r.state === "interrupted"; });
    start.textContent = retry ? texts.retry : pending.length === 0 && rows.length > 0 ? texts.allSent : fill(texts.start, [pending.length]);
    start.disabled = pending.length === 0 || rows.some(function (r) { return r.state === "sending"; });
    var many = rows.length > 0;
    form.querySelectorAll("[data-single-only]").forEach(function (el) { el.hidden = many; });
    form.querySelector("[data-apply-all-row]").hidden = !many;
    if (many) legend.textContent = legend.getAttribute("data-defaults-legend");
  }

  function add(files) {
    var d = defaults();
    Array.prototype.forEach.call(files, function (file) {
      var el = template.content.firstElementChild.cloneNode(true);
      var row = { file: file, el: el, state: "waiting", id: null };
      el.querySelector("[data-file-name]").textContent = file.name;
      el.querySelector("[data-file-size]").textContent = bytes(file.size);
      d.title = titleOf(file.name);
      Object.keys(d).forEach(function (k) { el.querySelector('[data-field="' + k + '"]').value = d[k]; });
      el.querySelector("[data-file-status]").textContent = texts.waiting;
      el.querySelector("[data-remove]").addEventListener("click", function () {
        if (row.state === "sending" || row.state === "sent") return;
        rows.splice(rows.indexOf(row), 1);
        el.remove();
        refresh();
      });
      rows.push(row);
      list.appendChild(el);
    });
    refresh();
  }

  input.addEventListener("change", function () {
    add(input.files);
    input.value = "";
  });

  ["dragenter", "dragover"].forEach(function (type) {
    drop.addEventListener(type, function (e) { e.preventDefault(); drop.classList.add("dragging"); });
  });
  ["dragleave", "drop"].forEach(function (type) {
    drop.addEventListener(type, function () { drop.classList.remove("dragging"); });
  });
  drop.addEventListener("drop", function (e) {
    e.preventDefault();
    if (e.dataTransfer && e.dataTransfer.files.length) add(e.dataTransfer.files);
  });

  form.querySelector("[data-apply-all]").addEventListener("click", function () {
    var d = defaults();
    rows.forEach(function (row) {
      if (row.state === "sending" || row.state === "sent") return;
      ["description", "category", "tags", "price", "previewPages"].forEach(function (k) {
        row.el.querySelector('[data-field="' + k + '"]').value = d[k];
      });
    });
  });

  function clearErrors(el) {
    el.querySelectorAll("[data-error-for]").forEach(function (e) { e.hidden = true; e.textContent = ""; });
  }

  function send(row, done) {
    var el = row.el;
    clearErrors(el);
    row.state = "sending";
    el.setAttribute("data-state", "sending");
    el.querySelectorAll("[data-field]").forEach(function (f) { f.disabled = true; });
    var bar = el.querySelector("[data-upload-bar]");
    var status = el.querySelector("[data-file-status]");
    var data = new FormData();
    data.append("file", row.file, row.file.name);
    el.querySelectorAll("[data-field]").forEach(function (f) {
      var name = f.getAttribute("data-field");
      data.append(name.charAt(0).toUpperCase() + name.slice(1), f.value);
    });
    if (token) data.append("__RequestVerificationToken", token.value);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.getAttribute("data-json-url"));
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", function (e) {
      var total = e.lengthComputable ? e.total : row.file.size;
      bar.max = total;
      bar.value = e.loaded;
      status.textContent = fill(texts.sending, [bytes(e.loaded), bytes(total)]);
    });
    xhr.addEventListener("load", function () {
      var answer = null;
      try { answer = JSON.parse(xhr.responseText); } catch (_) { answer = null; }
      if (answer && answer.ok) {
        row.state = "sent";
        row.id = answer.id;
        el.setAttribute("data-state", answer.status);
        el.setAttribute("data-document", answer.id);
        bar.removeAttribute("value");
        status.textContent = answer.text || texts.sent;
        el.querySelector("[data-remove]").hidden = true;
        watcher.add(answer.id);
      } else {
        row.state = "refused";
        el.setAttribute("data-state", "refused");
        bar.value = 0;
        el.querySelectorAll("[data-field]").forEach(function (f) { f.disabled = false; });
        var message = answer ? (answer.message || answer.title) : texts.failed;
        status.textContent = fill(texts.refused, [message || ""]);
        if (answer && answer.errors) {
          Object.keys(answer.errors).forEach(function (k) {
            var target = el.querySelector('[data-error-for="' + k + '"]');
            if (target) { target.textContent = answer.errors[k]; target.hidden = false; }
          });
        }
        if (answer && answer.duplicateUrl) {
          var link = document.createElement("a");
          link.href = answer.duplicateUrl;
          link.textContent = texts.existing;
          status.appendChild(document.createTextNode(" "));
          status.appendChild(link);
        }
      }
      done();
    });
    xhr.addEventListener("error", function () {
      row.state = "interrupted";
      el.setAttribute("data-state", "interrupted");
      el.querySelectorAll("[data-field]").forEach(function (f) { f.disabled = false; });
      status.textContent = texts.failed;
      done();
    });
    xhr.send(data);
  }

  form.addEventListener("submit", function (e) {
    if (rows.length === 0) {
      // Nothing added through the script (e.g. the picker was not used): let the plain form answer.
      if (input.files.length === 0) { e.preventDefault(); input.focus(); input.click(); }
      return;
    }
    e.preventDefault();
    var queue = rows.filter(function (r) { return r.state === "waiting" || r.state === "refused" || r.state === "interrupted"; });
    var running = 0;
    function next() {
      while (running < CONCURRENT_UPLOADS && queue.length > 0) {
        var row = queue.shift();
        running++;
        send(row, function () { running--; next(); refresh(); });
      }
      refresh();
    }
    next();
  });

  refresh();
})();

// Upload page: post the form to /documents, follow the job, show its stage and progress.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form) return;
  var $ = function (id) { return document.getElementById(id); };
  var box = $("upload-status"), stage = $("upload-stage"), bar = $("upload-progress"), detail = $("upload-detail");
  var errorBox = $("upload-error"), result = $("upload-result"), submit = $("upload-submit");
  var LABELS = { queued: "順番待ち", validating: "ファイルを確認中", ingesting: "文書を解析中",
                 embedding: "検索用ベクトルを計算中", publishing: "索引を公開中", done: "完了", failed: "失敗" };
  // Where each stage sits on the progress bar (percent at its start and end).
  var SPAN = { queued: [0, 2], validating: [2, 8], ingesting: [8, 30], embedding: [30, 90], publishing: [90, 99],
               done: [100, 100], failed: [0, 0] };

  function headers() {
    var key = $("admin-key");
    return key && key.value ? { "X-Admin-Key": key.value } : {};
  }

  function fail(message) {
    errorBox.textContent = message;
    errorBox.hidden = false;
    box.hidden = true;
    submit.disabled = false;
  }

  function show(job) {
    var span = SPAN[job.status] || [0, 0];
    var frac = job.total ? job.done / job.total : 0;
    bar.value = Math.round(span[0] + (span[1] - span[0]) * frac);
    stage.textContent = (LABELS[job.status] || job.status) + (job.total ? " " + job.done + "/" + job.total : "");
    detail.textContent = job.message || "";
  }

  function done(job) {
    var r = job.result;
    $("upload-summary").textContent = r.city + "「" + r.title + "」（" + r.document_id + "）: 取組 " + r.initiatives +
      "件、検索単位 " + r.chunks + "件を追加しました。";
    $("upload-source").href = r.source_url;
    $("upload-search").href = r.search_url;
    result.hidden = false;
    submit.disabled = false;
  }

  function poll(url) {
    fetch(url, { headers: headers() }).then(function (resp) {
      return resp.json().then(function (body) { return { ok: resp.ok, body: body }; });
    }).then(function (r) {
      if (!r.ok) { fail(r.body.error ? r.body.error.message : "状態を取得できませんでした"); return; }
      show(r.body);
      if (r.body.status === "done") done(r.body);
      else if (r.body.status === "failed") fail(r.body.message);
      else setTimeout(function () { poll(url); }, 700);
    }).catch(function () { setTimeout(function () { poll(url); }, 2000); });
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    errorBox.hidden = true;
    result.hidden = true;
    var file = $("file");
    if (!file.files.length) { fail("ファイルを選んでください。"); file.focus(); return; }
    var data = new FormData(form);
    data.delete("admin_key");
    submit.disabled = true;
    $("upload-file").textContent = file.files[0].name;
    box.hidden = false;
    show({ status: "queued", done: 0, total: 0, message: "送信中…" });
    fetch("/documents", { method: "POST", body: data, headers: headers() }).then(function (resp) {
      return resp.json().then(function (body) { return { ok: resp.ok, body: body }; },
                              function () { return { ok: false, body: { error: { message: "HTTP " + resp.status } } }; });
    }).then(function (r) {
      if (!r.ok) { fail(r.body.error ? r.body.error.message : "追加できませんでした"); return; }
      poll(r.body.status_url);
    }).catch(function (e) { fail("送信できませんでした: " + e); });
  });
})();

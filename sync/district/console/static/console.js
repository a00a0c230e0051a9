// The console's only script: select-all on case lists, a count of the selection, and a
// confirmation before irreversible actions. Every page works without it.
(function () {
  "use strict";
  function count() {
    var el = document.querySelector("[data-selected-count]");
    if (!el) return;
    var n = document.querySelectorAll('input[name="uuid"]:checked').length;
    el.textContent = "已选 " + n + " 件";
  }
  document.addEventListener("change", function (e) {
    var t = e.target;
    if (t.matches && t.matches("[data-select-all]")) {
      document.querySelectorAll('input[name="uuid"]').forEach(function (cb) { cb.checked = t.checked; });
    }
    count();
  });
  document.addEventListener("click", function (e) {
    var b = e.target.closest ? e.target.closest("[data-confirm]") : null;
    if (b && !window.confirm(b.getAttribute("data-confirm"))) e.preventDefault();
  });
  document.addEventListener("DOMContentLoaded", count);

  // Exports with progress: read the streamed answer, show rows (CSV) or bytes (XLSX)
  // received, then hand the file to the browser. Without this script the link downloads
  // directly; very large exports also go straight to the browser's own download manager.
  var BLOB_LIMIT = 300000;
  document.addEventListener("click", function (e) {
    var a = e.target.closest ? e.target.closest("a[data-export]") : null;
    if (!a || e.ctrlKey || e.metaKey || e.shiftKey || !window.fetch || !window.ReadableStream) return;
    var total = parseInt(a.getAttribute("data-total"), 10) || 0;
    if (total > BLOB_LIMIT) return;
    e.preventDefault();
    var box = document.querySelector(".export-progress");
    var bar = box.querySelector("progress"), text = box.querySelector("span");
    box.hidden = false; bar.value = 0;
    var csv = a.getAttribute("data-export") === "csv";
    text.textContent = csv ? "正在导出…" : "正在生成 Excel 文件…";
    fetch(a.href, {credentials: "same-origin"}).then(function (resp) {
      if (!resp.ok) throw new Error("HTTP " + resp.status);
      var size = parseInt(resp.headers.get("Content-Length"), 10) || 0;
      var name = (/filename="([^"]+)"/.exec(resp.headers.get("Content-Disposition") || "") || [])[1] || "export";
      var reader = resp.body.getReader(), parts = [], rows = -1, bytes = 0;
      function pump() {
        return reader.read().then(function (r) {
          if (r.done) return;
          parts.push(r.value); bytes += r.value.length;
          if (csv) {
            for (var i = 0; i < r.value.length; i++) if (r.value[i] === 10) rows++;
            bar.max = Math.max(total, 1); bar.value = Math.max(rows, 0);
            text.textContent = "已导出 " + Math.max(rows, 0) + " / " + total + " 行";
          } else if (size) {
            bar.max = size; bar.value = bytes;
            text.textContent = "已下载 " + Math.round(100 * bytes / size) + "%";
          }
          return pump();
        });
      }
      return pump().then(function () {
        var url = URL.createObjectURL(new Blob(parts, {type: resp.headers.get("Content-Type") || ""}));
        var link = document.createElement("a");
        link.href = url; link.download = name; document.body.appendChild(link); link.click();
        setTimeout(function () { URL.revokeObjectURL(url); link.remove(); }, 1000);
        bar.value = bar.max;
        text.textContent = "导出完成" + (csv ? "，共 " + Math.max(rows, 0) + " 行" : "");
      });
    }).catch(function (err) {
      text.textContent = "导出失败（" + err.message + "），请重试";
    });
  });
})();

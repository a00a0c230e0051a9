// The console's only script: select-all on case lists, a count of the selection, a
// reason asked for before a confirmation of irreversible actions, bulk actions checked and
// confirmed with their count. Every page works without it.
(function () {
  "use strict";
  function selected() {
    var all = document.querySelector("[data-all-matching]");
    if (all && all.checked) return parseInt(all.getAttribute("data-total"), 10) || 0;
    return document.querySelectorAll('input[name="uuid"]:checked').length;
  }
  function count() {
    var el = document.querySelector("[data-selected-count]");
    if (!el) return;
    var all = document.querySelector("[data-all-matching]");
    el.textContent = "已选 " + selected() + " 件" + (all && all.checked ? "（全部符合条件的案件）" : "");
  }
  // an error shown beside the control that caused it (the server shows the same ones)
  function fieldError(box, control, text) {
    box.hidden = false;
    box.textContent = text;
    control.setAttribute("aria-invalid", "true");
    control.focus();
    box.scrollIntoView({block: "center"});
  }
  document.addEventListener("change", function (e) {
    var t = e.target;
    if (t.matches && t.matches("[data-select-all]")) {
      document.querySelectorAll('input[name="uuid"]').forEach(function (cb) { cb.checked = t.checked; });
    }
    count();
  });
  document.addEventListener("click", function (e) {
    // a decision that needs a reason asks for it first, before any "cannot be undone"
    var n = e.target.closest ? e.target.closest("[data-needs-note]") : null;
    if (n && n.form) {
      var note = n.form.querySelector('[name="note"]');
      if (note && !note.value.trim()) {
        e.preventDefault();
        fieldError(n.form.querySelector('[data-error-for="note"]') || note, note,
                   n.getAttribute("data-needs-note"));
        return;
      }
    }
    var b = e.target.closest ? e.target.closest("[data-confirm]") : null;
    if (b && !window.confirm(b.getAttribute("data-confirm"))) e.preventDefault();
  });
  // bulk actions: checked once up front, then confirmed with the count and the action
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form || form.id !== "bulk") return;
    var box = document.getElementById("bulk-error");
    var action = form.querySelector('[name="action"]');
    var note = form.querySelector('[name="note"]');
    var dept = form.querySelector('[name="department"]');
    var label = action.options[action.selectedIndex].text;
    var n = selected();
    if (!action.value) { e.preventDefault(); fieldError(box, action, "请选择要执行的操作。"); return; }
    if ((action.value === "correct" || action.value === "reject") && !note.value.trim()) {
      e.preventDefault(); fieldError(box, note, "“" + label + "”须写明原因（意见/原因），办事点和群众据此办理。"); return;
    }
    if (action.value === "route" && !dept.value) {
      e.preventDefault(); fieldError(box, dept, "转办须选择转办部门。"); return;
    }
    if (!n) { e.preventDefault(); fieldError(box, action, "请先勾选案件。"); return; }
    var warn = action.value === "reject" || action.value === "complete" ? "此操作不可撤销。" : "";
    if (!window.confirm("确定对 " + n + " 件案件执行“" + label + "”？" + warn)) e.preventDefault();
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
      var cd = resp.headers.get("Content-Disposition") || "";
      var utf = /filename\*=UTF-8''([^;]+)/i.exec(cd);
      var name = utf ? decodeURIComponent(utf[1]) : ((/filename="([^"]+)"/.exec(cd) || [])[1] || "export");
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

// issue 21 (item 9): on a phone the menu folds behind 菜单 (wide screens never show it)
(function () {
  "use strict";
  var top = document.querySelector("header.top"), btn = top && top.querySelector(".menu-toggle");
  if (!btn) return;
  btn.hidden = false;
  top.classList.add("has-menu");
  btn.addEventListener("click", function () {
    var open = top.classList.toggle("open");
    btn.setAttribute("aria-expanded", open ? "true" : "false");
    btn.textContent = open ? "收起" : "菜单";
  });
})();

// On a phone the case list's filters after 搜索 and 状态 fold behind 更多筛选 while none of
// them is set: eleven filters had filled two screens before the first case. Without this
// script, or with one of them set, every filter shows.
(function () {
  "use strict";
  var form = document.querySelector("form.filters[data-more]");
  if (!form || form.getAttribute("data-more") !== "0" || !window.matchMedia ||
      !window.matchMedia("(max-width: 640px)").matches) return;
  var more = form.querySelectorAll("label.more");
  if (!more.length) return;
  form.classList.add("folded");
  var btn = document.createElement("button");
  btn.type = "button";
  btn.className = "more-toggle";
  btn.setAttribute("aria-expanded", "false");
  btn.textContent = "更多筛选（" + more.length + " 项）";
  btn.addEventListener("click", function () {
    form.classList.remove("folded");
    btn.remove();
    var first = more[0].querySelector("select, input");
    if (first) first.focus();
  });
  form.querySelector(".buttons").insertBefore(btn, form.querySelector(".buttons").firstChild);
})();

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
})();

/* Filters the 政府信息公开目录 by column and year, in the page; the URL keeps the choice. */
(function () {
  "use strict";
  var form = document.getElementById("catalogue-filter");
  if (!form) return;
  var col = document.getElementById("f-column"), year = document.getElementById("f-year"),
      count = document.getElementById("catalogue-count"),
      rows = document.querySelectorAll("#catalogue tbody tr");
  function apply() {
    var c = col.value, y = year.value, shown = 0;
    rows.forEach(function (tr) {
      var ok = (!c || (" " + tr.getAttribute("data-columns") + " ").indexOf(" " + c + " ") >= 0) &&
               (!y || tr.getAttribute("data-year") === y);
      tr.hidden = !ok;
      if (ok) shown++;
    });
    count.textContent = "显示 " + shown + " 条";
  }
  var params = new URLSearchParams(window.location.search);
  col.value = params.get("column") || "";
  year.value = params.get("year") || "";
  if (col.selectedIndex < 0) col.value = "";
  if (year.selectedIndex < 0) year.value = "";
  col.addEventListener("change", apply);
  year.addEventListener("change", apply);
  apply();
})();

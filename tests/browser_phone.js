/* Injected by tests/test_browser.py: headless chromium will not make a window narrower than 500 px,
   so a phone is a 390 px iframe; the page inside reports through postMessage. */
(function () {
  "use strict";
  var frame = document.createElement("iframe");
  frame.src = decodeURIComponent(location.hash.slice(1));
  frame.width = "390"; frame.height = "844"; frame.title = "phone";
  frame.style.border = "0"; frame.style.display = "block";
  window.addEventListener("message", function (e) {
    if (!e.data || !e.data.gkProbe) return;
    var pre = document.createElement("pre");
    pre.id = "gk-probe"; pre.hidden = true; pre.textContent = JSON.stringify(e.data.gkProbe);
    document.body.appendChild(pre);
  });
  document.body.style.margin = "0";
  document.body.appendChild(frame);
})();

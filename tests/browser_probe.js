/* Injected by tests/test_browser.py into copies of the built pages (never into the site): runs
   axe-core once the page has settled, measures horizontal overflow, optionally presses the 字号
   大 button, and writes what it found into <pre id="gk-probe"> for --dump-dom to carry out. */
(function () {
  "use strict";
  function report(data) {
    var pre = document.createElement("pre");
    pre.id = "gk-probe";
    pre.hidden = true;
    pre.textContent = JSON.stringify(data);
    document.body.appendChild(pre);
    if (window.parent !== window) window.parent.postMessage({ gkProbe: data }, "*");
  }
  window.addEventListener("load", function () {
    setTimeout(function () {
      var root = document.documentElement, before = getComputedStyle(root).fontSize;
      var big = document.querySelector('#prefs button[data-size="large"]');
      if (location.hash === "#press-large" && big) big.click();
      var after = getComputedStyle(root).fontSize, stored = "";
      try { stored = localStorage.getItem("gkctl-size") || ""; } catch (e) { stored = "unavailable"; }
      var data = { scrollWidth: root.scrollWidth, viewport: window.innerWidth, before: before, after: after,
                   stored: stored, headerQuery: (document.getElementById("site-q") || {}).value || "",
                   prefsShown: !!(document.getElementById("prefs") && !document.getElementById("prefs").hidden) };
      if (!window.axe) { data.error = "axe-core did not load"; report(data); return; }
      window.axe.run(document, { resultTypes: ["violations"] }).then(function (res) {
        data.passes = res.passes.map(function (r) { return r.id; });
        data.violations = res.violations.map(function (v) {
          return { id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(function (n) { return n.target.join(" "); }) };
        });
        report(data);
      }, function (err) { data.error = String(err); report(data); });
    }, 300);
  });
})();

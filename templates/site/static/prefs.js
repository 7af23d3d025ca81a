/* 适老化 and 无障碍: the 字号 大/中/小 switch, high contrast and the phone nav toggle.
   Loaded in <head> so a saved choice applies before the page is painted. Without JavaScript the
   switch stays hidden, the nav is a scrollable row and the browser's own zoom and
   prefers-contrast still apply: nothing depends on this file. */
(function () {
  "use strict";
  var root = document.documentElement, SIZES = ["large", "medium", "small"];
  function load(key) { try { return window.localStorage.getItem(key) || ""; } catch (e) { return ""; } }
  function save(key, value) { try { window.localStorage.setItem(key, value); } catch (e) { /* private mode */ } }
  function setSize(size) {
    SIZES.forEach(function (s) { root.classList.toggle("size-" + s, s === size); });
  }
  function setContrast(on) { root.classList.toggle("contrast", on); }
  var size = load("gkctl-size");
  setSize(SIZES.indexOf(size) >= 0 ? size : "medium");
  setContrast(load("gkctl-contrast") === "on");
  root.classList.add("js");

  document.addEventListener("DOMContentLoaded", function () {
    var prefs = document.getElementById("prefs");
    if (prefs) {
      var buttons = prefs.querySelectorAll("button[data-size]"), contrast = document.getElementById("contrast-toggle");
      var mark = function () {
        buttons.forEach(function (b) {
          b.setAttribute("aria-pressed", String(root.classList.contains("size-" + b.getAttribute("data-size"))));
        });
        contrast.setAttribute("aria-pressed", String(root.classList.contains("contrast")));
      };
      buttons.forEach(function (b) {
        b.addEventListener("click", function () { setSize(b.getAttribute("data-size")); save("gkctl-size", b.getAttribute("data-size")); mark(); });
      });
      contrast.addEventListener("click", function () {
        var on = !root.classList.contains("contrast");
        setContrast(on); save("gkctl-contrast", on ? "on" : "off"); mark();
      });
      mark();
      prefs.hidden = false;
    }
    var toggle = document.querySelector(".nav-toggle"), list = document.getElementById("nav-list");
    if (toggle && list) {
      toggle.hidden = false;
      toggle.addEventListener("click", function () {
        var open = toggle.getAttribute("aria-expanded") !== "true";
        toggle.setAttribute("aria-expanded", String(open));
        root.classList.toggle("nav-open", open);
      });
    }
  });
})();

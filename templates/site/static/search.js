/* gkctl site search: runs in the browser, no network request beyond this site's own files.
   Tokenises exactly like gkctl/site/search.py: Chinese bigrams and ASCII words. */
(function () {
  "use strict";
  var RUN = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u{20000}-\u{2ffff}]+|[a-z0-9]+/gu;
  function wide(text) {  /* full-width digits and letters count as ASCII, as in search.py */
    return text.replace(/[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]/g, function (c) {
      return String.fromCharCode(c.charCodeAt(0) - 0xfee0); });
  }
  function isCjk(ch) { return !/^[a-z0-9]/.test(ch); }
  function tokens(text) {
    var out = [], seen = {}, runs = wide(text).toLowerCase().match(RUN) || [];
    function add(t) { if (!seen[t]) { seen[t] = 1; out.push(t); } }
    runs.forEach(function (run) {
      var chars = Array.from(run);
      if (!isCjk(run)) { add(run); return; }
      if (chars.length === 1) { out.push(null); return; }
      for (var i = 0; i + 1 < chars.length; i++) add(chars[i] + chars[i + 1]);
    });
    return out;
  }
  function shardOf(tok, n) {
    var h = 0;
    for (var ch of tok) h = (Math.imul(h, 31) + ch.codePointAt(0)) >>> 0;
    return h % n;
  }
  var shards = {}, waiting = {};
  window.GK_SEARCH_SHARD = function (i, data) { shards[i] = data; (waiting[i] || []).forEach(function (f) { f(); }); };
  function loadShard(i, done) {
    if (shards[i]) { done(); return; }
    (waiting[i] = waiting[i] || []).push(done);
    if (waiting[i].length > 1) return;
    var s = document.createElement("script");
    s.src = "search/s" + String(i).padStart(4, "0") + ".js";
    s.onerror = function () { shards[i] = {}; (waiting[i] || []).forEach(function (f) { f(); }); };
    document.head.appendChild(s);
  }
  function postings(tok, n) {
    var deltas = (shards[shardOf(tok, n)] || {})[tok] || [], out = [], acc = 0;
    for (var i = 0; i < deltas.length; i++) { acc += deltas[i]; out.push(acc); }
    return out;
  }
  function run(query) {
    var index = window.GK_SEARCH_DOCS, status = document.getElementById("search-status"),
        list = document.getElementById("search-results");
    list.textContent = "";
    var q = query.trim();
    if (!q) { status.textContent = "请输入要搜索的词语。"; return; }
    var norm = wide(q).toLowerCase();
    var toks = tokens(q).filter(function (t) { return t !== null; });
    var need = {};
    toks.forEach(function (t) { need[shardOf(t, index.shards)] = 1; });
    var ids = Object.keys(need), left = ids.length;
    status.textContent = "正在搜索……";
    function inTitle(d) { return wide(index.docs[d][1]).toLowerCase().indexOf(norm) >= 0; }
    function finish() {
      var hits;
      if (!toks.length) {
        hits = index.docs.map(function (_, i) { return i; }).filter(inTitle);
      } else {
        hits = postings(toks[0], index.shards);
        for (var k = 1; k < toks.length; k++) {
          var set = {}; postings(toks[k], index.shards).forEach(function (d) { set[d] = 1; });
          hits = hits.filter(function (d) { return set[d]; });
        }
      }
      hits.sort(function (a, b) {
        var ta = inTitle(a) ? 0 : 1, tb = inTitle(b) ? 0 : 1;
        if (ta !== tb) return ta - tb;
        return index.docs[a][3] < index.docs[b][3] ? 1 : index.docs[a][3] > index.docs[b][3] ? -1 : a - b;
      });
      status.textContent = hits.length ? "找到 " + hits.length + " 条与“" + q + "”相关的信息。" : "没有找到与“" + q + "”相关的信息。";
      hits.slice(0, 200).forEach(function (d) {
        var rec = index.docs[d], li = document.createElement("li"), a = document.createElement("a"),
            meta = document.createElement("span");
        a.href = rec[0]; a.textContent = rec[1];
        meta.className = "meta"; meta.textContent = rec[2] + " · " + rec[3];
        li.appendChild(a); li.appendChild(meta); list.appendChild(li);
      });
    }
    if (!left) { finish(); return; }
    ids.forEach(function (i) { loadShard(Number(i), function () { if (--left === 0) finish(); }); });
  }
  var q = new URLSearchParams(window.location.search).get("q") || "";
  var box = document.getElementById("q");
  if (box) box.value = q;
  run(q);
})();

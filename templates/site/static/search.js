/* gkctl site search: runs in the browser, no network request beyond this site's own files.
   Tokenises exactly like gkctl/site/search.py (Chinese bigrams and ASCII words) and applies the
   same rules as its find(): every token must be present, a query with digits or 〔〕 (a 文号,
   a 索引号 or its serial) must occur exactly, exact title/文号/索引号 matches come first. */
(function () {
  "use strict";
  var RUN = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u{20000}-\u{2ffff}]+|[a-z0-9]+/gu;
  var BUCKET = 8, SHOW = 50, VERIFY_BUCKETS = 40;
  function wide(text) {  /* full-width digits and letters count as ASCII, as in search.py */
    return text.replace(/[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]/g, function (c) {
      return String.fromCharCode(c.charCodeAt(0) - 0xfee0); });
  }
  function normalise(text) {
    return wide(text).toLowerCase().replace(/[\[［(（]/g, "〔").replace(/[\]］)）]/g, "〕").replace(/\s+/g, "");
  }
  function isCjk(ch) { return !/^[a-z0-9]/.test(ch); }
  function tokens(text) {
    var out = [], seen = {}, runs = wide(text).toLowerCase().match(RUN) || [];
    runs.forEach(function (run) {
      var chars = Array.from(run);
      if (!isCjk(run)) { if (!seen[run]) { seen[run] = 1; out.push(run); } return; }
      if (chars.length === 1) return;  /* a lone Chinese character: the phrase check decides */
      for (var i = 0; i + 1 < chars.length; i++) {
        var t = chars[i] + chars[i + 1];
        if (!seen[t]) { seen[t] = 1; out.push(t); }
      }
    });
    return out;
  }
  function hash(tok) {
    var h = 0;
    for (var ch of tok) h = (Math.imul(h, 31) + ch.codePointAt(0)) >>> 0;
    return h;
  }
  var loaded = {}, waiting = {};
  function load(src, done) {  /* each index file is a script: works from file:// too */
    if (loaded[src]) { done(); return; }
    (waiting[src] = waiting[src] || []).push(done);
    if (waiting[src].length > 1) return;
    var s = document.createElement("script");
    var finish = function () { loaded[src] = 1; (waiting[src] || []).forEach(function (f) { f(); }); waiting[src] = []; };
    s.src = src; s.onload = finish; s.onerror = finish;
    document.head.appendChild(s);
  }
  function loadAll(srcs, done) {
    var left = srcs.length;
    if (!left) { done(); return; }
    srcs.forEach(function (src) { load(src, function () { if (--left === 0) done(); }); });
  }
  var shards = {}, texts = {};
  window.GK_SEARCH_SHARD = function (i, parts) { shards[i] = parts; };
  window.GK_SEARCH_TEXT = function (seg, bucket, list) { texts[seg + "-" + bucket] = list; };
  function shardFile(i) { return "search/s" + String(i).padStart(4, "0") + ".js"; }
  function textFile(key) {
    var p = key.split("-");
    return "search/t/" + String(p[0]).padStart(3, "0") + "-" + String(p[1]).padStart(4, "0") + ".js";
  }
  function bucketOf(hit) { return hit[0] + "-" + Math.floor(hit[1] / BUCKET); }
  function textOf(hit) { var l = texts[bucketOf(hit)]; return l ? l[hit[1] % BUCKET] || "" : ""; }

  function postings(tok, n) {
    var parts = shards[hash(tok) % n] || [], out = {};
    parts.forEach(function (part, seg) {
      var deltas = part[tok] || [], acc = 0;
      for (var i = 0; i < deltas.length; i++) { acc += deltas[i]; out[seg + ":" + acc] = [seg, acc]; }
    });
    return out;
  }
  function snippet(text, query, toks) {
    var low = wide(text).toLowerCase(), at = low.indexOf(wide(query).toLowerCase().trim()), len = query.trim().length;
    for (var k = 0; at < 0 && k < toks.length; k++) { at = low.indexOf(toks[k]); len = toks[k].length; }
    if (at < 0) return null;
    var start = Math.max(0, at - 40), end = Math.min(text.length, at + len + 60);
    return [(start > 0 ? "…" : "") + text.slice(start, at), text.slice(at, at + len), text.slice(at + len, end) + (end < text.length ? "…" : "")];
  }

  function run(query, column, year) {
    var index = window.GK_SEARCH_DOCS, status = document.getElementById("search-status"),
        list = document.getElementById("search-results");
    list.textContent = "";
    var q = query.trim();
    if (!q) { status.textContent = "请输入要搜索的词语、文号或索引号。"; return; }
    var want = normalise(q), exact = /[0-9〔〕]/.test(want), toks = tokens(q);
    status.textContent = "正在搜索……";
    var need = {};
    toks.forEach(function (t) { need[shardFile(hash(t) % index.shards)] = 1; });
    loadAll(Object.keys(need), function () {
      var hits;
      if (!toks.length) {
        hits = [];
        index.docs.forEach(function (seg, s) { seg.forEach(function (_, n) { hits.push([s, n]); }); });
      } else {
        var acc = postings(toks[0], index.shards);
        for (var k = 1; k < toks.length; k++) {
          var next = postings(toks[k], index.shards), both = {};
          Object.keys(acc).forEach(function (key) { if (next[key]) both[key] = acc[key]; });
          acc = both;
        }
        hits = Object.keys(acc).map(function (key) { return acc[key]; });
      }
      function rec(h) { return index.docs[h[0]][h[1]]; }
      function inHead(h) { var r = rec(h); return normalise(r[1] + r[5] + r[4]).indexOf(want) >= 0; }
      hits = hits.filter(function (h) {
        var r = rec(h);
        return (!column || (" " + r[6] + " ").indexOf(" " + column + " ") >= 0) && (!year || r[3].slice(0, 4) === year);
      });
      var verify = hits.filter(function (h) { return (exact || !toks.length) && !inHead(h); });
      var buckets = {};
      verify.forEach(function (h) { buckets[bucketOf(h)] = 1; });
      var files = Object.keys(buckets), partial = files.length > VERIFY_BUCKETS;
      loadAll(files.slice(0, VERIFY_BUCKETS).map(textFile), function () {
        hits = hits.filter(function (h) {
          if (!(exact || !toks.length) || inHead(h)) return true;
          return normalise(textOf(h)).indexOf(want) >= 0;
        });
        hits.sort(function (a, b) {
          var ha = inHead(a) ? 0 : 1, hb = inHead(b) ? 0 : 1;
          if (ha !== hb) return ha - hb;
          var da = rec(a)[3], db = rec(b)[3];
          if (da !== db) return da < db ? 1 : -1;
          return rec(a)[0] < rec(b)[0] ? -1 : rec(a)[0] > rec(b)[0] ? 1 : 0;
        });
        var shown = hits.slice(0, SHOW), more = {};
        shown.forEach(function (h) { more[textFile(bucketOf(h))] = 1; });
        loadAll(Object.keys(more), function () { show(shown, hits.length, partial); });
      });
    });
    function show(shown, total, partial) {
      var where = (column ? "（限栏目）" : "") + (year ? "（限" + year + "年）" : "");
      status.textContent = total ? "找到 " + total + " 条与“" + q + "”相关的信息" + where + "。" +
        (total > shown.length ? "显示前 " + shown.length + " 条。" : "") + (partial ? "（结果较多，仅核对了部分正文。）" : "")
        : "没有找到与“" + q + "”相关的信息" + where + "。";
      shown.forEach(function (h) {
        var r = index.docs[h[0]][h[1]], li = document.createElement("li"), a = document.createElement("a"),
            meta = document.createElement("span"), snip = snippet(textOf(h), q, toks);
        a.href = r[0]; a.textContent = r[1];
        meta.className = "meta";
        meta.textContent = [r[2], r[3], r[5], r[4]].filter(function (x) { return x; }).join(" · ");
        li.appendChild(a); li.appendChild(meta);
        if (snip) {
          var p = document.createElement("span"), m = document.createElement("mark");
          p.className = "snippet"; m.textContent = snip[1];
          p.appendChild(document.createTextNode(snip[0])); p.appendChild(m); p.appendChild(document.createTextNode(snip[2]));
          li.appendChild(p);
        }
        list.appendChild(li);
      });
    }
  }
  var params = new URLSearchParams(window.location.search);
  var q = params.get("q") || "", column = params.get("column") || "", year = params.get("year") || "";
  ["q", "site-q"].forEach(function (id) { var box = document.getElementById(id); if (box) box.value = q; });
  var col = document.getElementById("s-column"), yr = document.getElementById("s-year");
  if (col) { col.value = column; if (col.selectedIndex < 0) { col.value = ""; column = ""; } }
  if (yr) { yr.value = year; if (yr.selectedIndex < 0) { yr.value = ""; year = ""; } }
  run(q, column, year);
})();

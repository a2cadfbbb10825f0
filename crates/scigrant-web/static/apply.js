// The application form's helpers: autosave every few seconds (and a copy
// in this browser's storage so a session timeout loses nothing), live
// character counters mirroring the server's count, and running totals.
// The server validates everything again; this only guides.
(function () {
  'use strict';
  var form = document.getElementById('application-form');
  if (!form) return;
  var status = document.getElementById('save-status');
  var key = 'scigrant-draft-' + form.dataset.app;
  var dirty = false;
  var saving = false;

  function pairs() {
    var out = [];
    new FormData(form).forEach(function (v, k) { out.push([k, v]); });
    return out;
  }

  function save() {
    if (!dirty || saving) return;
    saving = true;
    dirty = false;
    fetch(form.dataset.autosave, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(pairs()).toString()
    }).then(function (r) {
      // 409: the server refuses to keep it (submitted, or past the
      // deadline) and says why; the copy in this browser stays.
      if (r.status === 409) return r.text().then(function (m) { throw { refused: m }; });
      if (!r.ok) throw r.status;
      return r.json();
    }).then(function (j) {
      status.textContent = '已保存 ' + j.saved_at;
      localStorage.removeItem(key);
    }).catch(function (e) {
      // A refusal is not retried until more is typed.
      dirty = !(e && e.refused);
      // 503: the database is away for a moment; the next tick tries again.
      status.textContent = e && e.refused
        ? e.refused + '；本页内容仍暂存在本机浏览器中'
        : e === 503
          ? '服务暂时不可用，内容已暂存在本机，稍后将自动重新保存'
          : '自动保存未成功（可能登录已超时）；内容已暂存在本机，重新登录打开本页即可恢复';
    }).then(function () { saving = false; });
  }

  // Counts characters as the server does: Unicode scalar values, no \r.
  function count(v) { return Array.from(v.replace(/\r/g, '')).length; }
  form.querySelectorAll('[data-max-chars]').forEach(function (el) {
    var max = parseInt(el.dataset.maxChars, 10);
    var note = document.createElement('span');
    note.className = 'hint counter';
    el.insertAdjacentElement('afterend', note);
    function update() {
      var n = count(el.value);
      note.textContent = n + '/' + max + '字';
      note.style.color = n > max ? '#b3261e' : '';
    }
    el.addEventListener('input', update);
    update();
  });

  function money(v) {
    var m = /^\s*(\d+)(?:\.(\d{1,2}))?\s*$/.exec(v || '');
    if (!m) return 0;
    return parseInt(m[1], 10) * 100 + parseInt(((m[2] || '') + '00').slice(0, 2), 10);
  }
  function show(cents) { return (cents / 100).toFixed(2); }
  function totals() {
    var sums = {};
    form.querySelectorAll('table[data-table]').forEach(function (t) {
      var s = 0;
      t.querySelectorAll('input[data-money]').forEach(function (i) { s += money(i.value); });
      sums[t.dataset.table] = s;
      var cell = t.querySelector('[data-total]');
      if (cell) cell.textContent = show(s);
    });
    form.querySelectorAll('[data-computed]').forEach(function (el) {
      var s = 0;
      el.dataset.sumOf.split(' ').forEach(function (ref) {
        if (ref.indexOf('.') > 0) { s += sums[ref.split('.')[0]] || 0; return; }
        var input = form.elements.namedItem('f:' + ref);
        if (input) s += money(input.value);
      });
      el.textContent = show(s);
    });
  }

  form.addEventListener('input', function () {
    dirty = true;
    try { localStorage.setItem(key, JSON.stringify({ at: Date.now(), pairs: pairs() })); } catch (e) { /* storage full */ }
    totals();
  });
  totals();
  setInterval(save, 5000);
  window.addEventListener('beforeunload', save);

  // 提交 while the database is away (503) or the server cannot be reached:
  // the page stays, everything as typed, and says so; pressed again later
  // it goes through. The form is posted as the browser would post it; an
  // answer that leads elsewhere (the receipt, the login page) is followed,
  // and any other (a form with problems, a refusal) is shown by posting
  // the form the ordinary way, which asks the server once more.
  var submit = document.getElementById('submit-application');
  var note = document.getElementById('submit-error');
  var plain = false;
  if (submit && note && window.fetch) {
    submit.addEventListener('click', function (ev) {
      if (plain) return;
      ev.preventDefault();
      if (submit.disabled) return;
      submit.disabled = true;
      note.hidden = true;
      fetch(submit.formAction, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(pairs()).toString()
      }).then(function (r) {
        if (r.status === 503) throw { id: r.headers.get('x-request-id') || '' };
        if (r.redirected) { window.location.assign(r.url); return; }
        plain = true;
        submit.disabled = false;
        submit.click();
      }).catch(function (e) {
        submit.disabled = false;
        note.textContent = e && e.id !== undefined
          ? '服务暂时不可用：系统暂时无法连接数据库，本次提交未保存。您填写的内容仍在本页，请稍后再次点击“提交”。（请求编号：' + e.id + '）'
          : '无法连接服务器，本次提交未完成。您填写的内容仍在本页，请检查网络后再次点击“提交”。';
        note.hidden = false;
        note.scrollIntoView({ block: 'center' });
      });
    });
  }

  // Text typed after the last save (the session had expired) comes back.
  var kept = null;
  try { kept = JSON.parse(localStorage.getItem(key) || 'null'); } catch (e) { kept = null; }
  if (kept && kept.at > Number(form.dataset.saved)) {
    kept.pairs.forEach(function (p) {
      var el = form.elements.namedItem(p[0]);
      if (el && el.type !== 'file' && el.value !== p[1]) el.value = p[1];
    });
    status.textContent = '已恢复本机暂存的内容，正在保存…';
    dirty = true;
    save();
    totals();
  }
})();

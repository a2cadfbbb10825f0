// The scoring form's helpers: the total as the expert types (the server
// computes it again on every autosave and its answer is what is shown
// last), autosave every few seconds, and character counters. The server
// validates everything on submission; this only guides.
(function () {
  'use strict';
  var form = document.getElementById('review-form');
  if (!form || !form.dataset.autosave) return;
  var total = document.getElementById('review-total');
  var scored = document.getElementById('review-scored');
  var status = document.getElementById('save-status');
  var dirty = false;
  var saving = false;

  function live() {
    var sum = 0, n = 0;
    form.querySelectorAll('input[data-score]').forEach(function (el) {
      var v = el.value.trim();
      if (!/^\d+$/.test(v)) return;
      var x = parseInt(v, 10);
      if (x < parseInt(el.dataset.min, 10) || x > parseInt(el.dataset.max, 10)) return;
      sum += x * parseInt(el.dataset.weight, 10);
      n += 1;
    });
    if (total) total.textContent = String(sum);
    if (scored) scored.textContent = String(n);
  }

  function save() {
    if (!dirty || saving) return;
    saving = true;
    dirty = false;
    var pairs = [];
    new FormData(form).forEach(function (v, k) { pairs.push([k, v]); });
    fetch(form.dataset.autosave, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(pairs).toString()
    }).then(function (r) {
      if (r.status === 409) return r.text().then(function (m) { throw { refused: m }; });
      if (!r.ok) throw r.status;
      return r.json();
    }).then(function (j) {
      if (total) total.textContent = String(j.total);
      if (scored) scored.textContent = String(j.scored);
      status.textContent = '已保存 ' + j.saved_at;
    }).catch(function (e) {
      dirty = !(e && e.refused);
      status.textContent = e && e.refused ? e.refused : '自动保存未成功（可能登录已超时），请点“暂存”';
    }).then(function () { saving = false; });
  }

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

  form.addEventListener('input', function () { dirty = true; live(); });
  form.addEventListener('change', function () { dirty = true; live(); });
  live();
  setInterval(save, 3000);
  window.addEventListener('beforeunload', save);
})();

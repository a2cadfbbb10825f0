// SciGrant's small progressive enhancements. Every page works without
// this file; with it: the 适老化 larger-text switch, captcha refresh,
// the password strength meter,
// file size checks before upload, an upload progress bar, and a
// confirmation before a form that changes an earlier decision.
(function () {
  'use strict';

  // 适老化: larger text for the whole site, switched by the header button
  // and remembered in this browser (no account setting, no cookie).
  var root = document.documentElement;
  var largeKey = 'scigrant-large-text';
  var large = false;
  try { large = window.localStorage.getItem(largeKey) === '1'; } catch (e) { /* private mode */ }
  root.classList.toggle('large', large);
  var largeButton = document.getElementById('large-text');
  if (largeButton) {
    largeButton.hidden = false;
    largeButton.setAttribute('aria-pressed', String(large));
    largeButton.addEventListener('click', function () {
      large = !root.classList.contains('large');
      root.classList.toggle('large', large);
      largeButton.setAttribute('aria-pressed', String(large));
      try { window.localStorage.setItem(largeKey, large ? '1' : '0'); } catch (e) { /* private mode */ }
    });
  }

  // 图形验证码: click the image (or 换一张) to get a new one.
  function refreshCaptcha(box) {
    fetch('/captcha', { credentials: 'same-origin' })
      .then(function (r) { return r.json(); })
      .then(function (c) {
        box.querySelector('img').src = c.image;
        box.querySelector('input[name=captcha_id]').value = c.id;
        var input = box.querySelector('input[name=captcha]');
        input.value = '';
      })
      .catch(function () { /* keep the old image */ });
  }
  // A form with data-confirm asks first (e.g. changing a member from
  // 通过 to 不通过); without this script it simply submits.
  document.querySelectorAll('form[data-confirm]').forEach(function (form) {
    form.addEventListener('submit', function (e) {
      if (!window.confirm(form.getAttribute('data-confirm'))) e.preventDefault();
    });
  });

  document.querySelectorAll('.captcha').forEach(function (box) {
    var img = box.querySelector('img');
    var link = box.querySelector('.refresh');
    if (img) img.addEventListener('click', function () { refreshCaptcha(box); });
    if (link) link.addEventListener('click', function (e) { e.preventDefault(); refreshCaptcha(box); });
  });

  // Strength meter: mirrors scigrant_domain::password::strength (length
  // and character classes); the server decides, this only guides.
  function strength(pw) {
    if (!pw) return 0;
    var classes = 0;
    if (/[A-Z]/.test(pw)) classes++;
    if (/[a-z]/.test(pw)) classes++;
    if (/[0-9]/.test(pw)) classes++;
    if (/[^A-Za-z0-9]/.test(pw)) classes++;
    var len = Array.from(pw).length;
    if (len < 8) return 1;
    if (classes < 3) return 2;
    if (classes === 4 && len >= 12) return 4;
    return 3;
  }
  var labels = ['', '太短', '弱：需包含大写字母、小写字母、数字、符号中的至少三类', '中', '强'];
  document.querySelectorAll('input[data-meter]').forEach(function (input) {
    var meter = document.createElement('div');
    meter.className = 'meter';
    meter.innerHTML = '<span></span>';
    var text = document.createElement('p');
    text.className = 'hint';
    text.setAttribute('aria-live', 'polite');
    input.insertAdjacentElement('afterend', text);
    input.insertAdjacentElement('afterend', meter);
    input.addEventListener('input', function () {
      var s = strength(input.value);
      meter.dataset.score = s;
      meter.firstChild.style.width = (s * 25) + '%';
      text.textContent = s ? '密码强度：' + labels[s] : '';
    });
  });

  // Uploads: refuse too-large files before sending, show progress while
  // sending. The server checks type and size again and is the authority.
  function human(bytes) {
    return bytes >= 1048576 ? Math.round(bytes / 1048576) + 'MB' : Math.round(bytes / 1024) + 'KB';
  }
  document.querySelectorAll('form[enctype="multipart/form-data"]').forEach(function (form) {
    form.addEventListener('submit', function (e) {
      var tooBig = null;
      form.querySelectorAll('input[type=file][data-max]').forEach(function (f) {
        var max = parseInt(f.dataset.max, 10);
        if (f.files && f.files[0] && f.files[0].size > max) tooBig = [f, max];
      });
      if (tooBig) {
        e.preventDefault();
        alert('文件超过大小限制（不超过' + human(tooBig[1]) + '），请重新选择。');
        return;
      }
      var total = 0;
      form.querySelectorAll('input[type=file]').forEach(function (f) {
        if (f.files && f.files[0]) total += f.files[0].size;
      });
      if (total < 1048576 || !window.XMLHttpRequest) return; // small: plain submit
      e.preventDefault();
      var bar = form.querySelector('progress') || document.createElement('progress');
      bar.max = 100; bar.value = 0;
      var note = document.createElement('p');
      note.className = 'hint';
      form.appendChild(bar);
      form.appendChild(note);
      var xhr = new XMLHttpRequest();
      xhr.open('POST', form.action);
      xhr.upload.onprogress = function (ev) {
        if (ev.lengthComputable) {
          bar.value = Math.round(ev.loaded * 100 / ev.total);
          note.textContent = '正在上传：' + bar.value + '%（' + human(ev.loaded) + ' / ' + human(ev.total) + '）';
        }
      };
      xhr.onload = function () {
        // Follow the server's answer as a normal navigation would.
        if (xhr.responseURL && xhr.responseURL !== form.action) {
          window.location = xhr.responseURL;
        } else {
          document.open(); document.write(xhr.responseText); document.close();
        }
      };
      xhr.onerror = function () { note.textContent = '上传失败，请检查网络后重试。'; };
      xhr.send(new FormData(form));
    });
  });
})();

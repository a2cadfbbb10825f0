/* Region picker (省 / 市 / 区县): progressive enhancement of
 *   <div class="region-picker" data-endpoint="/api/regions" [data-initial-label="拉萨市-城关区"]>
 *     <input type="text" name="region_code">
 *   </div>
 * Without JavaScript the plain input takes a 6-digit GB/T 2260 code. With it, the input is
 * turned into a hidden field and three cascading <select>s write the deepest chosen code
 * into it, so the form still posts `region_code`. The selects have no name on purpose.
 * Server contract: GET {endpoint}?parent=<code> (0 = provinces) and
 * GET {endpoint}/path?code=<code>, both answering [{"code":540000,"name":"…","leaf":false}, …].
 * Any fetch failure restores the text input. Plain ES2017, no libraries, no build step.
 */
(function () {
  'use strict';

  const PLACEHOLDERS = ['请选择省份', '请选择城市', '请选择区县'];
  const LABELS = ['省份', '城市', '区县'];

  // `emptyOn404`: an unknown code is not an outage; just start the picker from scratch.
  async function getJson(url, emptyOn404) {
    const res = await fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
    if (emptyOn404 && res.status === 404) return [];
    if (!res.ok) throw new Error('HTTP ' + res.status);
    const data = await res.json();
    if (!Array.isArray(data)) throw new Error('unexpected response');
    return data;
  }

  class Picker {
    constructor(root, input) {
      this.root = root;
      this.input = input;
      this.endpoint = root.dataset.endpoint;
      this.required = input.required;
      // Bumped on every change, so a slow response for an earlier choice is ignored.
      this.generation = 0;
      this.selects = LABELS.map((label, level) => {
        const select = document.createElement('select');
        select.className = 'region-picker-select';
        select.setAttribute('aria-label', label);
        select.addEventListener('change', () => this.onChange(level));
        root.insertBefore(select, input);
        return select;
      });
    }

    url(suffix, params) {
      return this.endpoint + suffix + '?' + new URLSearchParams(params).toString();
    }

    children(parent) {
      return getJson(this.url('', { parent: String(parent) }), false);
    }

    // Fill one level with items and make it visible; required only if the input was.
    show(level, items, selected) {
      const select = this.selects[level];
      select.textContent = '';
      select.add(new Option(PLACEHOLDERS[level], ''));
      for (const item of items) {
        const option = new Option(item.name, String(item.code));
        option.dataset.leaf = item.leaf ? 'true' : 'false';
        select.add(option);
      }
      select.value = selected;
      select.hidden = false;
      select.disabled = false;
      select.required = this.required;
    }

    // Hidden + disabled levels take no part in validation.
    hideFrom(level) {
      for (const select of this.selects.slice(level)) {
        select.textContent = '';
        select.hidden = true;
        select.disabled = true;
        select.required = false;
      }
    }

    setCode(code) {
      this.input.value = code;
      this.input.dispatchEvent(new Event('change', { bubbles: true }));
    }

    async onChange(level) {
      const generation = ++this.generation;
      const select = this.selects[level];
      const option = select.options[select.selectedIndex];
      this.hideFrom(level + 1);
      // Back on the placeholder: the deepest chosen code is the parent level's, if any.
      this.setCode(select.value || (level > 0 ? this.selects[level - 1].value : ''));
      if (!select.value || level === this.selects.length - 1 || option.dataset.leaf === 'true') return;
      try {
        const items = await this.children(select.value);
        if (generation !== this.generation) return;
        if (items.length) this.show(level + 1, items, '');
      } catch (err) {
        this.fallback();
      }
    }

    async init() {
      const code = this.input.value.trim();
      this.input.type = 'hidden';
      this.hideFrom(0);
      // Until the lists arrive, show the current value (or a loading note) in the first select.
      const first = this.selects[0];
      first.add(new Option(this.root.dataset.initialLabel || '加载中…', ''));
      first.hidden = false;
      const generation = this.generation;
      try {
        const path = /^\d{6}$/.test(code) ? await getJson(this.url('/path', { code: code }), true) : [];
        // Lists to show: one per path element, plus the next level if the last is not a leaf.
        const last = path[path.length - 1];
        const depth = Math.min(path.length + (last && last.leaf ? 0 : 1), this.selects.length);
        const parents = [0].concat(path.map((r) => r.code)).slice(0, depth);
        const lists = await Promise.all(parents.map((p) => this.children(p)));
        if (generation !== this.generation) return;
        lists.forEach((items, level) => this.show(level, items, path[level] ? String(path[level].code) : ''));
        // Re-post the old code only if it resolved; an unknown code must be chosen again.
        if (code && !path.length) this.setCode('');
      } catch (err) {
        this.fallback();
      }
    }

    fallback() {
      this.generation++;
      for (const select of this.selects) select.remove();
      this.input.type = 'text';
      if (!this.input.placeholder) this.input.placeholder = '地区列表加载失败，请输入6位行政区划代码';
    }
  }

  function boot() {
    if (!window.fetch) return; // old browser: the plain text input stays
    document.querySelectorAll('.region-picker').forEach((root) => {
      const input = root.querySelector('input[name="region_code"]');
      if (!input || !root.dataset.endpoint || root.dataset.enhanced) return;
      root.dataset.enhanced = 'true';
      new Picker(root, input).init();
    });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
  else boot();
})();

// Nervesys console, runs pages (docs/console.md, "Runs"): every run of ClickHouse, a run's series by frame index in
// uPlot charts with one cursor for all of them, zoom (drag across a chart, or type a frame range; the server
// down-samples every range to at most 1500 points per series), presets of series saved per user, a second run
// overlaid on the same frames, the export of the selection, and live runs followed over the live view's WebSocket.
'use strict';
(function () {
  const $ = (sel) => document.querySelector(sel);
  const enc = encodeURIComponent;
  const COLORS = { a: '#1f5fbf', b: '#d9480f' };
  const MAX_POINTS = 1500;
  const st = {
    list: null, meta: null, a: null, b: null, selected: [], presets: [], range: null, data: {}, charts: [],
    cursor: null, ws: null, poll: null, redraw: null, live: { received: 0, mode: '' }, gen: 0,
  };
  window.nervesysRunLive = st.live;

  function c() { return window.nervesysConsole; }
  function el() { return c().el.apply(null, arguments); }
  const fmt = (v) => v === null || v === undefined || Number.isNaN(v) ? '—' : Math.abs(v) >= 1e6 || (v !== 0 && Math.abs(v) < 1e-3)
    ? Number(v).toExponential(4) : String(Math.round(v * 10000) / 10000);
  const time = (t) => t ? new Date(t).toLocaleString() : '';

  function hashParams() {
    const h = location.hash.slice(2);
    const q = h.indexOf('?');
    const path = q < 0 ? h : h.slice(0, q);
    return { parts: path.split('/'), params: new URLSearchParams(q < 0 ? '' : h.slice(q + 1)) };
  }

  // ---- leaving a run page: its WebSocket, poll and charts go -----------------------------------------------------
  function leave() {
    st.gen++;
    if (st.ws) { st.ws.onclose = null; st.ws.close(); st.ws = null; }
    clearInterval(st.poll); st.poll = null;
    clearInterval(st.listTimer); st.listTimer = null;
    for (const u of st.charts) u.destroy();
    st.charts = [];
    st.live.mode = '';
  }

  function markNav() {
    for (const a of document.querySelectorAll('#nav a')) {
      if (a.dataset.view === 'runs') a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
    }
  }

  // ---- the list ---------------------------------------------------------------------------------------------------
  async function showList() {
    c().setView('runs');
    markNav();
    const r = await c().api('/api/runs');
    if (r.status !== 200) { c().showError(r.body.error); c().loaded(); return; }
    st.list = r.body;
    renderList();
    c().loaded();
    // new runs and status changes show up without a reload
    st.listTimer = setInterval(async () => {
      if (document.body.dataset.view !== 'runs') return;
      const again = await c().api('/api/runs');
      if (again.status === 200 && document.body.dataset.view === 'runs') {
        const picked = new Set([...document.querySelectorAll('#runs-table input.pick:checked')].map((i) => i.dataset.run));
        st.list = again.body;
        renderList();
        for (const i of document.querySelectorAll('#runs-table input.pick')) i.checked = picked.has(i.dataset.run);
        pickChanged();
      }
    }, 15000);
  }

  function renderList() {
    const text = $('#runs-filter').value.trim().toLowerCase();
    const show = $('#runs-status').value;
    const rows = st.list.runs.filter((x) => (!show || x.status === show) && (!text || (x.run_id + ' ' + x.name + ' ' + x.engine).toLowerCase().includes(text)));
    $('#runs-table tbody').replaceChildren(...rows.map((x) => el('tr', { 'data-run': x.run_id },
      el('td', {}, el('a', { href: '#/run/' + enc(x.run_id), text: x.run_id })),
      el('td', { text: x.name }),
      el('td', { text: x.engine }),
      el('td', {}, el('span', { class: 'badge ' + (x.status === 'live' ? 's-healthy' : 's-behind'), text: x.status })),
      el('td', { text: time(x.started_at) }),
      el('td', { text: x.ended_at ? time(x.ended_at) + (x.end_reason ? ' (' + x.end_reason + ')' : '') : '' }),
      el('td', { class: 'message', text: x.parameters && Object.keys(x.parameters).length ? JSON.stringify(x.parameters) : '' }),
      el('td', {}, el('input', { type: 'checkbox', class: 'pick', 'data-run': x.run_id, 'aria-label': 'pick ' + x.run_id + ' to overlay' })))));
    $('#runs-count').textContent = rows.length + ' of ' + st.list.runs.length + ' runs'
      + (st.list.hasSeries ? '' : ' (no ClickHouse: series cannot be drawn)');
    pickChanged();
  }

  function pickChanged() {
    const picked = [...document.querySelectorAll('#runs-table input.pick:checked')].map((i) => i.dataset.run);
    $('#runs-overlay').disabled = picked.length !== 2;
    $('#runs-overlay').dataset.runs = JSON.stringify(picked);
  }

  // ---- one run ----------------------------------------------------------------------------------------------------
  async function showRun(id, compare) {
    c().setView('run');
    markNav();
    const gen = st.gen;
    const [meta, list, presets] = await Promise.all([c().api('/api/runs/' + enc(id)), c().api('/api/runs'), c().api('/api/run-presets')]);
    if (gen !== st.gen) return;
    if (meta.status !== 200) { c().showError(meta.body.error); $('#run-title').textContent = 'Run ' + id; c().loaded(); return; }
    st.meta = meta.body;
    st.list = list.status === 200 ? list.body : { runs: [], liveUrl: null };
    st.presets = presets.status === 200 ? presets.body.presets : [];
    st.a = id;
    st.b = compare || null;
    st.range = null;
    st.bMeta = null;
    st.cursor = null;
    if (st.b) {
      const bm = await c().api('/api/runs/' + enc(st.b));
      if (bm.status === 200) st.bMeta = bm.body; else { c().showError('overlay: ' + bm.body.error); st.b = null; }
    }
    const names = st.meta.series.map((s) => s.name);
    const wanted = (hashParams().params.get('series') || '').split(',').filter((s) => names.includes(s));
    st.selected = wanted.length ? wanted : names.slice(0, 4);
    renderRunHead();
    await load();
    if (gen !== st.gen) return;
    follow();
    c().loaded();
  }

  function renderRunHead() {
    const r = st.meta.run;
    $('#run-title').textContent = 'Run ' + r.run_id + (r.name && r.name !== r.run_id ? ' — ' + r.name : '');
    const facts = [['Status', r.status + (r.end_reason ? ' (' + r.end_reason + ')' : '')], ['Engine', r.engine || '—'],
      ['Started', time(r.started_at)], ['Ended', r.ended_at ? time(r.ended_at) : '—'],
      ['Frames', st.meta.frames ? st.meta.frames.first + ' … ' + st.meta.frames.last : 'none'],
      ['Series', String(st.meta.series.length)], ['Parameters', JSON.stringify(r.parameters || {})], ['Last seen', time(r.last_seen)]];
    $('#run-facts').replaceChildren(...facts.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { text: v })]));
    $('#run-compare').replaceChildren(el('option', { value: '', text: 'none' }),
      ...st.list.runs.filter((x) => x.run_id !== st.a).map((x) => el('option', { value: x.run_id, text: x.run_id + (x.name && x.name !== x.run_id ? ' — ' + x.name : ''), selected: x.run_id === st.b })));
    renderPresets();
    $('#run-series-list').replaceChildren(...st.meta.series.map((s) => el('label', { class: 'check' },
      el('input', { type: 'checkbox', value: s.name, checked: st.selected.includes(s.name) }), ' ' + s.name + ' ',
      el('span', { class: 'hint', text: s.points + ' pts' }))));
    $('#run-legend').replaceChildren(el('span', { class: 'swatch a' }), ' ' + st.a, ...(st.b ? ['  ', el('span', { class: 'swatch b' }), ' ' + st.b] : []));
  }

  function renderPresets() {
    $('#run-preset').replaceChildren(el('option', { value: '', text: '—' }),
      ...st.presets.map((p) => el('option', { value: p.name, text: p.name + ' (' + p.series.length + ')' })));
  }

  async function points(run, from, to) {
    const q = 'series=' + enc(st.selected.join(',')) + '&max=' + MAX_POINTS + (from !== null ? '&from=' + from + '&to=' + to : '');
    const r = await c().api('/api/runs/' + enc(run) + '/points?' + q);
    if (r.status !== 200) throw new Error(run + ': ' + r.body.error);
    return r.body;
  }

  /** Reads the selected series of run A (and B, on A's frames) for the range, then draws. */
  async function load() {
    const gen = st.gen;
    c().showError('');
    if (!st.selected.length || !st.meta.frames) { st.data = {}; draw(); return; }
    let from = st.range ? st.range[0] : null;
    let to = st.range ? st.range[1] : null;
    if (from === null && st.b && st.bMeta && st.bMeta.frames) { // the whole of both runs, on one set of buckets
      from = Math.min(st.meta.frames.first, st.bMeta.frames.first);
      to = Math.max(st.meta.frames.last, st.bMeta.frames.last);
    }
    try {
      const a = await points(st.a, from, to);
      const b = st.b ? await points(st.b, a.from, a.to) : null;
      if (gen !== st.gen) return;
      performance.mark('nervesys-run-data'); // RunPageBench reads these marks (docs/console.md, "Measured")
      st.data = { a: a, b: b, bucket: a.bucket, from: a.from, to: a.to };
      // live points that ClickHouse does not hold yet stay (the shipper writes in batches)
      st.extra = { a: newer(a, 'a'), b: newer(b, 'b') };
    } catch (e) {
      c().showError(String(e.message || e));
      return;
    }
    $('#run-from').value = st.data.from;
    $('#run-to').value = st.data.to;
    $('#run-bucket').textContent = st.data.bucket > 1 ? 'each point: mean of ' + st.data.bucket + ' frames' : 'every frame';
    exportLinks();
    draw();
    performance.mark('nervesys-run-drawn');
    requestAnimationFrame(() => setTimeout(() => performance.mark('nervesys-run-shown'), 0));
  }

  /** The live points of a run after the last frame ClickHouse gave for each series. */
  function newer(d, which) {
    const out = {};
    const old = (st.extra && st.extra[which]) || {};
    for (const [name, m] of Object.entries(old)) {
      const base = d && d.series[name];
      const last = base && base.f.length ? base.f[base.f.length - 1] + (d.bucket || 1) - 1 : -1;
      const i = m.f.findIndex((f) => f > last);
      if (i >= 0) out[name] = { f: m.f.slice(i), v: m.v.slice(i) };
    }
    return out;
  }

  /** One series' frames and values of a run, with what the live WebSocket added after them. */
  function line(which, name) {
    const d = st.data[which];
    const base = d && d.series[name] ? d.series[name] : { f: [], v: [] };
    const more = st.extra && st.extra[which] && st.extra[which][name];
    if (!more || !more.f.length) return base;
    return { f: base.f.concat(more.f), v: base.v.concat(more.v) };
  }

  /** Frames of both runs on one x axis (the server's buckets line them up), null where a run has no point. */
  function aligned(name) {
    const a = line('a', name);
    if (!st.b) return [a.f, a.v];
    const b = line('b', name);
    const xs = [], ya = [], yb = [];
    let i = 0, j = 0;
    while (i < a.f.length || j < b.f.length) {
      const fa = i < a.f.length ? a.f[i] : Infinity, fb = j < b.f.length ? b.f[j] : Infinity;
      const f = Math.min(fa, fb);
      xs.push(f);
      ya.push(fa === f ? a.v[i++] : null);
      yb.push(fb === f ? b.v[j++] : null);
    }
    return [xs, ya, yb];
  }

  function draw() {
    for (const u of st.charts) u.destroy();
    st.charts = [];
    const box = $('#run-charts');
    box.replaceChildren();
    const width = Math.max(300, box.clientWidth - 20);
    for (const name of st.selected) {
      const fig = el('figure', { class: 'run-chart', 'data-series': name }, el('figcaption', { text: name }));
      box.append(fig);
      const series = [{ label: 'frame' }, { label: st.a, stroke: COLORS.a, width: 1.5, spanGaps: true }];
      if (st.b) series.push({ label: st.b, stroke: COLORS.b, width: 1.5, spanGaps: true });
      const u = new uPlot({
        width: width, height: 170, series: series,
        scales: { x: { time: false } },
        legend: { show: false },
        axes: [{ stroke: '#5b6675', grid: { stroke: '#eef1f5' } }, { stroke: '#5b6675', size: 64, grid: { stroke: '#eef1f5' } }],
        cursor: { sync: { key: 'nervesys-run' }, drag: { x: true, y: false, setScale: false } },
        hooks: { setSelect: [zoomed], setCursor: [moved] },
      }, aligned(name), fig);
      u.root.setAttribute('role', 'img');
      u.root.setAttribute('aria-label', name + ' by frame, run ' + st.a + (st.b ? ' and ' + st.b : ''));
      st.charts.push(u);
    }
    window.nervesysRunCharts = st.charts;
    showValues(st.cursor);
  }

  let redrawing = null;
  /** Live points arrived: new data for the charts at most four times a second (no rebuild). */
  function refresh() {
    if (redrawing) return;
    redrawing = setTimeout(() => {
      redrawing = null;
      st.charts.forEach((u, i) => u.setData(aligned(st.selected[i]), !st.range));
      showValues(st.cursor);
    }, 250);
  }

  function zoomed(u) {
    if (u.select.width < 2) return;
    const from = Math.max(0, Math.floor(u.posToVal(u.select.left, 'x')));
    const to = Math.ceil(u.posToVal(u.select.left + u.select.width, 'x'));
    u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
    if (to > from) { st.range = [from, to]; load(); }
  }

  function moved(u) {
    const i = u.cursor.idx;
    if (i === null || i === undefined) return;
    const f = u.data[0][i];
    if (f !== undefined && f !== st.cursor) showValues(f);
  }

  function valueAt(which, name, frame) {
    const l = line(which, name);
    let lo = 0, hi = l.f.length - 1, at = -1;
    while (lo <= hi) { const m = (lo + hi) >> 1; if (l.f[m] <= frame) { at = m; lo = m + 1; } else hi = m - 1; }
    if (at < 0) return null;
    const span = st.data.bucket || 1;
    return frame < l.f[at] + span ? l.v[at] : null;
  }

  /** The values of every selected series at one frame, for both runs (the shared cursor). */
  function showValues(frame) {
    st.cursor = frame === undefined ? null : frame;
    const head = el('tr', {}, el('th', { text: 'Series' }), el('th', { text: st.a }), ...(st.b ? [el('th', { text: st.b }), el('th', { text: 'difference', title: st.b + ' − ' + st.a })] : []));
    $('#run-values thead').replaceChildren(head);
    if (frame === null || frame === undefined) {
      $('#run-values tbody').replaceChildren(el('tr', {}, el('td', { text: 'move over a chart or type a frame' })));
      $('#run-values-frame').textContent = '';
      $('#run-cursor').value = '';
      return;
    }
    $('#run-cursor').value = frame;
    $('#run-values-frame').textContent = 'at frame ' + frame + (st.data.bucket > 1 ? ' (means of frames ' + frame + '…' + (frame + st.data.bucket - 1) + ')' : '');
    $('#run-values tbody').replaceChildren(...st.selected.map((name) => {
      const a = valueAt('a', name, frame);
      const b = st.b ? valueAt('b', name, frame) : null;
      return el('tr', { 'data-series': name }, el('td', { text: name }), el('td', { class: 'num', text: fmt(a) }),
        ...(st.b ? [el('td', { class: 'num', text: fmt(b) }), el('td', { class: 'num', text: a === null || b === null ? '—' : fmt(b - a) })] : []));
    }));
  }

  /** Moves the shared cursor to a typed frame (the nearest point drawn). */
  function cursorTo(frame) {
    if (!st.charts.length || Number.isNaN(frame)) return;
    const u = st.charts[0];
    const xs = u.data[0];
    if (!xs.length) return;
    let best = 0;
    for (let i = 1; i < xs.length; i++) if (Math.abs(xs[i] - frame) < Math.abs(xs[best] - frame)) best = i;
    u.setCursor({ left: u.valToPos(xs[best], 'x'), top: 20 });
    showValues(xs[best]);
  }

  function exportLinks() {
    const sel = enc(st.selected.join(','));
    const range = st.range ? '&from=' + st.data.from + '&to=' + st.data.to : '';
    const href = (run, f) => '/api/runs/' + enc(run) + '/export?format=' + f + '&series=' + sel + range;
    $('#run-export-csv').href = href(st.a, 'csv');
    $('#run-export-json').href = href(st.a, 'json');
    $('#run-export-b').hidden = !st.b;
    if (st.b) { $('#run-export-b-csv').href = href(st.b, 'csv'); $('#run-export-b-json').href = href(st.b, 'json'); }
  }

  // ---- live runs: the live view's WebSocket (nervesys.live.v1), else a re-read every 5 s ---------------------------
  function follow() {
    const live = [st.a, st.b].filter((r) => r && runStatus(r) === 'live');
    st.live.received = 0;
    if (!live.length) { st.live.mode = ''; $('#run-live').textContent = ''; return; }
    const url = st.list.liveUrl;
    if (!url || typeof WebSocket === 'undefined') { poll(); return; }
    const gen = st.gen;
    let ws;
    try { ws = new WebSocket(url); } catch (e) { poll(); return; }
    st.ws = ws;
    ws.onopen = () => {
      live.forEach((run) => ws.send(JSON.stringify({ op: 'subscribe', id: run === st.a ? 'a' : 'b', run: run, series: st.selected, rate: 50, tail: 5000 })));
      st.live.mode = 'websocket';
      $('#run-live').textContent = 'live: following ' + live.join(', ') + ' over the live view\'s WebSocket';
    };
    ws.onmessage = (m) => {
      let msg;
      try { msg = JSON.parse(m.data); } catch (e) { return; }
      if (msg.type !== 'data' || !msg.series || gen !== st.gen) return;
      const which = msg.id === 'b' ? 'b' : 'a';
      for (const [name, pts] of Object.entries(msg.series)) {
        const base = st.data[which] && st.data[which].series[name];
        const more = st.extra[which][name] || (st.extra[which][name] = { f: [], v: [] });
        let last = more.f.length ? more.f[more.f.length - 1] : base && base.f.length ? base.f[base.f.length - 1] + (st.data.bucket || 1) - 1 : -1;
        for (let i = 0; i < pts.f.length; i++) {
          if (pts.f[i] > last) { more.f.push(pts.f[i]); more.v.push(pts.v[i]); last = pts.f[i]; st.live.received++; }
        }
      }
      // a long live run: past 20,000 live points per series, read it again down-sampled
      const longest = Math.max(0, ...Object.values(st.extra[which]).map((m) => m.f.length));
      if (longest > 20000 && !st.range && !st.reloading && Date.now() - (st.reloadedAt || 0) > 10000) {
        st.reloading = true;
        st.reloadedAt = Date.now();
        load().finally(() => { st.reloading = false; });
      }
      refresh();
    };
    ws.onclose = () => { if (gen === st.gen) { st.ws = null; poll(); } };
  }

  function runStatus(id) {
    const r = (st.list.runs || []).find((x) => x.run_id === id);
    return r ? r.status : id === st.a ? st.meta.run.status : '';
  }

  function poll() {
    st.live.mode = 'poll';
    $('#run-live').textContent = 'live: re-read from ClickHouse every 5 s';
    clearInterval(st.poll);
    st.poll = setInterval(async () => {
      if (document.body.dataset.view !== 'run') return;
      const m = await c().api('/api/runs/' + enc(st.a));
      if (m.status === 200) { st.meta = m.body; }
      if (!st.range) await load();
    }, 5000);
  }

  // ---- presets ----------------------------------------------------------------------------------------------------
  async function savePreset() {
    const name = $('#run-preset-name').value.trim();
    if (!name) { $('#run-preset-msg').textContent = 'give the preset a name'; return; }
    const r = await c().api('/api/run-presets', { method: 'POST', body: JSON.stringify({ name: name, series: st.selected }) });
    if (r.status !== 200) { $('#run-preset-msg').textContent = r.body.error; return; }
    const l = await c().api('/api/run-presets');
    st.presets = l.status === 200 ? l.body.presets : st.presets;
    renderPresets();
    $('#run-preset').value = name;
    $('#run-preset-msg').textContent = 'saved ' + name;
  }

  async function deletePreset() {
    const name = $('#run-preset').value;
    if (!name) { $('#run-preset-msg').textContent = 'choose a preset to delete'; return; }
    const r = await c().api('/api/run-presets/delete', { method: 'POST', body: JSON.stringify({ name: name }) });
    if (r.status !== 200) { $('#run-preset-msg').textContent = r.body.error; return; }
    st.presets = st.presets.filter((p) => p.name !== name);
    renderPresets();
    $('#run-preset-msg').textContent = 'deleted ' + name;
  }

  function applyPreset(name) {
    const p = st.presets.find((x) => x.name === name);
    if (!p) return;
    const names = st.meta.series.map((s) => s.name);
    const usable = p.series.filter((s) => names.includes(s));
    $('#run-preset-msg').textContent = usable.length < p.series.length ? (p.series.length - usable.length) + ' of its series are not in this run' : '';
    if (!usable.length) return;
    setSelected(usable);
  }

  function setSelected(names) {
    st.selected = names;
    for (const i of document.querySelectorAll('#run-series-list input')) i.checked = names.includes(i.value);
    restart();
  }

  async function restart() {
    leave();
    const gen = st.gen;
    await load();
    if (gen === st.gen) follow();
  }

  // ---- wiring -----------------------------------------------------------------------------------------------------
  document.addEventListener('DOMContentLoaded', () => {
    $('#runs-filter').addEventListener('input', () => st.list && renderList());
    $('#runs-status').addEventListener('change', () => st.list && renderList());
    $('#runs-table').addEventListener('change', (e) => { if (e.target.matches('input.pick')) pickChanged(); });
    $('#runs-overlay').addEventListener('click', () => {
      const [a, b] = JSON.parse($('#runs-overlay').dataset.runs || '[]');
      if (a && b) location.hash = '#/run/' + enc(a) + '?compare=' + enc(b);
    });
    $('#run-series-list').addEventListener('change', () => {
      const names = [...document.querySelectorAll('#run-series-list input:checked')].map((i) => i.value);
      if (names.length > 24) { $('#run-preset-msg').textContent = 'at most 24 series at once'; return; }
      st.selected = names;
      restart();
    });
    $('#run-compare').addEventListener('change', () => {
      const b = $('#run-compare').value;
      location.hash = '#/run/' + enc(st.a) + (b ? '?compare=' + enc(b) : '');
    });
    $('#run-range').addEventListener('submit', (e) => {
      e.preventDefault();
      const from = parseInt($('#run-from').value, 10), to = parseInt($('#run-to').value, 10);
      if (Number.isNaN(from) || Number.isNaN(to) || from < 0 || to < from) { c().showError('the frame range must be 0 <= from <= to'); return; }
      st.range = [from, to];
      load();
    });
    $('#run-reset').addEventListener('click', () => { st.range = null; load(); });
    $('#run-cursor').addEventListener('change', () => cursorTo(parseInt($('#run-cursor').value, 10)));
    $('#run-preset').addEventListener('change', () => applyPreset($('#run-preset').value));
    $('#run-preset-save').addEventListener('click', savePreset);
    $('#run-preset-delete').addEventListener('click', deletePreset);
    window.addEventListener('resize', () => { if (document.body.dataset.view === 'run' && st.charts.length) draw(); });
  });

  window.nervesysRuns = {
    /** Called by the console's router for #/runs and #/run/<id>[?compare=<id>]. */
    show: async function () {
      const h = hashParams();
      if (h.parts[0] === 'run' && h.parts[1]) return showRun(decodeURIComponent(h.parts.slice(1).join('/')), h.params.get('compare'));
      return showList();
    },
    leave: leave,
  };
})();

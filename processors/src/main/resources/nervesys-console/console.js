// Nervesys console: the pages over the JSON API (docs/console.md). Plain JavaScript, Chart.js from its WebJar.
'use strict';
(function () {
  const $ = (sel) => document.querySelector(sel);
  const state = { session: null, fleet: null, sort: { key: 'agent_id', dir: 1 }, fleetPage: 0, agent: null, period: '24h', charts: {}, timer: null };

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') e.className = v; else if (k === 'text') e.textContent = v; else e.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
    return e;
  }

  async function api(path, options) {
    const opts = Object.assign({ credentials: 'same-origin', headers: {} }, options || {});
    if (opts.method === 'POST') {
      opts.headers['Content-Type'] = 'application/json';
      if (state.session) opts.headers['X-CSRF-Token'] = state.session.csrf;
    }
    const sent = state.session;
    const r = await fetch(path, opts);
    let body = null;
    try { body = await r.json(); } catch (e) { body = { error: 'HTTP ' + r.status }; }
    // a 401 ends the session it was sent with (not one a login made meanwhile)
    if (r.status === 401 && path !== '/api/login' && state.session === sent) {
      state.session = null;
      showLogin();
    }
    return { status: r.status, body: body };
  }
  window.nervesysApi = api;
  const pages = {};
  // what page scripts (pages.js, runs.js) need of this one
  window.nervesysConsole = { api: api, el: el, setView: setView, loaded: loaded, showError: showError, time: (t) => time(t),
    session: () => state.session, page: (name, show) => { pages[name] = show; } };

  function age(seconds) {
    if (seconds === null || seconds === undefined) return '';
    const s = Math.max(0, Math.round(seconds));
    if (s < 90) return s + ' s ago';
    if (s < 5400) return Math.round(s / 60) + ' min ago';
    if (s < 172800) return Math.round(s / 3600) + ' h ago';
    return Math.round(s / 86400) + ' d ago';
  }
  function duration(seconds) {
    const s = Math.round(seconds || 0);
    return s < 120 ? s + ' s' : s < 7200 ? Math.round(s / 60) + ' min' : Math.round(s / 3600) + ' h';
  }
  const pct = (v) => (v === null || v === undefined) ? '' : Number(v).toFixed(1) + ' %';
  const shortRev = (r) => r ? String(r).slice(0, 10) : '—';
  const time = (t) => t ? new Date(t).toLocaleString() : '';
  // the lines an alert stands for: its own (count) and those the classifier's queue folded into it (docs/alerts.md, "Storms")
  const lines = (x) => el('td', { class: 'num', text: x.lines ?? x.count,
    title: x.folded ? x.count + ' of this message, ' + x.folded + ' folded into it by the classifier\'s queue' : null });

  function showError(msg) { $('#page-error').textContent = msg || ''; }

  function setView(name) {
    for (const s of document.querySelectorAll('main > section')) s.hidden = s.id !== 'view-' + name;
    for (const a of document.querySelectorAll('#nav a')) {
      if (a.dataset.view === name || (name === 'agent' && a.dataset.view === 'fleet')) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    document.body.dataset.view = name;
    document.body.dataset.loaded = 'false';
  }
  function loaded() { document.body.dataset.loaded = 'true'; }

  function showLogin() {
    clearInterval(state.timer);
    $('#nav').hidden = true;
    $('#who').hidden = true;
    setView('login');
    $('#login-user').focus();
    loaded();
  }

  function signedIn(s) {
    state.session = s;
    $('#nav').hidden = false;
    $('#who').hidden = false;
    $('#who-name').textContent = s.user;
    $('#who-role').textContent = s.role;
    $('#nav-audit').hidden = !s.can.audit;
    if ($('#nav-users')) $('#nav-users').hidden = !s.can.manageUsers;
  }

  async function route() {
    showError('');
    clearInterval(state.timer);
    if (window.nervesysRuns) window.nervesysRuns.leave();
    if (!state.session) {
      const r = await api('/api/session');
      if (r.status !== 200) { if (!state.session) showLogin(); return; }
      signedIn(r.body);
    }
    const hash = location.hash || '#/fleet';
    const parts = hash.slice(2).split('/');
    if (parts[0] === 'agent' && parts[1]) { await showAgent(decodeURIComponent(parts.slice(1).join('/'))); return; }
    if ((parts[0] === 'runs' || parts[0] === 'run') && window.nervesysRuns) { await window.nervesysRuns.show(); return; }
    if (parts[0] === 'alerts') { await showAlerts(); return; }
    if (parts[0] === 'audit') { await showAudit(); return; }
    if (parts[0] === 'modules') { await showModules(); return; }
    // pages of other files (pages.js) register themselves here
    if (pages[parts[0]]) { await pages[parts[0]](parts.slice(1)); return; }
    await showFleet();
    state.timer = setInterval(() => { if (document.body.dataset.view === 'fleet') loadFleet(); }, 15000);
  }

  // ---- fleet ----------------------------------------------------------------------------------
  async function showFleet() {
    setView('fleet');
    await loadFleet();
  }

  async function loadFleet() {
    const r = await api('/api/fleet');
    if (r.status !== 200) { showError(r.body.error); loaded(); return; }
    // marks read by the fleet page benchmark (FleetPageBench, docs/console.md "Measured")
    performance.mark('nervesys-fleet-data');
    state.fleet = r.body;
    renderSummary();
    renderFleet();
    performance.mark('nervesys-fleet-drawn');
    // the frame that shows the table: after its layout and paint
    requestAnimationFrame(() => setTimeout(() => performance.mark('nervesys-fleet-shown'), 0));
    loaded();
  }

  function widget(value, label, cls) {
    return el('div', { class: 'widget' + (cls ? ' ' + cls : '') }, el('div', { class: 'value', text: value }), el('div', { class: 'label', text: label }));
  }

  function renderSummary() {
    const s = state.fleet.summary;
    const box = $('#fleet-summary');
    box.replaceChildren(
      widget(s.agents, 'agents'),
      widget(s.byStatus.healthy || 0, 'healthy'),
      widget(s.byStatus.degraded || 0, 'degraded'),
      widget(s.byStatus.critical || 0, 'critical'),
      widget(s.stale, 'stale (no heartbeat for 3 intervals)'),
      widget(s.onNewest + ' / ' + s.agents, 'on newest revision ' + shortRev(state.fleet.newestRevision)),
      widget(s.openAlerts, 'open alerts'),
      widget(s.alertsToday, 'alerts today (UTC)'),
      widget(duration(s.maxArchiveLagSeconds), 'largest archive lag'));
  }

  function matches(a, text, show) {
    if (text && !(a.agent_id.toLowerCase().includes(text) || String(a.server).toLowerCase().includes(text))) return false;
    if (!show) return true;
    if (show === 'stale') return a.stale;
    if (show === 'behind') return !a.on_newest;
    if (show === 'alerts') return a.open_alerts > 0;
    return a.status === show;
  }

  // The fleet table draws one page of the filtered, sorted agents: laying out 10,000 rows took
  // 2-4 s in Chromium (docs/console.md, "Measured"); filter and sort still run over every agent.
  const FLEET_PAGE_ROWS = 100;

  function renderFleet() {
    const text = $('#fleet-filter').value.trim().toLowerCase();
    const show = $('#fleet-status').value;
    const { key, dir } = state.sort;
    const rows = state.fleet.agents.filter((a) => matches(a, text, show)).sort((x, y) => {
      const a = x[key], b = y[key];
      if (a === b) return x.agent_id < y.agent_id ? -1 : 1;
      if (a === null || a === undefined) return 1;
      if (b === null || b === undefined) return -1;
      return (a < b ? -1 : 1) * dir;
    });
    const pages = Math.max(1, Math.ceil(rows.length / FLEET_PAGE_ROWS));
    state.fleetPage = Math.min(Math.max(0, state.fleetPage), pages - 1);
    const first = state.fleetPage * FLEET_PAGE_ROWS;
    const body = $('#fleet-table tbody');
    body.replaceChildren(...rows.slice(first, first + FLEET_PAGE_ROWS).map((a) => el('tr', { class: a.stale ? 'stale' : null, 'data-agent': a.agent_id },
      el('td', {}, el('a', { href: '#/agent/' + encodeURIComponent(a.agent_id), text: a.agent_id })),
      el('td', { text: a.server }),
      el('td', {}, el('span', { class: 'badge s-' + a.status, text: a.status })),
      el('td', { title: a.ts }, age(a.age_seconds), a.stale ? ' ' : null, a.stale ? el('span', { class: 'badge s-stale', text: 'STALE' }) : null),
      el('td', { title: a.config_revision || '' }, shortRev(a.config_revision), ' ',
        el('span', { class: 'badge ' + (a.on_newest ? 's-newest' : 's-behind'), text: a.on_newest ? 'newest' : 'behind' })),
      el('td', { class: 'num' }, pct(a.buffer_percent)),
      el('td', { class: 'num' }, a.open_alerts),
      el('td', { class: 'num' }, pct(a.cpu_percent)),
      el('td', { class: 'num' }, pct(a.disk_percent)))));
    $('#fleet-count').textContent = rows.length + ' of ' + state.fleet.agents.length + ' agents';
    $('#fleet-pager').hidden = pages === 1;
    $('#fleet-page').textContent = 'page ' + (state.fleetPage + 1) + ' of ' + pages + ' (rows ' + (rows.length ? first + 1 : 0)
      + '–' + Math.min(first + FLEET_PAGE_ROWS, rows.length) + ')';
    $('#fleet-prev').disabled = state.fleetPage === 0;
    $('#fleet-next').disabled = state.fleetPage >= pages - 1;
    for (const th of document.querySelectorAll('#fleet-table th')) {
      const b = th.querySelector('button');
      if (b.dataset.sort === key) th.setAttribute('aria-sort', dir > 0 ? 'ascending' : 'descending'); else th.removeAttribute('aria-sort');
    }
  }

  // ---- agent ----------------------------------------------------------------------------------
  async function showAgent(id) {
    setView('agent');
    state.agent = id;
    $('#agent-title').textContent = 'Agent ' + id;
    await loadAgent();
  }

  async function loadAgent() {
    for (const b of document.querySelectorAll('[data-period]')) b.setAttribute('aria-pressed', String(b.dataset.period === state.period));
    const r = await api('/api/agents/' + encodeURIComponent(state.agent) + '?period=' + state.period);
    if (r.status !== 200) { showError(r.body.error); loaded(); return; }
    const a = r.body.agent;
    const facts = [['Server', a.server], ['Status', a.status + (a.status_reason ? ' (' + a.status_reason + ')' : '')],
      ['Last heartbeat', age(a.age_seconds) + (a.stale ? ' — STALE' : '')], ['Revision', shortRev(a.config_revision) + (a.on_newest ? ' (newest)' : ' (behind)')],
      ['Rejected revision', a.config_rejected_revision ? shortRev(a.config_rejected_revision) + ': ' + (a.config_rejected_error || '') : '—'],
      ['Buffer', pct(a.buffer_percent) + ' (' + (a.buffer_rows ?? 0) + ' rows)'], ['Archive lag', a.archive_lag_seconds === null ? '—' : a.archive_lag_seconds + ' s'],
      ['Version', a.agent_version || '—']];
    $('#agent-facts').replaceChildren(...facts.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { text: v })]));
    const s = r.body.series;
    const xs = s.map((p) => Number(p.bucket) * 1000);
    const range = { min: Date.parse(r.body.from), max: Date.parse(r.body.to) };
    chart('cpu', xs, s.map((p) => p.cpu_percent), range);
    chart('ram', xs, s.map((p) => p.ram_percent), range);
    chart('disk', xs, s.map((p) => p.disk_percent), range);
    chart('buffer', xs, s.map((p) => p.buffer_percent), range);
    $('#agent-alerts tbody').replaceChildren(...r.body.alerts.map((x) => el('tr', {},
      el('td', { text: time(x.last_seen) }), el('td', { text: x.level || '' }), el('td', { text: x.rule }),
      el('td', { class: 'message', text: x.message || x.label }), lines(x),
      el('td', { text: x.closed_at ? 'closed' : 'open' }))));
    if (!r.body.alerts.length) $('#agent-alerts tbody').append(el('tr', {}, el('td', { colspan: 6, text: 'no alerts in the last 30 days' })));
    loaded();
  }

  // Tick steps per period: round local times, at most about 8 ticks.
  const STEPS = [600e3, 1800e3, 3600e3, 3 * 3600e3, 6 * 3600e3, 86400e3, 2 * 86400e3, 5 * 86400e3];

  function chart(name, xs, ys, range) {
    const data = xs.map((x, i) => ({ x: x, y: ys[i] }));
    const span = range.max - range.min;
    const step = STEPS.find((s) => span / s <= 8) || STEPS[STEPS.length - 1];
    const old = state.charts[name];
    if (old) old.destroy();
    state.charts[name] = new Chart($('#chart-' + name), {
      type: 'line',
      data: { datasets: [{ label: name, data: data, borderColor: '#1f5fbf', backgroundColor: 'rgba(31,95,191,0.12)', fill: true,
        pointRadius: 0, borderWidth: 1.5 }] },
      options: { animation: false, responsive: true, maintainAspectRatio: false, parsing: false, normalized: true,
        plugins: { legend: { display: false }, tooltip: { callbacks: { title: (items) => new Date(items[0].parsed.x).toLocaleString() } } },
        scales: {
          x: { type: 'linear', min: range.min, max: range.max,
            afterBuildTicks: (axis) => {
              const ticks = [];
              const offset = new Date(range.min).getTimezoneOffset() * 60e3;
              for (let t = Math.ceil((range.min - offset) / step) * step + offset; t <= range.max; t += step) ticks.push({ value: t });
              axis.ticks = ticks;
            },
            ticks: { callback: (v) => {
              const d = new Date(v);
              return step >= 86400e3 ? d.toLocaleDateString([], { month: 'short', day: 'numeric' })
                : d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
            } } },
          y: { min: 0, suggestedMax: 100 } } }
    });
  }

  // ---- alerts ---------------------------------------------------------------------------------
  async function showAlerts() {
    setView('alerts');
    await loadAlerts();
  }

  async function loadAlerts() {
    const q = new URLSearchParams({ state: $('#alerts-state').value, days: $('#alerts-days').value });
    if ($('#alerts-agent').value.trim()) q.set('agent', $('#alerts-agent').value.trim());
    if ($('#alerts-level').value) q.set('level', $('#alerts-level').value);
    const r = await api('/api/alerts?' + q);
    if (r.status !== 200) { showError(r.body.error); loaded(); return; }
    const canAck = state.session.can.acknowledge;
    $('#alerts-table tbody').replaceChildren(...r.body.alerts.map((x) => el('tr', { 'data-alert': x.alert_id },
      el('td', { text: time(x.last_seen) }),
      el('td', {}, el('a', { href: '#/agent/' + encodeURIComponent(x.agent_id), text: x.agent_id })),
      el('td', { text: x.level || '' }), el('td', { text: x.rule }), el('td', { class: 'message', text: x.message || x.label }),
      lines(x), el('td', { text: (x.closed_at ? 'closed' : 'open') + ', ' + x.status }),
      el('td', {}, x.acked_by ? x.acked_by + ', ' + time(x.acked_at)
        : canAck ? el('button', { type: 'button', class: 'ack', 'data-alert': x.alert_id, text: 'Acknowledge' }) : 'no'))));
    if (!r.body.alerts.length) $('#alerts-table tbody').append(el('tr', {}, el('td', { colspan: 8, text: 'no alerts' })));
    loaded();
  }

  async function loadRules() {
    const r = await api('/api/alert-rules');
    $('#alerts-rules-where').textContent = r.status !== 200 ? r.body.error
      : r.body.text === null ? 'The config repo at ' + shortRev(r.body.commit) + ' has no config/alerts.yaml: the built-in rules apply.'
      : 'At commit ' + shortRev(r.body.commit) + ':';
    $('#alerts-rules-text').textContent = r.status === 200 && r.body.text !== null ? r.body.text : '';
  }

  async function acknowledge(id, button) {
    button.disabled = true;
    const r = await api('/api/alerts/' + encodeURIComponent(id) + '/ack', { method: 'POST', body: '{}' });
    $('#alerts-msg').textContent = r.status === 200 ? 'acknowledged ' + id : (r.body.error || 'failed');
    await loadAlerts();
  }

  // ---- modules -------------------------------------------------------------------------------
  async function showModules() {
    setView('modules');
    $('#modules-form').hidden = !state.session.can.switchModules;
    await loadModules();
  }

  async function loadModules() {
    const [m, f] = await Promise.all([api('/api/modules'), api('/api/fleet')]);
    if (m.status !== 200) { showError(m.body.error); loaded(); return; }
    $('#modules-commit').textContent = shortRev(m.body.commit);
    const select = $('#modules-module');
    const chosen = select.value;
    select.replaceChildren(...m.body.modules.map((x) => el('option', { value: x.module, text: x.module })));
    if (chosen) select.value = chosen;
    $('#modules-table tbody').replaceChildren(...m.body.modules.map((x) => el('tr', { 'data-module': x.module },
      el('td', { text: x.module }),
      el('td', {}, el('span', { class: 'badge ' + (x.all ? 's-healthy' : 's-behind'), text: x.all ? 'on' : 'off' })),
      el('td', { text: Object.entries(x.agents).map(([a, on]) => a + ': ' + (on ? 'on' : 'off')).join(', ') || '—' }))));
    if (f.status === 200) {
      $('#modules-fleet tbody').replaceChildren(...f.body.agents.map((a) => el('tr', { 'data-agent': a.agent_id },
        el('td', { text: a.agent_id }),
        el('td', {}, shortRev(a.config_revision), ' ', el('span', { class: 'badge ' + (a.on_newest ? 's-newest' : 's-behind'), text: a.on_newest ? 'newest' : 'behind' })),
        el('td', { text: a.config_rejected_revision ? shortRev(a.config_rejected_revision) : '—' }),
        el('td', { class: 'message', text: a.config_rejected_error || '' }))));
    }
    loaded();
  }

  async function saveModule() {
    const agents = $('#modules-agents').value.split(/[\s,]+/).filter((a) => a);
    $('#modules-save').disabled = true;
    const r = await api('/api/modules', { method: 'POST', body: JSON.stringify({
      module: $('#modules-module').value, on: $('#modules-on').value === 'true', agents: agents }) });
    $('#modules-save').disabled = false;
    $('#modules-msg').textContent = r.status !== 200 ? (r.body.error || 'failed')
      : r.body.commit ? 'committed ' + shortRev(r.body.commit) : 'unchanged: the repo says so already';
    await loadModules();
  }

  // ---- audit ----------------------------------------------------------------------------------
  async function showAudit() {
    setView('audit');
    const r = await api('/api/audit');
    if (r.status !== 200) { showError(r.body.error); loaded(); return; }
    $('#audit-table tbody').replaceChildren(...r.body.entries.map((x) => el('tr', {},
      el('td', { text: time(x.ts) }), el('td', { text: x.username }), el('td', { text: x.action }), el('td', { text: x.target || '' }),
      el('td', { text: x.outcome }), el('td', { class: 'message', text: x.detail || '' }), el('td', { text: x.remote || '' }))));
    loaded();
  }

  // ---- wiring ---------------------------------------------------------------------------------
  document.addEventListener('DOMContentLoaded', () => {
    $('#login-form').addEventListener('submit', async (e) => {
      e.preventDefault();
      $('#login-error').textContent = '';
      const r = await api('/api/login', { method: 'POST', body: JSON.stringify({
        user: $('#login-user').value, password: $('#login-password').value, code: $('#login-code').value }) });
      $('#login-password').value = '';
      $('#login-code').value = '';
      if (r.status !== 200) { $('#login-error').textContent = r.body.error; return; }
      signedIn(r.body);
      if (!location.hash) location.hash = '#/fleet'; else route();
      $('#main').focus();
    });
    $('#logout').addEventListener('click', async () => {
      await api('/api/logout', { method: 'POST', body: '{}' });
      state.session = null;
      showLogin();
    });
    // a new filter or sort starts again at the first page
    $('#fleet-filter').addEventListener('input', () => { state.fleetPage = 0; if (state.fleet) renderFleet(); });
    $('#fleet-status').addEventListener('change', () => { state.fleetPage = 0; if (state.fleet) renderFleet(); });
    for (const b of document.querySelectorAll('#fleet-table th button')) {
      b.addEventListener('click', () => {
        state.sort = { key: b.dataset.sort, dir: state.sort.key === b.dataset.sort ? -state.sort.dir : 1 };
        state.fleetPage = 0;
        renderFleet();
      });
    }
    $('#fleet-prev').addEventListener('click', () => { state.fleetPage--; renderFleet(); });
    $('#fleet-next').addEventListener('click', () => { state.fleetPage++; renderFleet(); });
    for (const b of document.querySelectorAll('[data-period]')) {
      b.addEventListener('click', () => { state.period = b.dataset.period; loadAgent(); });
    }
    for (const id of ['#alerts-state', '#alerts-days', '#alerts-level']) $(id).addEventListener('change', loadAlerts);
    $('#alerts-agent').addEventListener('change', loadAlerts);
    $('#alerts-table').addEventListener('click', (e) => {
      const b = e.target.closest('button.ack');
      if (b) acknowledge(b.dataset.alert, b);
    });
    $('#alerts-rules').addEventListener('toggle', () => { if ($('#alerts-rules').open) loadRules(); });
    $('#modules-form').addEventListener('submit', (e) => { e.preventDefault(); saveModule(); });
    window.addEventListener('hashchange', route);
    route();
  });
})();

// Nervesys console: the reports, performance and users pages (docs/console.md), over the API of ConsolePages.
'use strict';
(function () {
  const $ = (sel) => document.querySelector(sel);
  const C = window.nervesysConsole;
  const el = C.el;
  const num = (v) => (v === null || v === undefined) ? '' : Number(v).toLocaleString('en-US');
  function size(b) {
    return b < 1024 ? b + ' B' : b < 1048576 ? (b / 1024).toFixed(1) + ' KB' : (b / 1048576).toFixed(1) + ' MB';
  }
  function ymd(d) {
    return d.getFullYear() + '-' + String(d.getMonth() + 1).padStart(2, '0') + '-' + String(d.getDate()).padStart(2, '0');
  }

  // ---- reports -------------------------------------------------------------------------------
  async function showReports() {
    C.setView('reports');
    if (!$('#reports-day').value) {
      const y = new Date(Date.now() - 86400e3);
      $('#reports-day').value = ymd(y);
    }
    await loadReports();
  }

  async function loadReports() {
    const r = await C.api('/api/reports');
    if (r.status !== 200) { C.showError(r.body.error); C.loaded(); return; }
    const b = r.body;
    const st = b.status || {};
    $('#reports-where').textContent = 'Folder ' + b.folder + ' of this process; reports module ' + b.module
      + (b.status ? ', delivery ' + st.destination + (st.lastUploadError ? ', last upload error: ' + st.lastUploadError : '') : '')
      + '. ' + b.total + ' file(s).';
    $('#reports-run').hidden = !(C.session().can.runReports && b.module === 'on');
    $('#reports-table tbody').replaceChildren(...b.files.map((f) => el('tr', { 'data-file': f.folder + '/' + f.name },
      el('td', { text: C.time(f.modified) }),
      el('td', { text: f.folder }),
      el('td', {}, el('a', { href: '/api/reports/file?folder=' + encodeURIComponent(f.folder) + '&name=' + encodeURIComponent(f.name),
        download: f.name, text: f.name })),
      el('td', { class: 'num', text: size(f.bytes) }),
      el('td', {}, el('span', { class: 'badge u-' + f.upload.split(' ')[0], text: f.upload })))));
    if (!b.files.length) $('#reports-table tbody').append(el('tr', {}, el('td', { colspan: 5, text: 'no reports made yet' })));
    C.loaded();
  }

  async function runReport() {
    const day = $('#reports-day').value;
    $('#reports-run-submit').disabled = true;
    $('#reports-msg').textContent = 'making the report of ' + day + '…';
    const r = await C.api('/api/reports/run', { method: 'POST', body: JSON.stringify({ day: day }) });
    $('#reports-run-submit').disabled = false;
    $('#reports-msg').textContent = r.status === 200 ? 'made ' + r.body.files.join(', ') : (r.body.error || 'failed');
    await loadReports();
  }

  // ---- performance ---------------------------------------------------------------------------
  async function showPerformance() {
    C.setView('performance');
    await loadPerformance();
  }

  async function loadPerformance() {
    const q = new URLSearchParams({ period: $('#perf-period').value });
    if ($('#perf-agent').value) q.set('agent', $('#perf-agent').value);
    const r = await C.api('/api/performance?' + q);
    if (r.status !== 200) { C.showError(r.body.error); C.loaded(); return; }
    const b = r.body;
    $('#perf-routes tbody').replaceChildren(...b.routes.map((x) => el('tr', { 'data-route': x.route },
      el('td', { text: x.route }), el('td', { class: 'num', text: x.agents }), el('td', { class: 'num', text: num(x.exchanges) }),
      el('td', { class: 'num', text: num(x.perMinute) }), el('td', { class: 'num' + (x.failed ? ' bad' : ''), text: num(x.failed) }),
      el('td', { class: 'num', text: x.failedPercent + ' %' }), el('td', { class: 'num', text: num(x.meanMs) }),
      el('td', { class: 'num', text: num(x.maxMs) }))));
    if (!b.routes.length) $('#perf-routes tbody').append(el('tr', {}, el('td', { colspan: 8, text: 'no route figures in this period' })));
    $('#perf-agents tbody').replaceChildren(...b.agents.map((x) => el('tr', { 'data-agent': x.agent, 'data-route': x.route },
      el('td', {}, el('a', { href: '#/agent/' + encodeURIComponent(x.agent), text: x.agent })), el('td', { text: x.route }),
      el('td', { class: 'num', text: num(x.exchanges) }), el('td', { class: 'num', text: num(x.perMinute) }),
      el('td', { class: 'num' + (x.failed ? ' bad' : ''), text: num(x.failed) }), el('td', { class: 'num', text: num(x.meanMs) }),
      el('td', { class: 'num', text: num(x.maxMs) }), el('td', { text: x.restarted ? 'route start' : 'period start' }))));
    const agents = [...new Set(b.agents.map((x) => x.agent).concat(b.agentsWithoutFigures))].sort();
    const sel = $('#perf-agent');
    if (!sel.value) {
      sel.replaceChildren(el('option', { value: '', text: 'all agents' }), ...agents.map((a) => el('option', { value: a, text: a })));
    }
    $('#perf-msg').textContent = b.agentsWithoutFigures.length
      ? b.agentsWithoutFigures.length + ' agent(s) send no route figures: ' + b.agentsWithoutFigures.join(', ') : '';
    C.loaded();
  }

  // ---- users ---------------------------------------------------------------------------------
  async function showUsers() {
    C.setView('users');
    await loadUsers();
  }

  async function loadUsers() {
    const r = await C.api('/api/users');
    if (r.status !== 200) { C.showError(r.body.error); C.loaded(); return; }
    const users = r.body.users;
    $('#users-table tbody').replaceChildren(...users.map((u) => el('tr', { 'data-user': u.username, 'data-source': u.source },
      el('td', { text: u.username }), el('td', { text: u.role }), el('td', { text: u.totp ? 'required' : 'no' }),
      el('td', { text: u.source === 'environment' ? 'NERVESYS_WEBCONSOLE_USERS' : 'database' + (u.shadowed ? ' (hidden by the environment)' : '') }),
      el('td', { text: u.updated_at ? C.time(u.updated_at) + ' by ' + u.updated_by : '' }))));
    const sel = $('#users-change-name');
    const chosen = sel.value;
    sel.replaceChildren(...users.filter((u) => u.source === 'database').map((u) => el('option', { value: u.username, text: u.username })));
    if (chosen) sel.value = chosen;
    C.loaded();
  }

  function totpShown(uri) {
    $('#users-totp').hidden = !uri;
    $('#users-totp-uri').textContent = uri || '';
  }

  async function addUser() {
    const r = await C.api('/api/users', { method: 'POST', body: JSON.stringify({ user: $('#users-add-name').value.trim(),
      role: $('#users-add-role').value, password: $('#users-add-password').value, totp: $('#users-add-totp').checked }) });
    $('#users-add-password').value = '';
    $('#users-msg').textContent = r.status === 200 ? 'added ' + r.body.user + ' (' + r.body.role + ')' : (r.body.error || 'failed');
    totpShown(r.status === 200 ? r.body.totpUri : null);
    if (r.status === 200) $('#users-add-name').value = '';
    await loadUsers();
  }

  async function changeUser() {
    const body = {};
    if ($('#users-change-role').value) body.role = $('#users-change-role').value;
    if ($('#users-change-password').value) body.password = $('#users-change-password').value;
    if ($('#users-change-totp').value) body.totp = $('#users-change-totp').value === 'true';
    const name = $('#users-change-name').value;
    const r = await C.api('/api/users/' + encodeURIComponent(name), { method: 'POST', body: JSON.stringify(body) });
    $('#users-change-password').value = '';
    $('#users-msg').textContent = r.status === 200 ? name + ': ' + r.body.changed.join(', ') : (r.body.error || 'failed');
    totpShown(r.status === 200 ? r.body.totpUri : null);
    await loadUsers();
  }

  C.page('reports', showReports);
  C.page('performance', showPerformance);
  C.page('users', showUsers);
  document.addEventListener('DOMContentLoaded', () => {
    $('#reports-run').addEventListener('submit', (e) => { e.preventDefault(); runReport(); });
    $('#perf-period').addEventListener('change', loadPerformance);
    $('#perf-agent').addEventListener('change', loadPerformance);
    $('#users-add').addEventListener('submit', (e) => { e.preventDefault(); addUser(); });
    $('#users-change').addEventListener('submit', (e) => { e.preventDefault(); changeUser(); });
  });
})();

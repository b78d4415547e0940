// Nervesys live UI: one WebSocket (nervesys.live.v1) to the agent that served this page.
// Run A in warm colours, run B (overlay) in cool ones; x is the frame index, so runs align on it.
(function () {
  'use strict';
  const params = new URLSearchParams(location.search);
  const WINDOW = Number(params.get('window') || 2000);     // points kept per line: the chart scrolls
  const RATE = Number(params.get('rate') || 50);           // points per second per series
  const COLORS = { A: ['#e6194b', '#f58231', '#911eb4', '#f032e6'], B: ['#3cb44b', '#4363d8', '#42d4f4', '#469990'] };
  const state = { runs: [], series: {}, picked: new Set((params.get('series') || '').split(',').filter(Boolean)),
    runA: params.get('run') || '', runB: params.get('compare') || '', cursor: null };
  window.nervesysPoints = 0;

  const cursorLine = {
    id: 'cursorLine',
    afterDatasetsDraw(chart) {
      if (state.cursor == null) return;
      const x = chart.scales.x.getPixelForValue(state.cursor);
      if (x < chart.chartArea.left || x > chart.chartArea.right) return;
      const ctx = chart.ctx;
      ctx.save(); ctx.strokeStyle = '#000'; ctx.setLineDash([4, 4]);
      ctx.beginPath(); ctx.moveTo(x, chart.chartArea.top); ctx.lineTo(x, chart.chartArea.bottom); ctx.stroke();
      ctx.restore();
    }
  };
  const chart = new Chart(document.getElementById('chart'), {
    type: 'line',
    data: { datasets: [] },
    options: {
      animation: false, parsing: false, normalized: true, maintainAspectRatio: false, spanGaps: true,
      elements: { point: { radius: 0 }, line: { borderWidth: 2 } },
      scales: { x: { type: 'linear', title: { display: true, text: 'frame' } } },
      interaction: { mode: 'nearest', axis: 'x', intersect: false },
      onHover: (e, items, c) => {
        const f = Math.round(c.scales.x.getValueForPixel(e.x));
        if (Number.isFinite(f)) setCursor(f);
      }
    },
    plugins: [cursorLine]
  });
  document.getElementById('chart').parentNode.style.height = 'calc(100vh - 4em)';

  function setCursor(frame) {
    state.cursor = frame;
    document.getElementById('cursor').value = frame;
    const lines = chart.data.datasets.map(d => {
      let best = null;
      for (const p of d.data) { if (best == null || Math.abs(p.x - frame) < Math.abs(best.x - frame)) best = p; }
      return d.label + ': ' + (best ? best.y : '–');
    });
    document.getElementById('readout').textContent = 'frame ' + frame + '\n' + lines.join('\n');
    chart.draw();
  }
  document.getElementById('cursor').addEventListener('change', e => setCursor(Number(e.target.value)));

  function dataset(sub, name) {
    const label = (sub === 'A' ? state.runA : state.runB) + ' ' + name;
    let d = chart.data.datasets.find(x => x.label === label);
    if (!d) {
      const palette = COLORS[sub];
      const n = chart.data.datasets.filter(x => x.sub === sub).length;
      d = { label, sub, data: [], borderColor: palette[n % palette.length], backgroundColor: palette[n % palette.length] };
      chart.data.datasets.push(d);
    }
    return d;
  }

  let ws, dirty = false;
  function send(o) { if (ws && ws.readyState === 1) ws.send(JSON.stringify(o)); }
  function subscribe() {
    chart.data.datasets = [];
    const series = [...state.picked];
    for (const [id, run] of [['A', state.runA], ['B', state.runB]]) {
      send({ op: 'unsubscribe', id });
      if (run && series.length) send({ op: 'subscribe', id, run, series, rate: RATE, tail: 5000 });
    }
    dirty = true;
  }
  function renderRuns() {
    for (const [sel, cur] of [['runA', state.runA], ['runB', state.runB]]) {
      const el = document.getElementById(sel);
      el.innerHTML = '<option value="">–</option>' + state.runs.map(r =>
        `<option value="${r.run_id}">${r.name || r.run_id} (${r.status})</option>`).join('');
      el.value = cur;
    }
  }
  function renderSeries(run, names) {
    state.series[run] = names;
    const all = [...new Set([...(state.series[state.runA] || []), ...(state.series[state.runB] || [])])].sort();
    document.getElementById('series').innerHTML = all.map(n =>
      `<label><input type="checkbox" value="${n}" ${state.picked.has(n) ? 'checked' : ''}> ${n}</label>`).join('');
    document.querySelectorAll('#series input').forEach(i => i.addEventListener('change', e => {
      if (e.target.checked) state.picked.add(e.target.value); else state.picked.delete(e.target.value);
      subscribe();
    }));
  }
  for (const sel of ['runA', 'runB']) {
    document.getElementById(sel).addEventListener('change', e => {
      state[sel] = e.target.value;
      if (e.target.value) send({ op: 'series', run: e.target.value });
      subscribe();
    });
  }
  document.getElementById('refresh').addEventListener('click', () => send({ op: 'runs' }));

  function connect() {
    ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/live', 'nervesys.live.v1');
    ws.onopen = () => {
      document.getElementById('status').textContent = 'connected';
      send({ op: 'runs' });
      for (const r of [state.runA, state.runB]) if (r) send({ op: 'series', run: r });
      subscribe();
    };
    ws.onclose = () => { document.getElementById('status').textContent = 'disconnected, retrying…'; setTimeout(connect, 2000); };
    ws.onmessage = ev => {
      const m = JSON.parse(ev.data);
      if (m.type === 'runs') { state.runs = m.runs; renderRuns(); }
      else if (m.type === 'series') renderSeries(m.run, m.series);
      else if (m.type === 'data') {
        for (const [name, s] of Object.entries(m.series)) {
          const d = dataset(m.id, name);
          for (let i = 0; i < s.f.length; i++) d.data.push({ x: s.f[i], y: s.v[i] });
          if (d.data.length > WINDOW) d.data.splice(0, d.data.length - WINDOW);
          window.nervesysPoints += s.f.length;
        }
        document.getElementById('status').textContent = 'connected, ' + window.nervesysPoints + ' points, '
          + m.dropped + ' frames dropped';
        dirty = true;
      }
    };
  }
  setInterval(() => { if (dirty) { dirty = false; chart.update('none'); } }, 200);
  connect();
})();

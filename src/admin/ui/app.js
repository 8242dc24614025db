// The status page's logic: polls /api/v1/ui/state every second and renders one card per route
// (arms with live split and totals, SVG plots of the server-side history, and the route's
// monitor verdicts, canary, shadow and interleaving reports). No libraries: plots are drawn as
// inline SVG polylines. Everything from the server is inserted as text, never as HTML.
'use strict';

const POLL_MS = 1000;
const COLORS = ['#1f77b4', '#e8710a', '#2ca02c', '#9467bd', '#d62728', '#8c564b', '#17becf'];
const SVG_NS = 'http://www.w3.org/2000/svg';
let previous = null;  // the last state, for live rates between polls

// --- small DOM helpers -------------------------------------------------------------------------

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v !== undefined && v !== null) e.setAttribute(k, v);
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    e.append(c instanceof Node ? c : String(c));
  }
  return e;
}

function svg(tag, attrs) {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  return e;
}

function table(headers, rows) {
  return el('table', {}, el('tr', {}, ...headers.map((h) => el('th', {}, h))),
            ...rows.map((r) => el('tr', {}, ...r.map((c) => (c instanceof Node && c.tagName === 'TD'
                                                              ? c : el('td', {}, c))))));
}

// --- number formats ----------------------------------------------------------------------------

const isNum = (v) => typeof v === 'number' && isFinite(v);
function fmt(v, digits = 3) {
  if (!isNum(v)) return '–';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1000) return v.toFixed(0);
  if (a < 0.001) return v.toExponential(1);
  return Number(v.toPrecision(digits)).toString();
}
const pct = (v) => (isNum(v) ? fmt(v * 100, 3) + '%' : '–');
const ms = (v) => (isNum(v) ? fmt(v * 1000, 3) + ' ms' : '–');
function pval(v) {
  if (!isNum(v)) return '–';
  return v < 0.001 ? v.toExponential(1) : v.toFixed(3);
}
function verdict(v) {
  const name = v || 'n/a';
  return el('span', { class: 'verdict ' + name }, name);
}
function ago(t, now) {
  if (!isNum(t)) return '';
  const s = Math.max(0, now - t);
  return s < 90 ? Math.round(s) + ' s ago' : Math.round(s / 60) + ' min ago';
}

// --- plots -------------------------------------------------------------------------------------

// A line plot of `series` ([{name, color, t: [...], v: [...]}]; null values break the line)
// over [now - span, now]. `kind` labels the plot for tests (data-metric) and picks the y format.
function plot(title, kind, series, now, span, yFormat, yMax, yFloor) {
  const W = 220, H = 92, L = 38, R = 4, T = 6, B = 14;
  const box = svg('svg', { viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none',
                           'data-metric': kind, role: 'img', 'aria-label': title });
  // yMax: a fixed top (weights); else the data's maximum, at least yFloor (so 0.1% errors do
  // not look like a wall).
  let max = 0;
  for (const s of series) for (const v of s.v) if (isNum(v) && v > max) max = v;
  max = yMax || Math.max(max * 1.15, yFloor || 1e-9);
  const x = (t) => L + (W - L - R) * (1 - (now - t) / span);
  const y = (v) => T + (H - T - B) * (1 - v / max);
  for (const frac of [0, 0.5, 1]) {
    const yy = y(max * frac);
    box.append(svg('line', { x1: L, x2: W - R, y1: yy, y2: yy, class: 'grid' }));
    const label = svg('text', { x: L - 3, y: yy + 3, 'text-anchor': 'end' });
    label.textContent = yFormat(max * frac);
    box.append(label);
  }
  const minutes = Math.round(span / 60);
  for (const [t, text, anchor] of [[now - span, `-${minutes} min`, 'start'], [now, 'now', 'end']]) {
    const label = svg('text', { x: x(t), y: H - 2, 'text-anchor': anchor });
    label.textContent = text;
    box.append(label);
  }
  let points = 0;
  for (const s of series) {
    let run = [];
    const flush = () => {
      if (run.length > 0) {
        box.append(svg('polyline', { points: run.join(' '), fill: 'none', stroke: s.color,
                                     'stroke-width': 1.6, 'data-arm': s.name,
                                     'stroke-dasharray': s.dashed ? '4 2' : 'none',
                                     'vector-effect': 'non-scaling-stroke' }));
        if (run.length === 1) {  // a lone point would be invisible as a line
          const [cx, cy] = run[0].split(',');
          box.append(svg('circle', { cx, cy, r: 1.5, fill: s.color }));
        }
      }
      run = [];
    };
    for (let i = 0; i < s.t.length; i++) {
      if (!isNum(s.v[i]) || now - s.t[i] > span) { flush(); continue; }
      run.push(`${x(s.t[i]).toFixed(1)},${y(Math.min(s.v[i], max)).toFixed(1)}`);
      points++;
    }
    flush();
  }
  box.setAttribute('data-points', points);
  return el('div', { class: 'plot' }, el('div', { class: 'title' }, title), box);
}

// --- one route ---------------------------------------------------------------------------------

function armColors(route) {
  const colors = {};
  route.arms.forEach((a, i) => { colors[a.name] = COLORS[i % COLORS.length]; });
  return colors;
}

// Calls per second and share of each arm since the previous poll (the live split).
function liveRates(route, state) {
  const rates = {};
  const before = previous && previous.routes.find((r) => r.name === route.name);
  const dt = previous ? state.time - previous.time : 0;
  for (const a of route.arms) {
    const old = before && before.arms.find((b) => b.name === a.name);
    rates[a.name] = old && dt > 0 && a.calls >= old.calls ? (a.calls - old.calls) / dt : null;
  }
  return rates;
}

function armsTable(route, state, colors) {
  const rates = liveRates(route, state);
  // Only ab and canary split users by weight (interleaving asks every ranker, a shadow route's
  // primary answers every call).
  const splits = route.strategy === 'ab' || route.strategy === 'canary';
  const serving = route.arms.filter((a) => a.role !== 'shadow');
  const liveTotal = serving.reduce((s, a) => s + (rates[a.name] || 0), 0);
  const callTotal = serving.reduce((s, a) => s + a.calls, 0);
  const rows = route.arms.map((a) => {
    // The split: share of the calls since the last poll, or of all calls before there is one.
    let share = null;
    if (splits && a.role !== 'shadow') {
      share = liveTotal > 0 ? (rates[a.name] || 0) / liveTotal
                            : (callTotal > 0 ? a.calls / callTotal : null);
    }
    const h = route.history[a.name];
    const lastP99 = h ? h.p99_seconds.slice().reverse().find(isNum) : undefined;
    const splitCell = el('td', { 'data-split': a.name },
                         share === null ? '' : el('span', { class: 'bar',
                                                            style: `width:${Math.round(share * 50)}px` }),
                         share === null ? (a.role === 'shadow' ? 'copies' : '') : pct(share));
    return [
      el('td', { title: `backend ${a.backend}` },
         el('span', { class: 'swatch', style: `background:${colors[a.name]}` }), a.name,
         a.backend !== a.name ? el('span', { class: 'muted' }, ` → ${a.backend}`) : null),
      a.role, splits && a.role !== 'shadow' ? pct(a.weight) : '', splitCell,
      fmt(rates[a.name], 3), el('td', { 'data-total': a.name }, String(Math.round(a.calls))),
      a.calls > 0 ? pct(a.errors / a.calls) : '–', ms(lastP99)];
  });
  return table(['arm', 'role', 'weight', 'live split', 'calls/s', 'calls', 'errors',
                `p99 (last ${state.history.interval_seconds} s)`], rows);
}

function plots(route, state, colors) {
  // The x axis covers the history there is (at least 2 minutes), up to all the server keeps.
  const full = state.history.capacity * state.history.interval_seconds;
  let oldest = state.time;
  for (const a of Object.values(route.history)) if (a.t.length && a.t[0] < oldest) oldest = a.t[0];
  const span = Math.min(full, Math.max(120, Math.ceil((state.time - oldest) / 60) * 60));
  const series = (field, scale = 1) => route.arms
    .filter((a) => route.history[a.name])
    .map((a) => ({ name: a.name, color: colors[a.name], dashed: a.role === 'shadow',
                   t: route.history[a.name].t,
                   v: route.history[a.name][field].map((v) => (isNum(v) ? v * scale : null)) }));
  const children = [
    plot('requests / s', 'rate', series('rate'), state.time, span, (v) => fmt(v, 2), 0, 1),
    plot('error rate', 'errors', series('error_ratio'), state.time, span, pct, 0, 0.01),
    plot('p99 latency', 'p99', series('p99_seconds'), state.time, span, ms, 0, 0.001),
  ];
  if (route.strategy === 'canary' || route.strategy === 'ab') {
    const weights = series('weight').filter((s) => s.name !== route.arms[0].name || route.strategy === 'ab');
    children.push(plot(route.strategy === 'canary' ? 'candidate weight' : 'configured weight',
                       'weight', weights, state.time, span, pct, 1));
  }
  return el('div', { class: 'plots' }, ...children);
}

function statsPanel(stats) {
  if (!stats) return null;
  const srm = stats.srm || {};
  const srmText = srm.evaluated
    ? el('span', { class: srm.detected ? 'bad' : 'good' },
         `${srm.detected ? 'MISMATCH' : 'ok'} (p ${pval(srm.p_value)}, ${srm.unit || ''})`)
    : el('span', { class: 'muted' }, 'not evaluated yet');
  const rows = (stats.comparisons || []).filter((c) => c.gate !== false).map((c) => [
    `${c.arm} · ${c.metric}`, fmt(c.effect), `[${fmt(c.ci_low)}, ${fmt(c.ci_high)}]`,
    pval(c.always_valid_p_value), el('td', {}, verdict(c.verdict))]);
  return el('div', { class: 'panel', 'data-panel': 'stats' },
            el('h3', {}, 'Verdicts (always-valid tests vs ', stats.reference_arm || 'reference', ')'),
            el('div', { class: 'kv' }, el('span', {}, 'route: ', verdict(stats.verdict)),
               el('span', {}, 'sample ratio: ', srmText)),
            rows.length ? table(['comparison', 'effect', 'CI', 'p (always valid)', 'verdict'], rows)
                        : el('div', { class: 'empty' }, 'no comparisons yet'));
}

function canaryPanel(c, now) {
  if (!c) return null;
  const steps = (c.steps_percent || []).map((s, i) => (i === c.step ? `[${s}%]` : `${s}%`)).join(' → ');
  const history = (c.transitions || []).slice().reverse().map((t) => el('li', {},
    `${t.from.state} ${t.from.candidate_percent}% → `,
    el('b', {}, `${t.to.state} ${t.to.candidate_percent}%`),
    ` · ${t.reason} (${t.actor}, ${ago(Date.parse(t.time) / 1000, now)})`));
  return el('div', { class: 'panel', 'data-panel': 'canary' },
            el('h3', {}, 'Canary'),
            el('div', { class: 'kv' },
               el('span', {}, 'state: ', el('b', { 'data-canary-state': '' }, c.state)),
               el('span', {}, `step ${c.step + 1}/${(c.steps_percent || []).length}: ${steps}`),
               el('span', {}, 'candidate: ', el('b', {}, `${c.candidate_percent}%`)),
               el('span', {}, `failed checks: ${c.failed_checks}`),
               el('span', { class: c.candidate_healthy ? 'good' : 'bad' },
                  c.candidate_healthy ? 'candidate healthy' : 'candidate unhealthy')),
            el('div', { class: 'muted' }, c.reason || ''),
            history.length ? el('ol', { class: 'transitions', reversed: '' }, ...history)
                           : el('div', { class: 'empty' }, 'no transitions yet'));
}

function shadowPanel(s) {
  if (!s) return null;
  const rows = (s.shadows || []).map((x) => [
    x.shadow, String(x.samples), pct(x.status && x.status.agreement_rate),
    pct(x.bytes && x.bytes.equal_rate),
    ms(x.latency_delta_seconds && x.latency_delta_seconds.p50),
    ms(x.latency_delta_seconds && x.latency_delta_seconds.p99)]);
  return el('div', { class: 'panel', 'data-panel': 'shadow' },
            el('h3', {}, `Shadow agreement (${s.payload}; compared ${s.compared}, dropped ${s.dropped})`),
            rows.length ? table(['shadow', 'compared', 'status agree', 'bytes equal',
                                 'Δ latency p50', 'Δ p99'], rows)
                        : el('div', { class: 'empty' }, 'nothing compared yet'));
}

function interleavePanel(r) {
  if (!r) return null;
  const rows = (r.pairs || []).map((p) => [
    `${p.a} vs ${p.b}`, `${p.wins_a} / ${p.wins_b} / ${p.ties}`, fmt(p.delta),
    `[${fmt(p.ci_low)}, ${fmt(p.ci_high)}]`, pval(p.always_valid_p),
    el('td', {}, el('b', {}, p.preferred || 'none yet'))]);
  const imp = r.impressions || {};
  return el('div', { class: 'panel', 'data-panel': 'interleave' },
            el('h3', {}, `Interleaving preference (impressions ${imp.made ?? 0}, ` +
                         `feedback reports ${(r.feedback || {}).reports ?? 0})`),
            rows.length ? table(['pair', 'wins a / b / ties', 'Δ', '95% CI', 'p (always valid)',
                                 'preferred'], rows)
                        : el('div', { class: 'empty' }, 'no clicks yet'));
}

function routeCard(route, state) {
  const colors = armColors(route);
  return el('section', { class: 'card', 'data-route': route.name },
            el('h2', {}, el('span', { class: 'name' }, route.name),
               el('span', { class: 'strategy ' + route.strategy }, route.strategy),
               el('span', { class: 'match' }, route.match)),
            armsTable(route, state, colors), plots(route, state, colors),
            statsPanel(route.stats), canaryPanel(route.canary, state.time),
            shadowPanel(route.shadow), interleavePanel(route.interleave));
}

// --- polling -----------------------------------------------------------------------------------

function render(state) {
  const h = state.history;
  document.getElementById('summary').textContent =
    `${state.routes.length} routes · config generation ${state.generation} · ` +
    `hash ${String(state.config_hash).slice(0, 12)}`;
  document.getElementById('window').textContent = `${Math.round(h.capacity * h.interval_seconds / 60)} min`;
  document.getElementById('interval').textContent = `${h.interval_seconds} s`;
  document.getElementById('routes').replaceChildren(...state.routes.map((r) => routeCard(r, state)));
}

async function poll() {
  const conn = document.getElementById('conn');
  try {
    const response = await fetch('/api/v1/ui/state', { cache: 'no-store' });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const state = await response.json();
    render(state);
    previous = state;
    conn.className = 'conn ok';
    conn.textContent = 'live · ' + new Date(state.time * 1000).toLocaleTimeString();
  } catch (e) {
    console.error('status page:', e);  // a rendering bug must be visible (the browser test fails)
    conn.className = 'conn bad';
    conn.textContent = 'cannot reach modelgate: ' + e.message;
  }
  setTimeout(poll, POLL_MS);
}

poll();

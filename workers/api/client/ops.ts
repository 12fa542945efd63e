/**
 * The ops page, live: polls GET /v1/admin/metrics every 5 s and redraws the charts. Votes per minute come
 * with their own per-minute series; sockets, queue lag and error rate are sampled at each refresh (the last
 * 60 samples, 5 minutes), since the endpoint reports their current value.
 */
import type { AdminMetrics } from '#shared/schemas/admin-analytics';

const REFRESH_MS = 5000;
const SAMPLES = 60;
const $ = (id: string) => document.getElementById(id);

const initial = JSON.parse($('page-data')?.textContent ?? 'null') as AdminMetrics | null;
const history: Record<'sockets' | 'lag' | 'errors', number[]> = { sockets: [], lag: [], errors: [] };

const errorRate = (m: AdminMetrics) => {
  const requests = m.routes.reduce((n, r) => n + r.requests, 0);
  return requests ? m.routes.reduce((n, r) => n + r.errorRate * r.requests, 0) / requests : 0;
};
const lag = (m: AdminMetrics) => Math.max(0, ...m.queues.map((q) => q.avgLagMs));
const ms = (v: number | null) => (v === null ? '–' : `${Math.round(v)} ms`);
const pct = (v: number) => `${(v * 100).toFixed(2)} %`;

/** Points of a line over the chart's 300 × 120 box, scaled to the largest value (at least 1). */
function points(samples: number[]): string {
  if (samples.length === 0) return '';
  // One sample is drawn as a flat line, so that the chart is never blank.
  const values = samples.length === 1 ? [samples[0]!, samples[0]!] : samples;
  const max = Math.max(1, ...values);
  const step = values.length > 1 ? 300 / (values.length - 1) : 0;
  return values.map((v, i) => `${(i * step).toFixed(1)},${(116 - (v / max) * 110).toFixed(1)}`).join(' ');
}

function setChart(id: string, value: string, values: number[]): void {
  const valueEl = document.querySelector(`[data-value="${id}"]`);
  if (valueEl) valueEl.textContent = value;
  document.querySelector(`[data-line="${id}"]`)?.setAttribute('points', points(values));
}

function row(cells: (string | Node)[]): HTMLTableRowElement {
  const tr = document.createElement('tr');
  for (const cell of cells) {
    const td = document.createElement('td');
    td.append(cell);
    tr.append(td);
  }
  return tr;
}

function draw(m: AdminMetrics): void {
  for (const [key, value] of [
    ['sockets', m.rooms.sockets],
    ['lag', lag(m)],
    ['errors', errorRate(m)],
  ] as const) {
    history[key].push(value);
    if (history[key].length > SAMPLES) history[key].shift();
  }
  setChart(
    'votes',
    m.votes.perMinute.toFixed(1),
    m.votes.series.map((p) => p.votes),
  );
  setChart('sockets', String(m.rooms.sockets), history.sockets);
  setChart('lag', String(Math.round(lag(m))), history.lag);
  setChart('errors', pct(errorRate(m)), history.errors);
  $('ops-queue-rows')?.replaceChildren(
    ...m.queues.map((q) => row([q.queue, String(q.messages), ms(q.avgLagMs), ms(q.maxLagMs)])),
  );
  $('ops-route-rows')?.replaceChildren(
    ...[...m.routes]
      .sort((a, b) => b.requests - a.requests)
      .slice(0, 15)
      .map((r) => {
        const code = document.createElement('code');
        code.textContent = r.route;
        return row([
          code,
          String(r.requests),
          pct(r.errorRate),
          pct(r.clientErrorRate),
          r.p95AboveHistogram ? '> 5 s' : ms(r.p95Ms),
        ]);
      }),
  );
  const updated = $('ops-updated');
  if (updated) {
    updated.textContent = `${m.at.slice(11, 19)} UTC`;
    updated.setAttribute('datetime', m.at);
  }
}

async function refresh(): Promise<void> {
  const state = $('ops-state');
  try {
    const res = await fetch('/v1/admin/metrics?windowMinutes=5', { headers: { Accept: 'application/json' } });
    if (!res.ok) throw new Error(String(res.status));
    draw((await res.json()) as AdminMetrics);
    if (state) state.textContent = '';
  } catch {
    if (state) state.textContent = '· refresh failed, retrying';
  }
}

if (initial) draw(initial);
setInterval(() => void refresh(), REFRESH_MS);

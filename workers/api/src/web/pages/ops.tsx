/** The operators' page: live charts of the metrics endpoint (client/ops.ts refreshes them every 5 s). */

import type { AdminMetrics } from '#shared/schemas/admin-analytics';
import type { Alert } from '#shared/schemas/alerts';
import type { TraceHop } from '#shared/trace/spans';
import { WEB_ASSETS } from '../assets';
import { TableHead } from '../components';
import { must } from '../internal-api';
import { html, type PageContext, requireMe } from '../render';
import { AlertsSection, TraceSection } from './ops-alerts-traces';

/** The share of 5xx answers over all routes, weighted by requests. */
export function overallErrorRate(metrics: Pick<AdminMetrics, 'routes'>): number {
  const requests = metrics.routes.reduce((n, r) => n + r.requests, 0);
  return requests ? metrics.routes.reduce((n, r) => n + r.errorRate * r.requests, 0) / requests : 0;
}
export const maxQueueLagMs = (metrics: Pick<AdminMetrics, 'queues'>) =>
  Math.max(0, ...metrics.queues.map((q) => q.avgLagMs));

const pct = (share: number) => `${(share * 100).toFixed(2)} %`;
const ms = (value: number | null) => (value === null ? '–' : `${Math.round(value)} ms`);

function Chart({ id, title, value, unit }: { id: string; title: string; value: string; unit: string }) {
  return (
    <figure class="chart" id={`chart-${id}`} aria-labelledby={`chart-${id}-title`}>
      <figcaption id={`chart-${id}-title`}>
        {title}:{' '}
        <span class="value" data-value={id}>
          {value}
        </span>{' '}
        <span class="muted small">{unit}</span>
      </figcaption>
      <svg viewBox="0 0 300 120" preserveAspectRatio="none" role="img" aria-label={`${title} over time`}>
        <polyline data-line={id} fill="none" stroke="#4b2bd1" stroke-width="2" points="" />
      </svg>
    </figure>
  );
}

export async function opsPage(page: PageContext): Promise<Response> {
  const me = requireMe(page);
  const traceParam = page.c.req.query('trace')?.trim().toLowerCase();
  const traceId = traceParam && /^[0-9a-f]{32}$/.test(traceParam) ? traceParam : undefined;
  const [metricsResult, alertsResult, traceResult] = await Promise.all([
    page.api.get<AdminMetrics>('/admin/metrics?windowMinutes=5'),
    page.api.get<{ active: Alert[]; recent: Alert[] }>('/admin/alerts?recentHours=24&limit=20'),
    traceId ? page.api.get<{ hops: TraceHop[] }>(`/admin/traces/${traceId}`) : undefined,
  ]);
  const metrics = must(metricsResult);
  const alertList = must(alertsResult);
  const traceError =
    traceParam && !traceId
      ? 'A trace id is 32 lowercase hex digits.'
      : traceResult && !traceResult.ok
        ? 'No hops are recorded for that trace: it was not sampled, is older than the retention, or is still on its way.'
        : undefined;
  return html(page.c, {
    title: 'Operations',
    me,
    scripts: [WEB_ASSETS.opsScript],
    pageData: metrics,
    children: (
      <>
        <h1>Operations</h1>
        <p class="muted">
          Last {metrics.windowMinutes} minutes · updated{' '}
          <time id="ops-updated" datetime={metrics.at}>
            {metrics.at.slice(11, 19)} UTC
          </time>{' '}
          <span id="ops-state" class="small"></span>
        </p>
        <AlertsSection active={alertList.active} recent={alertList.recent} />
        <TraceSection
          traceId={traceParam}
          hops={traceResult?.ok ? traceResult.data.hops : undefined}
          error={traceError}
        />
        <div class="charts">
          <Chart id="votes" title="Votes per minute" value={metrics.votes.perMinute.toFixed(1)} unit="votes/min" />
          <Chart
            id="sockets"
            title="Open sockets"
            value={String(metrics.rooms.sockets)}
            unit={`in ${metrics.rooms.active} rooms`}
          />
          <Chart
            id="lag"
            title="Queue lag"
            value={String(Math.round(maxQueueLagMs(metrics)))}
            unit="ms (slowest queue, mean)"
          />
          <Chart id="errors" title="Error rate" value={pct(overallErrorRate(metrics))} unit="5xx share" />
        </div>
        <section aria-labelledby="ops-queues">
          <h2 id="ops-queues">Queues</h2>
          <table>
            <TableHead columns={['Queue', 'Messages', 'Mean lag', 'Max lag']} />
            <tbody id="ops-queue-rows">
              {metrics.queues.map((q) => (
                <tr>
                  <td>{q.queue}</td>
                  <td>{q.messages}</td>
                  <td>{ms(q.avgLagMs)}</td>
                  <td>{ms(q.maxLagMs)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
        <section aria-labelledby="ops-routes">
          <h2 id="ops-routes">Busiest routes</h2>
          <table>
            <TableHead columns={['Route', 'Requests', '5xx', '4xx', 'p95']} />
            <tbody id="ops-route-rows">
              {[...metrics.routes]
                .sort((a, b) => b.requests - a.requests)
                .slice(0, 15)
                .map((r) => (
                  <tr>
                    <td>
                      <code>{r.route}</code>
                    </td>
                    <td>{r.requests}</td>
                    <td>{pct(r.errorRate)}</td>
                    <td>{pct(r.clientErrorRate)}</td>
                    <td>{r.p95AboveHistogram ? '> 5 s' : ms(r.p95Ms)}</td>
                  </tr>
                ))}
            </tbody>
          </table>
        </section>
        <section aria-labelledby="ops-shows">
          <h2 id="ops-shows">Busiest shows (last {metrics.topShowsMinutes} minutes)</h2>
          <ul id="ops-show-rows" class="rows">
            {metrics.topShows.map((s) => (
              <li>
                <a href={`/shows/${s.slug ?? s.showId}`}>{s.slug ?? s.showId}</a>
                <span>
                  {s.votes} votes · {s.sockets} sockets
                </span>
              </li>
            ))}
          </ul>
        </section>
      </>
    ),
  });
}

/** The ops page's alerts and trace lookup (docs/operations.md): server-rendered, no script. */

import type { Alert } from '#shared/schemas/alerts';
import type { TraceHop } from '#shared/trace/spans';
import { TableHead } from '../components';

const time = (iso: string | null) => (iso ? `${iso.slice(0, 10)} ${iso.slice(11, 19)}` : '–');

function AlertRows({ alerts, empty }: { alerts: Alert[]; empty: string }) {
  if (!alerts.length) return <p class="muted">{empty}</p>;
  return (
    <table>
      <TableHead columns={['State', 'Severity', 'Rule', 'What', 'Since (UTC)', 'Resolved']} />
      <tbody>
        {alerts.map((a) => (
          <tr data-alert-state={a.state}>
            <td>{a.state}</td>
            <td>{a.severity}</td>
            <td>
              <code>{a.rule}</code>
            </td>
            <td>{a.summary}</td>
            <td>{time(a.firedAt ?? a.startedAt)}</td>
            <td>{time(a.resolvedAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function AlertsSection({ active, recent }: { active: Alert[]; recent: Alert[] }) {
  return (
    <section aria-labelledby="ops-alerts">
      <h2 id="ops-alerts">Alerts</h2>
      <p class="muted small">
        What each rule means and what to do: docs/operations.md, section Alerts. Evaluated every minute.
      </p>
      <h3>Active</h3>
      <AlertRows alerts={active} empty="No alert is pending or firing." />
      <h3>Resolved in the last 24 hours</h3>
      <AlertRows alerts={recent} empty="None." />
    </section>
  );
}

export function TraceSection({
  traceId,
  hops,
  error,
}: {
  traceId: string | undefined;
  hops: TraceHop[] | undefined;
  error: string | undefined;
}) {
  const start = hops?.length ? Date.parse(hops[0]?.startedAt ?? '') : 0;
  return (
    <section aria-labelledby="ops-trace">
      <h2 id="ops-trace">Trace lookup</h2>
      <form method="get" action="/ops">
        <label>
          Trace id (32 hex digits, from a <code>traceparent</code> header, a log line or a WebSocket ack){' '}
          <input name="trace" value={traceId ?? ''} pattern="[0-9a-f]{32}" size={34} required />
        </label>{' '}
        <button type="submit">Show hops</button>
      </form>
      {error ? <p role="alert">{error}</p> : null}
      {hops?.length ? (
        <table id="ops-trace-hops">
          <TableHead columns={['+ms', 'Duration', 'Worker', 'Hop', 'Span / parent', 'Details']} />
          <tbody>
            {hops.map((h) => (
              <tr>
                <td>{Math.round(Date.parse(h.startedAt) - start)}</td>
                <td>{h.durationMs} ms</td>
                <td>{h.service}</td>
                <td>
                  <code>{h.name}</code>
                </td>
                <td class="small">
                  <code>{h.spanId}</code> ← <code>{h.parentSpanId ?? '–'}</code>
                </td>
                <td class="small">
                  {Object.entries(h.attrs)
                    .map(([k, v]) => `${k}=${v}`)
                    .join(' ')}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

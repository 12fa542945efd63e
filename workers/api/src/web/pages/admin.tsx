/** Staff pages: the admin index and the vote anomalies review (discount / restore). */
import type { VoteAnomaly } from '#shared/schemas/admin-analytics';
import { Flash, TableHead } from '../components';
import { failureText, redirectWithCookies, withMessage } from '../forms';
import { must } from '../internal-api';
import { html, type PageContext, requireMe } from '../render';

const RULE_LABEL: Record<VoteAnomaly['rule'], string> = {
  new_account_burst: 'Burst of votes from new accounts',
  shared_network: 'Many accounts on one network',
  rate_spike: 'Vote rate far above the forecast',
};
const utc = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

/** Links to the staff pages this deployment has (each added with its API). */
export const STAFF_PAGES: { href: string; label: string; adminOnly?: boolean }[] = [
  { href: '/ops', label: 'Operations: votes per minute, sockets, queue lag, error rate (live)' },
  { href: '/admin/anomalies', label: 'Vote anomalies: review, discount, restore' },
  { href: '/admin/imports', label: 'Import an artist from Spotify, Ticketmaster and setlist.fm', adminOnly: true },
];

export async function adminIndexPage(page: PageContext): Promise<Response> {
  const me = requireMe(page);
  const links = STAFF_PAGES.filter((p) => !p.adminOnly || me.role === 'admin');
  return html(
    page.c,
    {
      title: 'Staff',
      me,
      children: (
        <>
          <h1>Staff</h1>
          {me.role === 'fan' ? (
            <p>These pages are for moderators and admins.</p>
          ) : (
            <ul class="rows">
              {links.map((p) => (
                <li>
                  <a href={p.href}>{p.label}</a>
                </li>
              ))}
              <li>
                <span>Lock a room or mark songs played: open the show's page.</span>
              </li>
            </ul>
          )}
        </>
      ),
    },
    me.role === 'fan' ? 403 : 200,
  );
}

export async function anomaliesPage(page: PageContext): Promise<Response> {
  const me = requireMe(page);
  const status = page.c.req.query('status');
  const filter = status === 'open' || status === 'discounted' || status === 'restored' ? status : undefined;
  const { items } = must(
    await page.api.get<{ items: VoteAnomaly[] }>(`/admin/anomalies?limit=100${filter ? `&status=${filter}` : ''}`),
  );
  return html(page.c, {
    title: 'Vote anomalies',
    me,
    children: (
      <>
        <h1>Vote anomalies</h1>
        <Flash notice={page.c.req.query('notice')} error={page.c.req.query('error')} />
        <nav aria-label="Filter">
          <ul class="rows filter">
            {(['all', 'open', 'discounted', 'restored'] as const).map((s) => (
              <li>
                <a
                  href={s === 'all' ? '/admin/anomalies' : `/admin/anomalies?status=${s}`}
                  aria-current={(filter ?? 'all') === s ? 'page' : undefined}
                >
                  {s}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        {items.length === 0 ? (
          <p class="muted">No anomalies.</p>
        ) : (
          <table>
            <TableHead columns={['Detected', 'What', 'Show', 'Votes', 'Status', 'Action']} />
            <tbody>
              {items.map((a) => (
                <tr>
                  <td>{utc(a.detectedAt)}</td>
                  <td>
                    {RULE_LABEL[a.rule] ?? a.rule}
                    <br />
                    <span class="muted small">{a.subject}</span>
                  </td>
                  <td>
                    <a href={`/shows/${a.showId}`}>show</a>
                  </td>
                  <td>{a.votes}</td>
                  <td>{a.status}</td>
                  <td>
                    <form
                      method="post"
                      action={`/admin/anomalies/${a.id}/${a.status === 'discounted' ? 'restore' : 'discount'}`}
                    >
                      <button type="submit" class="secondary">
                        {a.status === 'discounted' ? 'Count again' : 'Discount votes'}
                      </button>
                    </form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </>
    ),
  });
}

export async function anomalyReviewSubmit(page: PageContext, decision: 'discount' | 'restore'): Promise<Response> {
  requireMe(page);
  const id = page.c.req.param('id')!;
  const result = await page.api.call<{ votes: number }>(
    decision === 'discount' ? 'POST' : 'DELETE',
    `/admin/anomalies/${encodeURIComponent(id)}/discount`,
  );
  const back = '/admin/anomalies';
  if (!result.ok) return redirectWithCookies(page.c, withMessage(back, 'error', failureText(result)));
  return redirectWithCookies(
    page.c,
    withMessage(
      back,
      'notice',
      decision === 'discount' ? `${result.data.votes} votes discounted.` : `${result.data.votes} votes count again.`,
    ),
  );
}

/** The leaderboards: all fans, or one artist's, over a period (week, month, year, all time). */
import type { Leaderboard } from '#shared/schemas/scoring';
import { TableHead } from '../components';
import { must } from '../internal-api';
import { html, type PageContext } from '../render';

const PERIODS = [
  ['week', 'This week'],
  ['month', 'This month'],
  ['year', 'This year'],
  ['all', 'All time'],
] as const;

export function LeaderboardTable({ board }: { board: Leaderboard }) {
  if (board.items.length === 0) return <p class="muted">No scored shows in this period yet.</p>;
  return (
    <table class="leaderboard">
      <TableHead columns={['Rank', 'Fan', 'Points', 'Shows', 'Songs hit']} />
      <tbody>
        {board.items.map((e) => (
          <tr>
            <td>{e.rank}</td>
            <td>{e.user.displayName}</td>
            <td>{e.points}</td>
            <td>{e.shows}</td>
            <td>{e.songsHit}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export async function leaderboardPage(page: PageContext): Promise<Response> {
  const asked = page.c.req.query('period');
  const period = PERIODS.some(([p]) => p === asked) ? (asked as Leaderboard['period']) : 'all';
  const board = must(await page.api.get<Leaderboard>(`/leaderboard?period=${period}&limit=50`));
  return html(page.c, {
    title: 'Leaderboard',
    me: page.me,
    children: (
      <>
        <h1>Leaderboard</h1>
        <p class="muted">Fans earn points when the songs they voted for are played.</p>
        <nav aria-label="Period">
          <ul class="rows filter">
            {PERIODS.map(([p, label]) => (
              <li>
                <a href={`/leaderboard?period=${p}`} aria-current={p === period ? 'page' : undefined}>
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <LeaderboardTable board={board} />
      </>
    ),
  });
}

/** Small form posts of public pages: follow an artist, lock a room. Each answers with a redirect back. */
import type { ArtistDetail, ShowDetail } from '#shared/schemas/catalog';
import { formFields, redirectWithCookies, withMessage } from '../forms';
import { must } from '../internal-api';
import { type PageContext, requireMe } from '../render';

export async function followSubmit(page: PageContext): Promise<Response> {
  requireMe(page);
  const slug = page.c.req.param('slug')!;
  const back = `/artists/${slug}`;
  const artist = must(await page.api.get<ArtistDetail>(`/artists/${encodeURIComponent(slug)}`));
  const follow = (await formFields(page.c)).follow !== 'false';
  const result = await page.api.call(follow ? 'PUT' : 'DELETE', `/me/follows/${artist.id}`);
  if (!result.ok) return redirectWithCookies(page.c, withMessage(back, 'error', result.message));
  return redirectWithCookies(
    page.c,
    withMessage(back, 'notice', follow ? `You follow ${artist.name}.` : `You no longer follow ${artist.name}.`),
  );
}

export async function lockSubmit(page: PageContext): Promise<Response> {
  requireMe(page);
  const slug = page.c.req.param('slug')!;
  const back = `/shows/${slug}`;
  const show = must(await page.api.get<ShowDetail>(`/shows/${encodeURIComponent(slug)}`));
  const locked = (await formFields(page.c)).locked === 'true';
  const result = await page.api.call('PUT', `/shows/${show.id}/lock`, { locked });
  if (!result.ok) return redirectWithCookies(page.c, withMessage(back, 'error', result.message));
  return redirectWithCookies(page.c, withMessage(back, 'notice', locked ? 'Voting is locked.' : 'Voting is unlocked.'));
}

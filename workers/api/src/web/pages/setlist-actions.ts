/** Moderators' form posts on the show page: mark a song played, undo the last one, finalise and score. */
import type { ShowDetail } from '#shared/schemas/catalog';
import { failureText, formFields, optional, redirectWithCookies, withMessage } from '../forms';
import { must } from '../internal-api';
import { type PageContext, requireMe } from '../render';

async function showOf(page: PageContext): Promise<{ id: string; back: string }> {
  const slug = page.c.req.param('slug')!;
  const show = must(await page.api.get<ShowDetail>(`/shows/${encodeURIComponent(slug)}`));
  return { id: show.id, back: `/shows/${slug}` };
}

export async function markPlayedSubmit(page: PageContext): Promise<Response> {
  requireMe(page);
  const { id, back } = await showOf(page);
  const form = await formFields(page.c);
  const title = optional(form.title);
  const songId = optional(form.songId);
  if (!title && !songId)
    return redirectWithCookies(page.c, withMessage(back, 'error', 'Choose a song or type a title.'));
  const result = await page.api.call<{ position: number; title: string }>(
    'POST',
    `/shows/${id}/played`,
    title ? { title } : { songId },
  );
  if (!result.ok) return redirectWithCookies(page.c, withMessage(back, 'error', failureText(result)));
  return redirectWithCookies(page.c, withMessage(back, 'notice', `${result.data.title} is #${result.data.position}.`));
}

export async function undoPlayedSubmit(page: PageContext): Promise<Response> {
  requireMe(page);
  const { id, back } = await showOf(page);
  const result = await page.api.call('DELETE', `/shows/${id}/played/last`);
  return redirectWithCookies(
    page.c,
    result.ok
      ? withMessage(back, 'notice', 'The last played song is removed.')
      : withMessage(back, 'error', failureText(result)),
  );
}

export async function finalizeSubmit(page: PageContext): Promise<Response> {
  requireMe(page);
  const { id, back } = await showOf(page);
  const result = await page.api.call('POST', `/shows/${id}/actual-setlist/finalize`);
  return redirectWithCookies(
    page.c,
    result.ok
      ? withMessage(back, 'notice', 'The setlist is final and the prediction is scored.')
      : withMessage(back, 'error', failureText(result)),
  );
}

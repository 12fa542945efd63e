/** Admin: import an artist from the music providers, with live progress (client/import.ts polls the import). */
import type { ImportRecord } from '#shared/schemas/ingest';
import { WEB_ASSETS } from '../assets';
import { Flash } from '../components';
import { failureText, formFields, redirectWithCookies, withMessage } from '../forms';
import { must, PageError } from '../internal-api';
import { html, type PageContext, requireMe } from '../render';

export function ImportProgressView({ record }: { record: ImportRecord }) {
  const { artist, catalog, shows } = record.progress;
  const phase = (
    name: string,
    p: { done: boolean; inserted: number; updated: number; unchanged: number } | undefined,
  ) => (
    <li data-phase={name}>
      <strong>{name}</strong>:{' '}
      {p
        ? `${p.done ? 'done' : 'in progress'} · ${p.inserted} new, ${p.updated} updated, ${p.unchanged} unchanged`
        : 'waiting'}
    </li>
  );
  return (
    <div id="import-progress" data-status={record.status} aria-live="polite">
      <p>
        Status: <strong id="import-status">{record.status}</strong>
        {record.error ? <span class="flash error"> {record.error}</span> : null}
      </p>
      <ul class="rows">
        <li data-phase="artist">
          <strong>artist</strong>: {artist ? `${artist.name}${artist.created ? ' (new)' : ''}` : 'waiting'}
        </li>
        {phase('catalogue', catalog)}
        {phase('shows', shows)}
      </ul>
      {record.artistId && record.status === 'done' ? (
        <p>
          <a href={`/artists/${record.artistId}`}>Open the artist</a>
        </p>
      ) : null}
    </div>
  );
}

export async function importFormPage(page: PageContext): Promise<Response> {
  const me = requireMe(page);
  // Only admins may start imports (the API decides; the form is not shown to anyone it would refuse).
  if (me.role !== 'admin')
    throw new PageError({ ok: false, status: 403, code: 'forbidden', message: 'Only admins import artists.' });
  return html(page.c, {
    title: 'Import an artist',
    me,
    children: (
      <section class="narrow">
        <h1>Import an artist</h1>
        <Flash error={page.c.req.query('error')} />
        <p class="muted">
          From Spotify (catalogue), Ticketmaster (shows and venues) and setlist.fm. Importing an artist again only
          updates what changed.
        </p>
        <form method="post" action="/admin/imports" class="stack">
          <label for="import-name">Artist name</label>
          <input id="import-name" name="artistName" type="text" />
          <p class="muted small">or</p>
          <label for="import-spotify">Spotify artist id</label>
          <input id="import-spotify" name="spotifyId" type="text" pattern="[A-Za-z0-9]{10,40}" />
          <button type="submit">Import</button>
        </form>
      </section>
    ),
  });
}

export async function importSubmit(page: PageContext): Promise<Response> {
  requireMe(page);
  const form = await formFields(page.c);
  const spotifyId = form.spotifyId?.trim();
  const body = spotifyId ? { spotifyId } : { artistName: form.artistName?.trim() ?? '' };
  const result = await page.api.call<ImportRecord>('POST', '/admin/imports', body);
  if (!result.ok) return redirectWithCookies(page.c, withMessage('/admin/imports', 'error', failureText(result)));
  return redirectWithCookies(page.c, `/admin/imports/${result.data.id}`);
}

export async function importStatusPage(page: PageContext): Promise<Response> {
  const me = requireMe(page);
  const record = must(
    await page.api.get<ImportRecord>(`/admin/imports/${encodeURIComponent(page.c.req.param('id')!)}`),
  );
  return html(page.c, {
    title: 'Import',
    me,
    scripts: [WEB_ASSETS.importScript],
    pageData: { id: record.id, status: record.status },
    children: (
      <>
        <h1>Import: {'artistName' in record.request ? record.request.artistName : record.request.spotifyId}</h1>
        <ImportProgressView record={record} />
        <p>
          <a href="/admin/imports">Import another artist</a>
        </p>
      </>
    ),
  });
}

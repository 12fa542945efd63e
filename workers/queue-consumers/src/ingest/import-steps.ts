/**
 * An artist import as idempotent steps (docs/ingestion.md):
 *
 *   artist  → resolve the artist on Spotify, Ticketmaster and setlist.fm; upsert it on its external ids
 *   catalog → one page of the Spotify discography (20 albums/singles): songs, upserted on spotify_id, skipped
 *             when the artist already has the recording (same ISRC or same normalised title); a song an admin
 *             changed keeps the admin's values, and one an admin removed is never added again
 *   shows   → one page of Ticketmaster events (50): venues upserted on ticketmaster_id, shows on ticketmaster_id;
 *             a new upcoming show is announced to the artist's followers (recorded in the step's transaction,
 *             sent after it commits), an update or a re-import announces nothing
 *
 * Each step fetches and validates everything first (a malformed payload throws before anything is written),
 * then writes in one transaction under the artist's advisory lock, together with its entry in the import's
 * progress; a step that finds its own entry already there was done before (a redelivery) and writes nothing.
 * Rows are only updated when a value differs, so a re-run over current data leaves every row (and its
 * updated_at) as it was.
 */
import { and, eq, inArray, or, sql } from 'drizzle-orm';
import { artists, type Import, imports, notificationEvents, shows, songs, venues } from '#shared/db/schema';
import { isAnnounceable, notificationEventRow } from '#shared/notifications/trigger';
import type { ImportCreate, ImportProgress, ImportStep } from '#shared/schemas/ingest';
import { slugify } from '#shared/slug';
import { DAY_MS } from '#shared/time';
import { type CatalogueSong, catalogueSongs } from './catalog-filter';
import type { IngestContext, IngestDb } from './context';
import { normaliseTitle, zonedTimeToUtc } from './text';
import type { TicketmasterEvent, TicketmasterVenue } from './ticketmaster';

/** Voting on an imported show opens this long before it starts (as for shows created by hand) and closes at the start. */
const VOTING_DAYS = 30;

type Tx = Parameters<Parameters<IngestDb['transaction']>[0]>[0];
type StoredProgress = ImportProgress & { steps?: string[] };
type Phase = 'catalog' | 'shows';

export class ImportNotFoundError extends Error {
  override readonly name = 'ImportNotFoundError';
}
/** The artist could not be identified on Spotify: the import fails (no retry can fix it). */
export class ArtistNotFoundError extends Error {
  override readonly name = 'ArtistNotFoundError';
}

/** Records a new import; the caller enqueues its first step (`{ step: 'artist' }`). */
export async function createImport(db: IngestDb, request: ImportCreate, requestedBy: string | null): Promise<Import> {
  const [row] = await db.insert(imports).values({ request, requestedBy }).returning();
  return row!;
}

async function lockArtist(tx: Tx, key: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`ingest:${key}`}, 0))`);
}

async function loadImport(db: IngestDb | Tx, importId: string, forUpdate = false): Promise<Import> {
  const query = db.select().from(imports).where(eq(imports.id, importId));
  const [row] = forUpdate ? await query.for('update') : await query;
  if (!row) throw new ImportNotFoundError(`import ${importId} does not exist`);
  return row;
}

const progressOf = (row: Import): StoredProgress => (row.progress ?? {}) as StoredProgress;

/** Writes the step's progress (in the caller's transaction); marks the import done when both phases are. */
async function saveProgress(tx: Tx, row: Import, progress: StoredProgress, stepKey: string): Promise<void> {
  progress.steps = [...(progress.steps ?? []), stepKey];
  const done = progress.catalog?.done === true && progress.shows?.done === true;
  // A failed import stays failed (the other phase may still finish its page): the error is what matters.
  if (row.status === 'failed') {
    await tx.update(imports).set({ progress, updatedAt: new Date() }).where(eq(imports.id, row.id));
    return;
  }
  await tx
    .update(imports)
    .set({
      progress,
      status: done ? 'done' : 'running',
      error: null,
      updatedAt: new Date(),
      ...(done ? { finishedAt: new Date() } : {}),
    })
    .where(eq(imports.id, row.id));
}

export async function markImportFailed(db: IngestDb, importId: string, error: string): Promise<void> {
  await db
    .update(imports)
    .set({ status: 'failed', error: error.slice(0, 1000), updatedAt: new Date(), finishedAt: new Date() })
    .where(eq(imports.id, importId));
}

/** Shows why a step is being retried (the import stays running). */
export async function noteImportRetry(db: IngestDb, importId: string, error: string): Promise<void> {
  await db
    .update(imports)
    .set({ error: `retrying: ${error}`.slice(0, 1000), updatedAt: new Date() })
    .where(eq(imports.id, importId));
}

const exact = (a: string, b: string) => normaliseTitle(a) === normaliseTitle(b);

// ------------------------------------------------------------------ artist

export async function runArtistStep(ctx: IngestContext, importId: string): Promise<ImportStep[]> {
  const row = await loadImport(ctx.db, importId);
  const next: ImportStep[] = [
    { v: 1, step: 'catalog', importId, offset: 0 },
    { v: 1, step: 'shows', importId, page: 0 },
  ];
  if (progressOf(row).artist) return next; // a redelivery: resolved already
  const request = row.request as ImportCreate;

  const spotifyArtist =
    'spotifyId' in request
      ? await ctx.spotify.getArtist(request.spotifyId)
      : await ctx.spotify
          .searchArtists(request.artistName)
          .then((found) => found.find((a) => exact(a.name, request.artistName)) ?? found[0]);
  if (!spotifyArtist) throw new ArtistNotFoundError(`no Spotify artist matches ${JSON.stringify(request)}`);
  const attraction =
    (await ctx.ticketmaster.searchAttractions(spotifyArtist.name)).find((a) => exact(a.name, spotifyArtist.name)) ??
    null;
  let musicbrainzId = attraction?.externalLinks?.musicbrainz?.[0]?.id ?? null;
  if (!musicbrainzId)
    musicbrainzId =
      (await ctx.setlistfm.searchArtists(spotifyArtist.name)).find((a) => exact(a.name, spotifyArtist.name))?.mbid ??
      null;

  const values = {
    name: spotifyArtist.name,
    spotifyId: spotifyArtist.id,
    ticketmasterId: attraction?.id ?? null,
    musicbrainzId,
    genres: spotifyArtist.genres,
    popularity: spotifyArtist.popularity,
    imageUrl: spotifyArtist.images[0]?.url ?? null,
  };
  await ctx.db.transaction(async (tx) => {
    await lockArtist(tx, `spotify:${values.spotifyId}`);
    const current = await loadImport(tx, importId, true);
    const progress = progressOf(current);
    if (progress.artist) return;
    // The same artist may already exist: imported before, or created by hand (no Spotify id yet, same slug).
    const ids = [
      eq(artists.spotifyId, values.spotifyId),
      ...(values.ticketmasterId ? [eq(artists.ticketmasterId, values.ticketmasterId)] : []),
      ...(musicbrainzId ? [eq(artists.musicbrainzId, musicbrainzId)] : []),
    ];
    const baseSlug = slugify(values.name, 80) || `artist-${values.spotifyId.toLowerCase()}`;
    let [existing] = await tx
      .select()
      .from(artists)
      .where(or(...ids))
      .limit(1);
    existing ??= (
      await tx
        .select()
        .from(artists)
        .where(and(eq(artists.slug, baseSlug), sql`${artists.spotifyId} is null`))
        .limit(1)
    )[0];
    let artistId: string;
    let created = false;
    if (existing) {
      artistId = existing.id;
      // Keep a known id when the provider did not return one this time.
      const changes = {
        ...values,
        ticketmasterId: values.ticketmasterId ?? existing.ticketmasterId,
        musicbrainzId: values.musicbrainzId ?? existing.musicbrainzId,
      };
      const differs = (Object.keys(changes) as (keyof typeof changes)[]).some(
        (k) => JSON.stringify(changes[k]) !== JSON.stringify(existing![k]),
      );
      if (differs)
        await tx
          .update(artists)
          .set({ ...changes, updatedAt: new Date() })
          .where(eq(artists.id, existing.id));
    } else {
      const [taken] = await tx.select({ id: artists.id }).from(artists).where(eq(artists.slug, baseSlug)).limit(1);
      const slug = taken ? `${baseSlug}-${values.spotifyId.slice(0, 6).toLowerCase()}` : baseSlug;
      const [inserted] = await tx
        .insert(artists)
        .values({ ...values, slug })
        .returning({ id: artists.id });
      artistId = inserted!.id;
      created = true;
    }
    progress.artist = {
      name: values.name,
      spotifyId: values.spotifyId,
      ticketmasterId: values.ticketmasterId,
      musicbrainzId,
      created,
    };
    await tx.update(imports).set({ artistId }).where(eq(imports.id, importId));
    await saveProgress(tx, current, progress, 'artist');
  });
  ctx.log.info('import: artist resolved', {
    importId,
    spotifyId: values.spotifyId,
    ticketmasterId: values.ticketmasterId,
    musicbrainzId,
  });
  return next;
}

async function importArtist(ctx: IngestContext, row: Import) {
  if (!row.artistId) throw new ImportNotFoundError(`import ${row.id} has no artist yet`);
  const [artist] = await ctx.db.select().from(artists).where(eq(artists.id, row.artistId));
  if (!artist) throw new ImportNotFoundError(`artist ${row.artistId} of import ${row.id} is gone`);
  return artist;
}

type PageCounts = { inserted: number; updated: number; unchanged: number };

/** A phase's counters after one more page that wrote `result`. */
const countPage = <C extends PageCounts & { pages: number }>(counts: C, result: PageCounts): C => ({
  ...counts,
  pages: counts.pages + 1,
  inserted: counts.inserted + result.inserted,
  updated: counts.updated + result.updated,
  unchanged: counts.unchanged + result.unchanged,
});

const emptyCounts = () => ({
  done: false,
  pages: 0,
  inserted: 0,
  updated: 0,
  unchanged: 0,
  next: null as number | null,
});

/**
 * A redelivered step that was done already still passes the chain on (the message that carried the next step
 * may be the one that was lost): the next page after the latest one written, unless that one is done too.
 */
function resumeChain(progress: StoredProgress, phase: Phase, importId: string): ImportStep[] {
  const next = progress[phase]?.next;
  if (next === null || next === undefined || progress.steps?.includes(`${phase}:${next}`)) return [];
  return [
    phase === 'catalog'
      ? { v: 1, step: 'catalog', importId, offset: next }
      : { v: 1, step: 'shows', importId, page: next },
  ];
}

// ------------------------------------------------------------------ catalog

export async function runCatalogStep(ctx: IngestContext, importId: string, offset: number): Promise<ImportStep[]> {
  const stepKey = `catalog:${offset}`;
  const row = await loadImport(ctx.db, importId);
  if (progressOf(row).steps?.includes(stepKey)) return resumeChain(progressOf(row), 'catalog', importId);
  const artist = await importArtist(ctx, row);
  const page = await ctx.spotify.albumsPage(artist.spotifyId!, offset);
  const tracks = await ctx.spotify.albumTracks(page.albums.map((a) => a.id));
  const candidates = catalogueSongs(tracks, artist.spotifyId!);

  const written = await ctx.db.transaction(async (tx) => {
    await lockArtist(tx, `spotify:${artist.spotifyId}`);
    const current = await loadImport(tx, importId, true);
    const progress = progressOf(current);
    if (progress.steps?.includes(stepKey)) return false;
    const counts = { ...(progress.catalog ?? emptyCounts()) };
    const result = await upsertSongs(tx, artist.id, candidates);
    progress.catalog = { ...countPage(counts, result), done: page.nextOffset === null, next: page.nextOffset };
    await saveProgress(tx, current, progress, stepKey);
    return true;
  });
  if (written)
    ctx.log.info('import: catalogue page', { importId, offset, albums: page.albums.length, songs: candidates.length });
  return page.nextOffset === null ? [] : [{ v: 1, step: 'catalog', importId, offset: page.nextOffset }];
}

async function upsertSongs(tx: Tx, artistId: string, candidates: CatalogueSong[]) {
  const result = { inserted: 0, updated: 0, unchanged: 0 };
  if (candidates.length === 0) return result;
  const existing = await tx
    .select()
    .from(songs)
    .where(
      or(
        eq(songs.artistId, artistId),
        inArray(
          songs.spotifyId,
          candidates.map((c) => c.spotifyId),
        ),
      ),
    );
  const bySpotify = new Map(existing.filter((s) => s.spotifyId).map((s) => [s.spotifyId!, s]));
  const byIsrc = new Map(
    existing.filter((s) => s.isrc && s.artistId === artistId).map((s) => [s.isrc!.toUpperCase(), s]),
  );
  const byTitle = new Map(existing.filter((s) => s.artistId === artistId).map((s) => [normaliseTitle(s.title), s]));
  const inserts: (typeof songs.$inferInsert)[] = [];
  for (const c of candidates) {
    const same = bySpotify.get(c.spotifyId);
    if (same) {
      // An admin's change wins over Spotify's values (songs.edited_at); a removed song stays removed.
      if (
        !same.editedAt &&
        (same.title !== c.title || same.album !== c.album || same.durationMs !== c.durationMs || same.isrc !== c.isrc)
      ) {
        await tx
          .update(songs)
          .set({ title: c.title, album: c.album, durationMs: c.durationMs, isrc: c.isrc })
          .where(eq(songs.id, same.id));
        result.updated++;
      } else result.unchanged++;
      continue;
    }
    const recording = (c.isrc ? byIsrc.get(c.isrc) : undefined) ?? byTitle.get(normaliseTitle(c.title));
    if (recording) {
      // The artist has this song already (another release of it, or entered by hand): adopt the Spotify ids once.
      if (!recording.spotifyId) {
        await tx
          .update(songs)
          .set({
            spotifyId: c.spotifyId,
            isrc: recording.isrc ?? c.isrc,
            durationMs: recording.durationMs ?? c.durationMs,
            album: recording.album ?? c.album,
          })
          .where(eq(songs.id, recording.id));
        recording.spotifyId = c.spotifyId;
        result.updated++;
      } else result.unchanged++;
      continue;
    }
    inserts.push({
      artistId,
      title: c.title,
      album: c.album,
      durationMs: c.durationMs,
      spotifyId: c.spotifyId,
      isrc: c.isrc,
    });
  }
  if (inserts.length) await tx.insert(songs).values(inserts);
  result.inserted = inserts.length;
  return result;
}

// ------------------------------------------------------------------ shows

export async function runShowsStep(ctx: IngestContext, importId: string, pageNumber: number): Promise<ImportStep[]> {
  const stepKey = `shows:${pageNumber}`;
  const row = await loadImport(ctx.db, importId);
  if (progressOf(row).steps?.includes(stepKey)) return resumeChain(progressOf(row), 'shows', importId);
  const artist = await importArtist(ctx, row);
  const page = artist.ticketmasterId
    ? await ctx.ticketmaster.eventsPage(artist.ticketmasterId, pageNumber)
    : { events: [], nextPage: null, total: 0 };
  // Events of other attractions can come back for festival bills; keep the artist's own.
  const events = page.events.filter(
    (e) => !e._embedded.attractions || e._embedded.attractions.some((a) => a.id === artist.ticketmasterId),
  );
  const now = ctx.now?.() ?? new Date();

  const announce = await ctx.db.transaction(async (tx) => {
    await lockArtist(tx, `spotify:${artist.spotifyId}`);
    const current = await loadImport(tx, importId, true);
    const progress = progressOf(current);
    if (progress.steps?.includes(stepKey)) return null;
    const counts = { venuesInserted: 0, ...(progress.shows ?? emptyCounts()) };
    const venueIds = await upsertVenues(
      tx,
      events.map((e) => e._embedded.venues[0]!),
    );
    const result = await upsertShows(tx, artist, events, venueIds.ids, now);
    // Recorded with the shows they announce: a crash after the commit cannot lose them (a redelivered step writes
    // nothing, so it would never announce them again); the notifications cron sends any left unsent.
    if (result.announce.length)
      await tx
        .insert(notificationEvents)
        .values(result.announce.map((showId) => notificationEventRow({ kind: 'show_announced', showId })))
        .onConflictDoNothing();
    progress.shows = {
      ...countPage(counts, result),
      venuesInserted: counts.venuesInserted + venueIds.inserted,
      done: page.nextPage === null,
      next: page.nextPage,
    };
    await saveProgress(tx, current, progress, stepKey);
    return result.announce;
  });
  if (announce) {
    ctx.log.info('import: events page', {
      importId,
      page: pageNumber,
      events: events.length,
      announced: announce.length,
    });
    if (announce.length && ctx.announceShows) await ctx.announceShows(announce);
  }
  return page.nextPage === null ? [] : [{ v: 1, step: 'shows', importId, page: page.nextPage }];
}

function venueValues(v: TicketmasterVenue) {
  return {
    name: v.name,
    city: v.city.name,
    country: v.country.countryCode.toUpperCase(),
    timeZone: v.timezone,
    latitude: v.location?.latitude ?? null,
    longitude: v.location?.longitude ?? null,
  };
}

async function upsertVenues(
  tx: Tx,
  list: TicketmasterVenue[],
): Promise<{ ids: Map<string, string>; inserted: number }> {
  const unique = [...new Map(list.map((v) => [v.id, v])).values()];
  const ids = new Map<string, string>();
  if (unique.length === 0) return { ids, inserted: 0 };
  const ticketmasterIds = unique.map((v) => v.id);
  const existing = await tx.select().from(venues).where(inArray(venues.ticketmasterId, ticketmasterIds));
  const known = new Map(existing.map((v) => [v.ticketmasterId!, v]));
  let inserted = 0;
  for (const v of unique) {
    const values = venueValues(v);
    const row = known.get(v.id);
    if (row) {
      ids.set(v.id, row.id);
      if ((Object.keys(values) as (keyof typeof values)[]).some((k) => values[k] !== row[k]))
        await tx.update(venues).set(values).where(eq(venues.id, row.id));
      continue;
    }
    const slug = `${slugify(`${v.name} ${v.city.name}`, 80) || 'venue'}-${slugify(v.id).slice(-6)}`;
    // Another artist's import may add the same venue at the same time: the unique ticketmaster_id decides.
    const [created] = await tx
      .insert(venues)
      .values({ ...values, slug, ticketmasterId: v.id })
      .onConflictDoNothing()
      .returning({ id: venues.id });
    if (created) {
      ids.set(v.id, created.id);
      inserted++;
    } else {
      const [other] = await tx.select({ id: venues.id }).from(venues).where(eq(venues.ticketmasterId, v.id));
      ids.set(v.id, other!.id);
    }
  }
  return { ids, inserted };
}

/** The show's start: Ticketmaster's UTC dateTime, else the local date and time (20:00 when unknown) in the venue's zone. */
export function eventStart(event: TicketmasterEvent): Date {
  if (event.dates.start.dateTime) return new Date(event.dates.start.dateTime);
  const zone = event.dates.timezone ?? event._embedded.venues[0]!.timezone;
  return zonedTimeToUtc(event.dates.start.localDate, event.dates.start.localTime ?? '20:00:00', zone);
}

async function upsertShows(
  tx: Tx,
  artist: typeof artists.$inferSelect,
  events: TicketmasterEvent[],
  venueIds: Map<string, string>,
  now: Date,
) {
  const result = { inserted: 0, updated: 0, unchanged: 0, announce: [] as string[] };
  if (events.length === 0) return result;
  const ticketmasterIds = events.map((e) => e.id);
  const existing = await tx.select().from(shows).where(inArray(shows.ticketmasterId, ticketmasterIds));
  const known = new Map(existing.map((s) => [s.ticketmasterId!, s]));
  for (const event of events) {
    const startsAt = eventStart(event);
    const venueId = venueIds.get(event._embedded.venues[0]!.id)!;
    const cancelled = event.dates.status?.code === 'cancelled';
    const row = known.get(event.id);
    if (row) {
      // Only an upcoming show follows Ticketmaster (a reschedule, a new venue, a cancellation); once live or
      // completed, the show is ours.
      if (row.status !== 'upcoming') {
        result.unchanged++;
        continue;
      }
      const changes: Partial<typeof shows.$inferInsert> = {};
      if (row.startsAt.getTime() !== startsAt.getTime())
        Object.assign(changes, {
          startsAt,
          votingClosesAt: startsAt,
          votingOpensAt: new Date(Math.min(row.votingOpensAt.getTime(), startsAt.getTime())),
        });
      if (row.venueId !== venueId) changes.venueId = venueId;
      if (cancelled) changes.status = 'cancelled';
      if (Object.keys(changes).length) {
        await tx
          .update(shows)
          .set({ ...changes, updatedAt: now })
          .where(eq(shows.id, row.id));
        result.updated++;
      } else result.unchanged++;
      continue;
    }
    const venue = event._embedded.venues[0]!;
    const slug = `${slugify(`${artist.name} ${venue.city.name} ${event.dates.start.localDate}`, 80)}-${slugify(event.id).slice(-6)}`;
    const [show] = await tx
      .insert(shows)
      .values({
        slug,
        artistId: artist.id,
        venueId,
        startsAt,
        status: cancelled ? 'cancelled' : 'upcoming',
        votingOpensAt: new Date(Math.min(startsAt.getTime() - VOTING_DAYS * DAY_MS, now.getTime())),
        votingClosesAt: startsAt,
        ticketmasterId: event.id,
      })
      .returning({ id: shows.id, status: shows.status, startsAt: shows.startsAt });
    result.inserted++;
    if (isAnnounceable(show!, now)) result.announce.push(show!.id);
  }
  return result;
}

export type { Phase };

/** The public, cacheable pages: home, search results, artist, venue. */
import type { z } from 'zod';
import type { ArtistDetail, ArtistList, SimilarArtistList, VenueDetail } from '#shared/schemas/catalog';
import type { Leaderboard } from '#shared/schemas/scoring';
import type { SearchResponse } from '#shared/schemas/search';
import type { ShowList as ShowListBody } from '#shared/schemas/shows';
import type { TrendingArtistList, TrendingShowList } from '#shared/schemas/trending';
import { ArtistCard, ArtistPhoto, Flash, ShowList } from '../components';
import { must } from '../internal-api';
import { html, type PageContext } from '../render';
import { LeaderboardTable } from './leaderboard';

export async function homePage({ c, api, me }: PageContext): Promise<Response> {
  const [trendingShows, trendingArtists] = await Promise.all([
    api.getShared<TrendingShowList>('/trending/shows?limit=8'),
    api.getShared<TrendingArtistList>('/trending/artists?limit=8'),
  ]);
  let shows = trendingShows.ok ? trendingShows.data.items.map((item) => item.show) : [];
  let artists = trendingArtists.ok ? trendingArtists.data.items.map((item) => item.artist) : [];
  // Before the first trending recompute (a new deployment), the soonest shows and the most popular artists.
  const fallbackShows = shows.length === 0 ? api.getShared<ShowListBody>('/shows?status=upcoming&limit=8') : undefined;
  const fallbackArtists =
    artists.length === 0 ? api.getShared<z.infer<typeof ArtistList>>('/artists?sort=popularity&limit=8') : undefined;
  if (fallbackShows) shows = must(await fallbackShows).items;
  if (fallbackArtists) artists = must(await fallbackArtists).items;
  return html(c, {
    title: 'MySetlist',
    description: 'Vote on the setlist of the next concert, live with other fans.',
    me,
    children: (
      <>
        <section class="hero">
          <h1>Predict the setlist. Vote live with other fans.</h1>
          <p class="muted">Pick a show, upvote the songs you expect, and watch the prediction move as fans vote.</p>
        </section>
        <section aria-labelledby="trending-shows">
          <h2 id="trending-shows">Trending shows</h2>
          <ShowList shows={shows} empty="No upcoming shows yet." />
        </section>
        <section aria-labelledby="trending-artists">
          <h2 id="trending-artists">Trending artists</h2>
          {artists.length === 0 ? (
            <p class="muted">No artists yet.</p>
          ) : (
            <ul class="cards">
              {artists.map((artist) => (
                <ArtistCard artist={artist} />
              ))}
            </ul>
          )}
        </section>
      </>
    ),
  });
}

const TYPE_LABEL = { artist: 'Artist', show: 'Show', venue: 'Venue' } as const;
const TYPE_PATH = { artist: 'artists', show: 'shows', venue: 'venues' } as const;

export async function searchPage({ c, api, me }: PageContext): Promise<Response> {
  const q = (c.req.query('q') ?? '').trim();
  if (!q) {
    return html(c, {
      title: 'Search',
      me,
      children: (
        <>
          <h1>Search</h1>
          <p class="muted">Type an artist, a venue or a city in the search box above.</p>
        </>
      ),
    });
  }
  const result = await api.get<SearchResponse>(`/search?q=${encodeURIComponent(q)}&limit=20`);
  if (!result.ok && result.status === 400) {
    return html(
      c,
      {
        title: 'Search',
        me,
        children: (
          <>
            <h1>Search</h1>
            <Flash error={result.message} />
          </>
        ),
      },
      400,
    );
  }
  const { results } = must(result);
  return html(c, {
    title: `Search: ${q}`,
    me,
    children: (
      <>
        <h1>Results for “{q}”</h1>
        {results.length === 0 ? (
          <p class="muted">Nothing matches. Try another spelling or a city.</p>
        ) : (
          <ul class="cards results" data-search-query={q}>
            {results.map((r) => (
              <li class="card">
                <a href={`/${TYPE_PATH[r.type]}/${r.slug}`} data-result-type={r.type} data-result-id={r.id}>
                  <strong>{r.title}</strong>
                  <span class="muted">
                    {TYPE_LABEL[r.type]} · {r.subtitle}
                  </span>
                </a>
              </li>
            ))}
          </ul>
        )}
      </>
    ),
  });
}

export async function artistPage({ c, api, me }: PageContext): Promise<Response> {
  const slug = c.req.param('slug')!;
  const [detail, similarResult, boardResult] = await Promise.all([
    api.getShared<ArtistDetail>(`/artists/${encodeURIComponent(slug)}`),
    api.getShared<z.infer<typeof SimilarArtistList>>(`/artists/${encodeURIComponent(slug)}/similar`),
    api.getShared<Leaderboard>(`/artists/${encodeURIComponent(slug)}/leaderboard?period=all&limit=10`),
  ]);
  const board = boardResult.ok ? boardResult.data : undefined;
  const artist = must(detail);
  // Similar artists are a bonus: the page stands without them.
  const similar = similarResult.ok ? similarResult.data.items.slice(0, 6) : [];
  let following = false;
  if (me) {
    const follows = await api.get<{ items: { id: string }[] }>('/me/follows?limit=100');
    following = follows.ok && follows.data.items.some((a) => a.id === artist.id);
  }
  const albums = new Map<string, string[]>();
  for (const song of artist.songs) {
    const album = song.album ?? 'Singles and other songs';
    albums.set(album, [...(albums.get(album) ?? []), song.title]);
  }
  return html(c, {
    title: artist.name,
    description: `${artist.name}: upcoming shows and setlist predictions on MySetlist.`,
    me,
    children: (
      <>
        <section class="artist-head">
          <ArtistPhoto artist={artist} size={120} />
          <div>
            <h1>{artist.name}</h1>
            <p class="muted">{artist.genres.join(', ') || 'No genres listed'}</p>
            <p class="muted">
              {artist.followerCount} {artist.followerCount === 1 ? 'follower' : 'followers'}
            </p>
            <Flash notice={c.req.query('notice')} error={c.req.query('error')} />
            {me ? (
              <form method="post" action={`/artists/${artist.slug}/follow`}>
                <input type="hidden" name="follow" value={following ? 'false' : 'true'} />
                <button type="submit" aria-pressed={following ? 'true' : 'false'}>
                  {following ? 'Following ✓ (unfollow)' : 'Follow'}
                </button>
              </form>
            ) : (
              <p>
                <a href={`/login?next=${encodeURIComponent(`/artists/${artist.slug}`)}`}>Log in</a> to follow{' '}
                {artist.name}.
              </p>
            )}
          </div>
        </section>
        <section aria-labelledby="upcoming">
          <h2 id="upcoming">Upcoming shows</h2>
          <ShowList shows={artist.upcomingShows} showArtist={false} empty="No upcoming shows." />
        </section>
        <section aria-labelledby="past">
          <h2 id="past">Past shows</h2>
          <ShowList shows={artist.pastShows} showArtist={false} empty="No past shows." />
        </section>
        {board && board.items.length > 0 ? (
          <section aria-labelledby="artist-leaderboard">
            <h2 id="artist-leaderboard">Best predictors of {artist.name}</h2>
            <LeaderboardTable board={board} />
          </section>
        ) : null}
        {similar.length > 0 ? (
          <section aria-labelledby="similar">
            <h2 id="similar">Fans also like</h2>
            <ul class="cards">
              {similar.map((a) => (
                <ArtistCard artist={a} />
              ))}
            </ul>
          </section>
        ) : null}
        <section aria-labelledby="catalogue">
          <h2 id="catalogue">Catalogue</h2>
          {artist.songs.length === 0 ? (
            <p class="muted">No songs yet.</p>
          ) : (
            [...albums].map(([album, titles]) => (
              <details>
                <summary>
                  {album} <span class="muted">({titles.length})</span>
                </summary>
                <ol class="catalogue">
                  {titles.map((title) => (
                    <li>{title}</li>
                  ))}
                </ol>
              </details>
            ))
          )}
        </section>
      </>
    ),
  });
}

export async function venuePage({ c, api, me }: PageContext): Promise<Response> {
  const venue = must(
    await api.getShared<z.infer<typeof VenueDetail>>(`/venues/${encodeURIComponent(c.req.param('slug')!)}`),
  );
  return html(c, {
    title: venue.name,
    me,
    children: (
      <>
        <h1>{venue.name}</h1>
        <p class="muted">
          {venue.city}, {venue.country}
          {venue.capacity ? ` · capacity ${venue.capacity.toLocaleString('en-GB')}` : ''}
        </p>
        <section aria-labelledby="venue-upcoming">
          <h2 id="venue-upcoming">Upcoming shows</h2>
          <ShowList shows={venue.upcomingShows} empty="No upcoming shows here." />
        </section>
      </>
    ),
  });
}

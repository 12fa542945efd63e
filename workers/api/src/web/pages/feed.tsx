import type { z } from 'zod';
import type { FollowedArtist } from '#shared/schemas/catalog';
import type { Recommendations } from '#shared/schemas/ml';
import type { ShowList as ShowListBody } from '#shared/schemas/shows';
import { ArtistCard, ShowList } from '../components';
import { must } from '../internal-api';
import { html, type PageContext, requireMe } from '../render';

/** The artists I follow and their upcoming shows, soonest first. */
export async function feedPage(page: PageContext): Promise<Response> {
  const me = requireMe(page);
  const [feed, follows, recommended] = await Promise.all([
    page.api.get<ShowListBody>('/me/feed?limit=50'),
    page.api.get<{ items: z.infer<typeof FollowedArtist>[] }>('/me/follows?limit=100'),
    page.api.get<z.infer<typeof Recommendations>>('/me/recommendations?limit=6'),
  ]);
  const artists = must(follows).items;
  // Recommendations are a bonus: the feed stands without them.
  const suggestions = recommended.ok ? recommended.data.artists : [];
  return html(page.c, {
    title: 'Your feed',
    me,
    children: (
      <>
        <h1>Your feed</h1>
        <section aria-labelledby="feed-shows">
          <h2 id="feed-shows">Upcoming shows of artists you follow</h2>
          <ShowList shows={must(feed).items} empty="No upcoming shows. Follow artists to see their shows here." />
        </section>
        <section aria-labelledby="feed-artists">
          <h2 id="feed-artists">Artists you follow</h2>
          {artists.length === 0 ? (
            <p class="muted">
              You do not follow anyone yet. <a href="/">Find artists</a>
            </p>
          ) : (
            <ul class="cards">
              {artists.map((artist) => (
                <ArtistCard artist={artist} />
              ))}
            </ul>
          )}
        </section>
        {suggestions.length > 0 ? (
          <section aria-labelledby="feed-recommended">
            <h2 id="feed-recommended">Recommended for you</h2>
            <ul class="cards">
              {suggestions.map((r) => (
                <li class="card artist-card">
                  <a href={`/artists/${r.artist.slug}`}>
                    <span>
                      <strong>{r.artist.name}</strong>
                      <span class="muted small">{r.reason.message}</span>
                    </span>
                  </a>
                </li>
              ))}
            </ul>
          </section>
        ) : null}
      </>
    ),
  });
}

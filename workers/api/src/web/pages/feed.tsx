import type { z } from 'zod';
import type { FollowedArtist } from '../../../../../src/shared/schemas/catalog';
import type { ShowList as ShowListBody } from '../../../../../src/shared/schemas/shows';
import { ArtistCard, ShowList } from '../components';
import { must } from '../internal-api';
import { html, requireMe, type PageContext } from '../render';

/** The artists I follow and their upcoming shows, soonest first. */
export async function feedPage(page: PageContext): Promise<Response> {
  const me = requireMe(page);
  const [feed, follows] = await Promise.all([page.api.get<ShowListBody>('/me/feed?limit=50'), page.api.get<{ items: z.infer<typeof FollowedArtist>[] }>('/me/follows?limit=100')]);
  const artists = must(follows).items;
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
      </>
    ),
  });
}

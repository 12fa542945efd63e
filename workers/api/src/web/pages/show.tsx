/** The show page: details and the predicted setlist, server-rendered; client/show.ts makes it live. */

import type { SetlistView } from '#shared/room-rpc';
import type { ShowDetail } from '#shared/schemas/catalog';
import type { ShowPageData } from '#shared/schemas/pages';
import type { RoomSong } from '#shared/schemas/room';
import type { ShowAccuracyView } from '#shared/schemas/scoring';
import { WEB_ASSETS } from '../assets';
import { ComboboxInput, ComboboxOptions, Flash, StatusBadge, showDate } from '../components';
import { must } from '../internal-api';
import { html, type PageContext } from '../render';

/** The bar's length: a share of the most voted song, as a transform, so that moving bars never move the layout. */
export const barScale = (votes: number, max: number) => (max > 0 ? Math.min(1, votes / max) : 0).toFixed(4);

export function votingNotice(setlist: Pick<SetlistView, 'status' | 'locked' | 'votingOpen'>): string {
  if (setlist.locked) return 'A moderator has locked voting for this show.';
  if (setlist.votingOpen) return 'Voting is open: upvote the songs you expect to hear.';
  if (setlist.status === 'upcoming') return 'Voting is not open right now.';
  return `Voting is closed: this show is ${setlist.status === 'live' ? 'live now' : setlist.status}.`;
}

function SetlistRow({
  song,
  rank,
  max,
  mine,
  canVote,
  playedAt,
}: {
  song: RoomSong;
  rank: number;
  max: number;
  mine: boolean;
  canVote: boolean;
  playedAt: number | undefined;
}) {
  return (
    <li
      class={['song', mine ? 'mine' : '', playedAt ? 'played' : ''].filter(Boolean).join(' ')}
      data-id={song.setlistSongId}
      data-votes={String(song.votes)}
    >
      <span class="rank" aria-hidden="true">
        {rank}
      </span>
      <span class="title">
        <span class="t">{song.title}</span>
        <span class="played-mark">{playedAt ? ` · played #${playedAt}` : ''}</span>
      </span>
      <span class="count">
        <span class="n">{song.votes}</span>
        <span class="visually-hidden"> votes</span>
      </span>
      <span class="bar" aria-hidden="true">
        <span style={`transform:scaleX(${barScale(song.votes, max)})`}></span>
      </span>
      <button
        type="button"
        class="vote"
        data-vote=""
        aria-pressed={mine ? 'true' : 'false'}
        aria-label={mine ? `Take back your vote for ${song.title}` : `Upvote ${song.title}`}
        disabled={!canVote}
        hidden
      >
        {mine ? '✓ Voted' : '▲ Vote'}
      </button>
    </li>
  );
}

export async function showPage({ c, api, me }: PageContext): Promise<Response> {
  const show = must(await api.getShared<ShowDetail>(`/shows/${encodeURIComponent(c.req.param('slug')!)}`));
  const setlist = must(await api.get<SetlistView>(`/shows/${show.id}/setlist`));
  // The show detail carries the actual setlist (with its revision): no request of its own.
  const actual = show.actualSetlist;
  const accuracy =
    actual.state === 'final' ? await api.getShared<ShowAccuracyView>(`/shows/${show.id}/accuracy`) : undefined;
  const score = accuracy?.ok ? accuracy.data : undefined;
  const playedAt = new Map(
    actual.songs.flatMap((p) => (p.setlistSongId ? [[p.setlistSongId, p.position] as const] : [])),
  );
  const mine = new Set(setlist.myVotes);
  const max = Math.max(0, ...setlist.songs.map((s) => s.votes));
  const canVote = Boolean(me) && setlist.votingOpen;
  const canModerate = me?.role === 'moderator' || me?.role === 'admin';
  const data: ShowPageData = { showId: show.id, artistId: show.artist.id, signedIn: Boolean(me), seq: setlist.seq };
  const title = `${show.artist.name} at ${show.venue.name}`;
  return html(c, {
    title,
    description: `The predicted setlist for ${title}, voted live by fans.`,
    me,
    scripts: [WEB_ASSETS.showScript],
    pageData: data,
    children: (
      <>
        <section class="show-head">
          <h1>
            <a href={`/artists/${show.artist.slug}`}>{show.artist.name}</a>
            <span class="muted"> at </span>
            <a href={`/venues/${show.venue.slug}`}>{show.venue.name}</a>
          </h1>
          <p>
            <time datetime={show.startsAt}>{showDate(show.startsAt, show.venue.timeZone)}</time> · {show.venue.city},{' '}
            {show.venue.country}{' '}
            <span id="show-status">
              <StatusBadge status={setlist.status} />
            </span>
          </p>
        </section>
        <Flash notice={c.req.query('notice')} error={c.req.query('error')} />
        <section aria-labelledby="predicted" class="predicted">
          <div class="section-head">
            <h2 id="predicted">Predicted setlist</h2>
            <p class="live-state" id="live-state" role="status" data-state="static">
              <span class="dot" aria-hidden="true"></span>
              <span id="live-label">Counts as of loading this page</span>
              <span class="viewers">
                · <span id="viewers">–</span> watching
              </span>
            </p>
          </div>
          <p id="voting-notice" class="notice-line">
            {votingNotice(setlist)}
          </p>
          {me ? null : (
            <p>
              <a href={`/login?next=${encodeURIComponent(`/shows/${show.slug}`)}`}>Log in</a> to vote and add songs.
            </p>
          )}
          <noscript>
            <p class="muted">Turn on JavaScript to vote and to see votes arrive live.</p>
          </noscript>
          <p id="vote-error" class="flash error" role="alert" hidden></p>
          {setlist.songs.length === 0 ? (
            <p id="setlist-empty" class="muted">
              No songs on the predicted setlist yet.
            </p>
          ) : null}
          <ol
            id="setlist"
            class="setlist"
            aria-label="Predicted setlist, most voted first"
            data-can-vote={canVote ? 'true' : 'false'}
          >
            {setlist.songs.map((song, i) => (
              <SetlistRow
                song={song}
                rank={i + 1}
                max={max}
                mine={mine.has(song.setlistSongId)}
                canVote={canVote}
                playedAt={playedAt.get(song.setlistSongId)}
              />
            ))}
          </ol>
          <div id="vote-announcer" class="visually-hidden" aria-live="polite" aria-atomic="true"></div>
          {me ? (
            <form id="add-song" class="add-song" hidden={!setlist.votingOpen}>
              <label for="add-song-input">Add a song from {show.artist.name}’s catalogue</label>
              <ComboboxInput id="add-song-input" placeholder="Start typing a song title" listId="add-song-options" />
              <ComboboxOptions listId="add-song-options" label="Songs" />
            </form>
          ) : null}
        </section>
        <section aria-labelledby="actual-title" id="actual" hidden={actual.songs.length === 0}>
          <h2 id="actual-title">{actual.state === 'final' ? 'Actual setlist' : 'Played so far'}</h2>
          <ol id="played-list" class="played-list">
            {actual.songs.map((p) => (
              <li data-position={String(p.position)}>{p.title}</li>
            ))}
          </ol>
        </section>
        <section aria-labelledby="result-title" id="result" class="panel" hidden={!score} aria-live="polite">
          <h2 id="result-title">How good was the prediction?</h2>
          <p>
            Score <strong id="result-score">{score ? score.score.toFixed(0) : ''}</strong> / 100 ·{' '}
            <span id="result-hits">{score ? score.hits : ''}</span> of the{' '}
            <span id="result-played">{score ? score.played : ''}</span> songs played were in the fans' top{' '}
            <span id="result-top">{score ? score.topN : ''}</span>
          </p>
          <p class="muted small">
            Precision <span id="result-precision">{score ? `${Math.round(score.precision * 100)} %` : ''}</span> ·
            recall <span id="result-recall">{score ? `${Math.round(score.recall * 100)} %` : ''}</span>
          </p>
        </section>
        {canModerate ? (
          <section aria-labelledby="moderation" class="moderation">
            <h2 id="moderation">Moderation</h2>
            <form method="post" action={`/shows/${show.slug}/lock`}>
              <input type="hidden" name="locked" value={setlist.locked ? 'false' : 'true'} />
              <button type="submit">{setlist.locked ? 'Unlock voting' : 'Lock voting'}</button>
            </form>
            {actual.state !== 'final' ? (
              <>
                <form method="post" action={`/shows/${show.slug}/played`} class="stack">
                  <label for="played-song">Mark a song of the setlist as played</label>
                  <select id="played-song" name="songId">
                    <option value="">Choose a song…</option>
                    {setlist.songs.map((s) => (
                      <option value={s.songId}>{s.title}</option>
                    ))}
                  </select>
                  <label for="played-title">or type any title (a cover, a new song)</label>
                  <input id="played-title" name="title" type="text" maxlength={200} />
                  <button type="submit">Mark played</button>
                </form>
                {actual.songs.length > 0 ? (
                  <>
                    <form method="post" action={`/shows/${show.slug}/played/undo`}>
                      <button type="submit" class="secondary">
                        Undo the last played song
                      </button>
                    </form>
                    <form method="post" action={`/shows/${show.slug}/finalize`}>
                      <button type="submit">Finalise the setlist and score the prediction</button>
                    </form>
                  </>
                ) : null}
              </>
            ) : null}
          </section>
        ) : null}
      </>
    ),
  });
}

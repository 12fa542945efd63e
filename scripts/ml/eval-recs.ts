/**
 * npm run ml:eval-recs [-- --scale N] [--seed S] [--now ISO] [--users N] [--holdout 0.25]
 *
 * Offline evaluation of the recommendations (workers/api/src/recommend/): seeds a fresh in-memory PGlite with the
 * demo data, hides part of each fan's follows (the held-out split: a deterministic 25% of the follows of every
 * fan with at least 4, plus that fan's votes at those artists' shows, which would give them away), refreshes the
 * artist similarity on what is left with the cron's own statement, and asks the real recommend() for each
 * evaluated fan. precision@10 = held-out artists among the 10 recommended / 10, against two baselines given
 * the same training data: the most followed artists, and the most popular artists of the fan's genres.
 */
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { rowsOf } from '../../workers/api/src/db/sql-runner';
import { recommend } from '../../workers/api/src/recommend/recommend';
import { refreshArtistSimilarity } from '../../workers/api/src/recommend/similarity';
import { DEFAULT_NOW, openDemoDb } from './demo-db';
import { round } from './metrics';

const K = 10;

interface Score {
  precision: number;
  recall: number;
  hit: number;
}

function scoreOf(recommended: string[], heldOut: Set<string>): Score {
  const hits = recommended.slice(0, K).filter((id) => heldOut.has(id)).length;
  return { precision: hits / K, recall: hits / heldOut.size, hit: hits > 0 ? 1 : 0 };
}

async function main() {
  const { values } = parseArgs({
    options: {
      scale: { type: 'string', default: '1' },
      seed: { type: 'string', default: '1' },
      now: { type: 'string', default: DEFAULT_NOW },
      users: { type: 'string', default: '500' },
      holdout: { type: 'string', default: '0.25' },
    },
  });
  const scale = Number(values.scale);
  const seed = Number(values.seed);
  const now = new Date(values.now);
  const maxUsers = Number(values.users);
  const holdout = Number(values.holdout);
  if (
    !(scale > 0) ||
    !Number.isInteger(seed) ||
    Number.isNaN(now.getTime()) ||
    !(maxUsers > 0) ||
    !(holdout > 0 && holdout < 1)
  ) {
    throw new Error('usage: --scale N --seed S --now ISO-DATE --users N --holdout F (0..1)');
  }
  const command = `npm run ml:eval-recs -- --scale ${scale} --seed ${seed} --now ${now.toISOString()} --users ${maxUsers} --holdout ${holdout}`;
  const started = Date.now();
  const demo = await openDemoDb({ scale, seed, now });
  const { db } = demo;
  try {
    // The held-out split, chosen by a hash so that it is the same on every run.
    await db.execute(sql`
      create temporary table held_out as
      select user_id, artist_id from (
        select user_id, artist_id, count(*) over (partition by user_id) as n,
               row_number() over (partition by user_id order by md5(user_id::text || artist_id::text || ${seed}::text)) as r
        from follows
      ) f
      where n >= 4 and r <= greatest(1, floor(n * ${holdout}::float8))`);
    await db.execute(
      sql`delete from follows f using held_out h where f.user_id = h.user_id and f.artist_id = h.artist_id`,
    );
    await db.execute(sql`
      delete from votes v using shows s, held_out h
      where s.id = v.show_id and h.user_id = v.user_id and h.artist_id = s.artist_id`);
    const similarity = await refreshArtistSimilarity(db);

    const held = await rowsOf<{ user_id: string; artist_id: string }>(db, sql`select user_id, artist_id from held_out`);
    const heldByUser = new Map<string, Set<string>>();
    for (const r of held) heldByUser.set(r.user_id, (heldByUser.get(r.user_id) ?? new Set()).add(r.artist_id));
    const users = [...heldByUser.keys()].sort().slice(0, maxUsers);

    const follows = await rowsOf<{ user_id: string; artist_id: string }>(
      db,
      sql`select user_id, artist_id from follows`,
    );
    const followedBy = new Map<string, Set<string>>();
    const followerCount = new Map<string, number>();
    for (const f of follows) {
      followedBy.set(f.user_id, (followedBy.get(f.user_id) ?? new Set()).add(f.artist_id));
      followerCount.set(f.artist_id, (followerCount.get(f.artist_id) ?? 0) + 1);
    }
    const artists = await rowsOf<{ id: string; genres: string[]; popularity: number }>(
      db,
      sql`select id, genres, popularity from artists`,
    );
    const genresOf = new Map(artists.map((a) => [a.id, a.genres]));
    const byFollowers = [...artists].sort(
      (a, b) => (followerCount.get(b.id) ?? 0) - (followerCount.get(a.id) ?? 0) || a.id.localeCompare(b.id),
    );
    const byPopularity = [...artists].sort((a, b) => b.popularity - a.popularity || a.id.localeCompare(b.id));

    const totals = { cf: [] as Score[], popular: [] as Score[], genre: [] as Score[] };
    let collaborative = 0;
    for (const userId of users) {
      const heldOut = heldByUser.get(userId)!;
      const mine = followedBy.get(userId) ?? new Set<string>();
      const result = await recommend(db, userId, { limit: K, artistsOnly: true });
      if (result.basis === 'collaborative') collaborative++;
      totals.cf.push(
        scoreOf(
          result.artists.map((a) => a.artist.id),
          heldOut,
        ),
      );
      totals.popular.push(
        scoreOf(
          byFollowers.filter((a) => !mine.has(a.id)).map((a) => a.id),
          heldOut,
        ),
      );
      const liked = new Set([...mine].flatMap((id) => genresOf.get(id) ?? []));
      totals.genre.push(
        scoreOf(
          byPopularity.filter((a) => !mine.has(a.id) && a.genres.some((g) => liked.has(g))).map((a) => a.id),
          heldOut,
        ),
      );
    }
    const mean = (scores: Score[], key: keyof Score) => scores.reduce((s, x) => s + x[key], 0) / scores.length;
    const rows: [string, Score[]][] = [
      ['item-item CF (recommend(), as served)', totals.cf],
      ['baseline: most followed artists', totals.popular],
      ["baseline: most popular in the fan's genres", totals.genre],
    ];
    console.log(`recommendations evaluation — ${command}`);
    console.log(
      `fans evaluated ${users.length} (of ${heldByUser.size} with held-out follows); held-out follows ${held.length}; ` +
        `artist_similarity rows ${similarity.rows} (refresh ${similarity.elapsedMs} ms); CF basis for ${collaborative}/${users.length}`,
    );
    console.log(`${'recommender'.padEnd(44)}  precision@${K}  recall@${K}  hit rate`);
    for (const [name, scores] of rows) {
      console.log(
        `${name.padEnd(44)}  ${String(round(mean(scores, 'precision'), 4)).padStart(12)}  ${String(round(mean(scores, 'recall'), 4)).padStart(9)}  ${String(round(mean(scores, 'hit'), 4)).padStart(8)}`,
      );
    }
    console.log(`${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await demo.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});

/**
 * npm run ml:train-forecast [-- --scale N] [--seed S] [--now ISO] [--holdout 0.2] [--dry-run]
 *
 * Trains the show popularity forecast (workers/api/src/forecast/model.ts) on the demo data: seeds a fresh in-memory
 * PGlite (scripts/seed), reads every completed show's features as of its voting close (the same statement the
 * workers use) and its final vote count, fits the Poisson regression on the older shows, and measures it on the
 * newest ones (a time split: the model is judged on shows later than any it saw) against two naive baselines:
 * the training mean, and the artist's own training mean. Writes workers/api/src/forecast/model.json unless --dry-run.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { readShowFeatures, type ShowFeatureRow } from '../../workers/api/src/forecast/features';
import {
  designRow,
  FORECAST_TERMS,
  type ForecastModel,
  type ForecastTerm,
  type ForecastVariantName,
  predictVotes,
} from '../../workers/api/src/forecast/model';
import { DEFAULT_NOW, openDemoDb } from './demo-db';
import { type RegressionErrors, regressionErrors, round } from './metrics';
import { fitPoisson } from './poisson';

const MODEL_PATH = new URL('../../workers/api/src/forecast/model.json', import.meta.url);
const VARIANT_TERMS: Record<ForecastVariantName, ForecastTerm[]> = {
  prior: ['intercept', 'popularity', 'popularitySquared', 'logFollowers', 'logCapacity', 'weekend'],
  early: ['intercept', 'popularity', 'popularitySquared', 'logFollowers', 'logCapacity', 'weekend', 'logEarlyVotes'],
};

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 1;
}

function table(rows: (string | number)[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  return rows
    .map((r) => r.map((v, c) => (c === 0 ? String(v).padEnd(widths[c]!) : String(v).padStart(widths[c]!))).join('  '))
    .join('\n');
}

async function main() {
  const { values } = parseArgs({
    options: {
      scale: { type: 'string', default: '2' },
      seed: { type: 'string', default: '1' },
      now: { type: 'string', default: DEFAULT_NOW },
      holdout: { type: 'string', default: '0.2' },
      'dry-run': { type: 'boolean', default: false },
    },
  });
  const scale = Number(values.scale);
  const seed = Number(values.seed);
  const now = new Date(values.now);
  const holdout = Number(values.holdout);
  if (!(scale > 0) || !Number.isInteger(seed) || Number.isNaN(now.getTime()) || !(holdout > 0 && holdout < 1)) {
    throw new Error('usage: --scale N (>0) --seed S (integer) --now ISO-DATE --holdout F (0..1)');
  }
  const command = `npm run ml:train-forecast -- --scale ${scale} --seed ${seed} --now ${now.toISOString()} --holdout ${holdout}`;
  const started = Date.now();
  const demo = await openDemoDb({ scale, seed, now });
  let rows: ShowFeatureRow[];
  try {
    // Shows whose voting is over and that took place: their vote count is final.
    rows = await readShowFeatures(
      demo.db,
      sql`s.status = 'completed' and s.voting_closes_at <= ${now.toISOString()}::timestamptz`,
      'close',
      true,
    );
  } finally {
    await demo.close();
  }
  rows.sort((a, b) => a.votingClosesAt.getTime() - b.votingClosesAt.getTime() || a.showId.localeCompare(b.showId));
  const cut = Math.round(rows.length * (1 - holdout));
  const train = rows.slice(0, cut);
  const test = rows.slice(cut);

  const defaultCapacity = median(train.flatMap((r) => (r.venueCapacity ? [r.venueCapacity] : [])));
  const model: ForecastModel = {
    version: '',
    kind: 'poisson-regression',
    trainedAt: new Date().toISOString(),
    defaultCapacity,
    variants: { prior: { coefficients: {} }, early: { coefficients: {} } },
    training: {},
    evaluation: {},
  };
  const fits: Record<string, { iterations: number; converged: boolean }> = {};
  for (const variant of ['prior', 'early'] as const) {
    const terms = VARIANT_TERMS[variant];
    const x = train.map((r) => {
      const row = designRow(model, r);
      return terms.map((t) => row[t]);
    });
    const fit = fitPoisson(
      x,
      train.map((r) => r.votes),
    );
    if (!fit.converged) throw new Error(`${variant}: IRLS did not converge in ${fit.iterations} iterations`);
    fits[variant] = { iterations: fit.iterations, converged: fit.converged };
    model.variants[variant].coefficients = Object.fromEntries(terms.map((t, j) => [t, round(fit.coefficients[j]!, 6)]));
  }

  // Held-out error: the model with and without early votes, and the baselines, on the same test shows.
  const actual = test.map((r) => r.votes);
  const trainMean = train.reduce((s, r) => s + r.votes, 0) / train.length;
  const byArtist = new Map<string, { sum: number; n: number }>();
  for (const r of train) {
    const a = byArtist.get(r.artistId) ?? { sum: 0, n: 0 };
    a.sum += r.votes;
    a.n++;
    byArtist.set(r.artistId, a);
  }
  const artistMean = (r: ShowFeatureRow) => {
    const a = byArtist.get(r.artistId);
    return a ? a.sum / a.n : trainMean;
  };
  const evaluation: Record<string, RegressionErrors> = {
    'baseline: training mean': regressionErrors(
      actual,
      test.map(() => trainMean),
    ),
    "baseline: artist's training mean": regressionErrors(actual, test.map(artistMean)),
    'model prior (no votes yet)': regressionErrors(
      actual,
      test.map((r) => predictVotes(model, { ...r, earlyVotes: null }).predictedVotes),
    ),
    [`model early (+ votes of the first days)`]: regressionErrors(
      actual,
      test.map((r) => predictVotes(model, r).predictedVotes),
    ),
  };
  const rounded = Object.fromEntries(
    Object.entries(evaluation).map(([k, e]) => [
      k,
      { n: e.n, mae: round(e.mae, 2), rmse: round(e.rmse, 2), mape: round(e.mape, 4) },
    ]),
  );
  const day = now.toISOString().slice(0, 10);
  model.version = `forecast-poisson-s${seed}x${scale}-${day}`;
  model.training = {
    command,
    data: `demo seed ${seed}, scale ${scale}, now ${now.toISOString()}`,
    shows: rows.length,
    trainShows: train.length,
    testShows: test.length,
    split: `time: the newest ${Math.round(holdout * 100)}% of completed shows (by voting close) are held out`,
    fits,
  };
  model.evaluation = rounded;

  console.log(`forecast training — ${command}`);
  console.log(
    `completed shows ${rows.length}: train ${train.length}, held out ${test.length} (newest); mean final votes ${round(trainMean, 1)}`,
  );
  console.log(
    table([
      ['model (held-out shows)', 'MAE', 'RMSE', 'MAPE'],
      ...Object.entries(rounded).map(([k, e]) => [k, e.mae, e.rmse, `${round(e.mape * 100, 1)}%`]),
    ]),
  );
  console.log('coefficients (log link):');
  for (const variant of ['prior', 'early'] as const) {
    console.log(
      `  ${variant.padEnd(5)} ${FORECAST_TERMS.filter((t) => t in model.variants[variant].coefficients)
        .map((t) => `${t}=${model.variants[variant].coefficients[t]}`)
        .join(' ')}`,
    );
  }
  console.log(`model ${model.version}; ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (!values['dry-run']) {
    writeFileSync(MODEL_PATH, `${JSON.stringify(model, null, 2)}\n`);
    console.log(`wrote ${MODEL_PATH.pathname}`);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});

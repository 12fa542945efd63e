/**
 * The show popularity model: a Poisson regression (log link) of a show's final vote count on features known
 * before or early in its voting window, trained offline by `npm run ml:train-forecast` (scripts/ml/) and stored
 * as versioned JSON beside this file. Two variants share the features: `prior` (before the voting window is
 * OPENING_DAYS old) and `early`, which also sees the votes of the window's first OPENING_DAYS (early velocity).
 * See docs/ml.md for the features, the training and the measured error.
 */
import { z } from 'zod';
import modelJson from './model.json';

/** The early-velocity window: votes cast in the first days after voting opens. */
export const OPENING_DAYS = 3;

export const FORECAST_TERMS = [
  'intercept',
  'popularity',
  'popularitySquared',
  'logFollowers',
  'logCapacity',
  'weekend',
  'logEarlyVotes',
] as const;
export type ForecastTerm = (typeof FORECAST_TERMS)[number];
export type ForecastVariantName = 'prior' | 'early';

const Coefficients = z.partialRecord(z.enum(FORECAST_TERMS), z.number());
export const ForecastModelSchema = z.object({
  version: z.string(),
  kind: z.literal('poisson-regression'),
  trainedAt: z.string(),
  /** Substituted when a venue has no capacity on record: the training set's median. */
  defaultCapacity: z.number().positive(),
  variants: z.object({
    prior: z.object({ coefficients: Coefficients }),
    early: z.object({ coefficients: Coefficients }),
  }),
  training: z.record(z.string(), z.unknown()),
  evaluation: z.record(z.string(), z.unknown()),
});
export type ForecastModel = z.infer<typeof ForecastModelSchema>;

/** The raw facts about a show the model reads (as stored; `earlyVotes` null while the window is younger than OPENING_DAYS). */
export interface ShowFeatures {
  /** Artist popularity, 0..100. */
  popularity: number;
  /** Followers of the artist at prediction time. */
  followers: number;
  venueCapacity: number | null;
  /** ISO day of week of the show in the venue's zone, 1 = Monday … 7 = Sunday. */
  weekday: number;
  /** Votes cast in the first OPENING_DAYS of the voting window, once that window has passed. */
  earlyVotes: number | null;
}

/** The model's inputs, derived from the raw features (what the coefficients multiply). */
export function designRow(model: ForecastModel, f: ShowFeatures): Record<ForecastTerm, number> {
  const p = f.popularity / 100;
  return {
    intercept: 1,
    popularity: p,
    popularitySquared: p * p,
    logFollowers: Math.log1p(f.followers),
    logCapacity: Math.log(f.venueCapacity && f.venueCapacity > 0 ? f.venueCapacity : model.defaultCapacity),
    // Friday and Saturday nights draw bigger crowds.
    weekend: f.weekday === 5 || f.weekday === 6 ? 1 : 0,
    logEarlyVotes: Math.log1p(f.earlyVotes ?? 0),
  };
}

export interface Prediction {
  variant: ForecastVariantName;
  predictedVotes: number;
}

export function predictVotes(model: ForecastModel, f: ShowFeatures): Prediction {
  const variant: ForecastVariantName = f.earlyVotes === null ? 'prior' : 'early';
  const x = designRow(model, f);
  const { coefficients } = model.variants[variant];
  let eta = 0;
  for (const term of FORECAST_TERMS) eta += (coefficients[term] ?? 0) * x[term];
  return { variant, predictedVotes: Math.exp(eta) };
}

/** The model the workers serve (the committed JSON, validated once at load). */
export const FORECAST_MODEL: ForecastModel = ForecastModelSchema.parse(modelJson);

/** Wire schemas of the machine-learning endpoints: show forecasts and recommendations (docs/ml.md). */
import { z } from 'zod';
import { ArtistSummary } from './catalog';
import { Uuid } from './common';
import { ShowSummary } from './shows';

export const ShowIdParams = z.object({ showId: Uuid });

export const ForecastFeatures = z
  .object({
    popularity: z.number().int().describe("The artist's popularity, 0..100."),
    followers: z.number().int().describe("The artist's followers now."),
    venueCapacity: z
      .number()
      .int()
      .nullable()
      .describe("The venue's capacity; the model uses the training median when unknown."),
    weekday: z
      .number()
      .int()
      .min(1)
      .max(7)
      .describe("ISO day of week of the show in the venue's zone (1 = Monday; 5, 6 = Friday, Saturday)."),
    earlyVotes: z
      .number()
      .int()
      .nullable()
      .describe('Votes cast in the first 3 days of voting; null until those days are over.'),
    daysToShow: z.number().describe('Days from now to the start of the show (context, not a model input).'),
  })
  .meta({ id: 'ForecastFeatures' });

export const ShowForecast = z
  .object({
    showId: Uuid,
    predictedVotes: z.number().describe("Predicted final number of votes on the show's predicted setlist."),
    predictedVotesPerMinute: z.number().describe('predictedVotes spread evenly over the voting window.'),
    variant: z
      .enum(['prior', 'early'])
      .describe('prior: before the first 3 days of voting are over; early: also uses their votes.'),
    modelVersion: z.string(),
    features: ForecastFeatures,
    computedAt: z.string(),
  })
  .meta({ id: 'ShowForecast' });
export type ShowForecast = z.infer<typeof ShowForecast>;

export const RecommendationReason = z
  .object({
    kind: z
      .enum(['similar_fans', 'genre', 'popular'])
      .describe(
        'similar_fans: fans of an artist you follow or voted for also follow or vote for this one; genre: popular in a genre you like; popular: popular overall (nothing known about you yet).',
      ),
    because: z
      .object({ id: Uuid, slug: z.string(), name: z.string() })
      .nullable()
      .describe('The artist of yours this comes from (similar_fans).'),
    genre: z.string().nullable(),
    message: z.string(),
  })
  .meta({ id: 'RecommendationReason' });
export type RecommendationReason = z.infer<typeof RecommendationReason>;

export const RecommendedArtist = z
  .object({ artist: ArtistSummary, score: z.number(), reason: RecommendationReason })
  .meta({ id: 'RecommendedArtist' });
export const RecommendedShow = z
  .object({ show: ShowSummary, score: z.number(), reason: RecommendationReason })
  .meta({ id: 'RecommendedShow' });

export const RecommendationsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(50).default(10),
  genres: z
    .string()
    .max(300)
    .optional()
    .describe('Comma-separated genres you like (e.g. chosen at sign-up): used when nothing else is known about you.'),
});

export const Recommendations = z
  .object({
    basis: z.enum(['collaborative', 'genre', 'popular']).describe('What the artist list mostly rests on.'),
    artists: z.array(RecommendedArtist),
    shows: z.array(RecommendedShow),
  })
  .meta({ id: 'Recommendations' });
export type Recommendations = z.infer<typeof Recommendations>;

import { z } from 'zod';
import { cursorPage, PageQuery, Uuid } from './common';
import { ShowSummary } from './shows';

export const TrendingQuery = PageQuery;

/** One term of a trending score: `points = weight × Σ 0.5^(ageHours / halfLifeHours)` over `events`. */
export const TrendingComponent = z
  .object({
    /** How many events of this kind fell in the look-back window. */
    events: z.number().int(),
    /** Points per brand-new event of this kind. */
    weight: z.number(),
    /** This term's share of the score, after decay. The terms add up to `score`. */
    points: z.number(),
  })
  .meta({ id: 'TrendingComponent' });
export type TrendingComponent = z.infer<typeof TrendingComponent>;

/** The formula behind every score, so a client can explain a rank. */
export const TrendingFormula = z
  .object({
    expression: z.string(),
    halfLifeHours: z.number(),
    lookbackDays: z.number(),
    weights: z.object({ vote: z.number(), addition: z.number(), follow: z.number(), view: z.number() }),
  })
  .meta({ id: 'TrendingFormula' });

export const ShowTrendingComponents = z
  .object({ votes: TrendingComponent, additions: TrendingComponent, views: TrendingComponent })
  .meta({ id: 'ShowTrendingComponents' });
export const ArtistTrendingComponents = z
  .object({
    votes: TrendingComponent,
    additions: TrendingComponent,
    follows: TrendingComponent,
    views: TrendingComponent,
  })
  .meta({ id: 'ArtistTrendingComponents' });

export const TrendingShow = z
  .object({ score: z.number(), components: ShowTrendingComponents, computedAt: z.string(), show: ShowSummary })
  .meta({ id: 'TrendingShow' });
export const TrendingArtist = z
  .object({
    score: z.number(),
    components: ArtistTrendingComponents,
    computedAt: z.string(),
    artist: z.object({
      id: Uuid,
      slug: z.string(),
      name: z.string(),
      imageUrl: z.string().nullable(),
      genres: z.array(z.string()),
    }),
  })
  .meta({ id: 'TrendingArtist' });

export const TrendingShowList = cursorPage(TrendingShow)
  .extend({ formula: TrendingFormula })
  .meta({ id: 'TrendingShowList' });
export const TrendingArtistList = cursorPage(TrendingArtist)
  .extend({ formula: TrendingFormula })
  .meta({ id: 'TrendingArtistList' });
export type TrendingShowList = z.infer<typeof TrendingShowList>;
export type TrendingArtistList = z.infer<typeof TrendingArtistList>;

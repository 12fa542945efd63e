/**
 * The content API's wire schemas: artists, songs, venues, shows, follows, and the admin writes.
 * Every body and response is named (`.meta({ id })`) so that it is one component of the OpenAPI document.
 */
import { z } from 'zod';
import { CountryCode, cursorPage, IsoDateTime, isIanaTimeZone, PageQuery, Uuid } from './common';
import { ShowActualSetlist } from './scoring';
import { ShowStatus, ShowSummary, VenuePlace } from './shows';

// ------------------------------------------------------------------ common pieces

/** URL slugs: lower-case ASCII letters and digits, separated by single dashes. */
export const Slug = z
  .string()
  .min(1)
  .max(120)
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'Use lower-case letters, digits and single dashes.');

/** A path segment that is either an entity's uuid or its slug. */
export const IdOrSlugParams = z.object({
  idOrSlug: z.string().min(1).max(120).describe('The uuid or the slug.'),
});
export const IdParams = z.object({ id: Uuid });
export const ArtistIdParams = z.object({ artistId: Uuid });

const BooleanQuery = z.enum(['true', 'false']);

/** An IANA time zone the runtime knows, e.g. Europe/Berlin. */
export const TimeZone = z.string().min(1).max(64).refine(isIanaTimeZone, 'Use an IANA time zone, e.g. Europe/Berlin.');

// ------------------------------------------------------------------ songs

export const Song = z
  .object({
    id: Uuid,
    artistId: Uuid,
    title: z.string(),
    album: z.string().nullable(),
    durationMs: z.number().int().nullable(),
    spotifyId: z.string().nullable(),
    isrc: z.string().nullable(),
  })
  .meta({ id: 'Song' });
export type Song = z.infer<typeof Song>;

export const SongList = z.object({ items: z.array(Song) }).meta({ id: 'SongList' });

export const SongSearchQuery = z.object({
  q: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .optional()
    .describe('Search within the catalogue: tolerant of case, accents and small typos; prefix matches first.'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

// ------------------------------------------------------------------ artists

export const ArtistSummary = z
  .object({
    id: Uuid,
    slug: z.string(),
    name: z.string(),
    genres: z.array(z.string()),
    popularity: z.number().int(),
    imageUrl: z.string().nullable(),
  })
  .meta({ id: 'ArtistSummary' });
export type ArtistSummary = z.infer<typeof ArtistSummary>;

export const Artist = ArtistSummary.extend({
  spotifyId: z.string().nullable(),
  ticketmasterId: z.string().nullable(),
  musicbrainzId: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
}).meta({ id: 'Artist' });
export type Artist = z.infer<typeof Artist>;

export const ArtistSort = z.enum(['name', 'popularity', 'trending']).meta({ id: 'ArtistSort' });
export type ArtistSort = z.infer<typeof ArtistSort>;

export const ArtistListQuery = PageQuery.extend({
  genre: z.string().trim().min(1).max(60).optional(),
  hasUpcoming: BooleanQuery.optional().describe(
    'true: only artists with an upcoming or live show; false: only those without.',
  ),
  sort: ArtistSort.default('name').describe(
    'name (A→Z), popularity (high→low) or trending (score high→low; unscored = 0).',
  ),
});
export type ArtistListQuery = z.infer<typeof ArtistListQuery>;

export const ArtistListItem = ArtistSummary.extend({ trendingScore: z.number() }).meta({ id: 'ArtistListItem' });
export const ArtistList = cursorPage(ArtistListItem).meta({ id: 'ArtistList' });

export const ArtistDetail = Artist.extend({
  trendingScore: z.number(),
  followerCount: z.number().int(),
  /** The catalogue, by album (albumless songs last), then title. */
  songs: z.array(Song),
  /** Upcoming and live shows, soonest first (at most 20). */
  upcomingShows: z.array(ShowSummary),
  /** Completed and cancelled shows, latest first (at most 20). */
  pastShows: z.array(ShowSummary),
}).meta({ id: 'ArtistDetail' });
export type ArtistDetail = z.infer<typeof ArtistDetail>;

export const SimilarArtist = ArtistSummary.extend({
  score: z
    .number()
    .describe(
      '0..1: 0.7 × fan overlap (cosine; a fan follows the artist or voted at its shows) + 0.3 × genre overlap (Jaccard).',
    ),
  sharedVoters: z
    .number()
    .int()
    .describe('Fans the two artists share (users who follow or voted for both); the name predates followers counting.'),
  sharedGenres: z.array(z.string()),
}).meta({ id: 'SimilarArtist' });
export const SimilarArtistList = z.object({ items: z.array(SimilarArtist) }).meta({ id: 'SimilarArtistList' });

// ------------------------------------------------------------------ venues

export const Venue = VenuePlace.extend({
  latitude: z.number().nullable(),
  longitude: z.number().nullable(),
  capacity: z.number().int().nullable(),
  ticketmasterId: z.string().nullable(),
}).meta({ id: 'Venue' });
export type Venue = z.infer<typeof Venue>;

export const VenueListQuery = PageQuery.extend({
  city: z.string().trim().min(1).max(100).optional().describe('Exact city, ignoring case and accents.'),
  country: CountryCode.optional(),
});
export const VenueList = cursorPage(Venue).meta({ id: 'VenueList' });
export const VenueDetail = Venue.extend({ upcomingShows: z.array(ShowSummary) }).meta({ id: 'VenueDetail' });

// ------------------------------------------------------------------ shows

export const PredictedSong = z
  .object({
    setlistSongId: Uuid,
    songId: Uuid,
    title: z.string(),
    album: z.string().nullable(),
    voteCount: z.number().int(),
  })
  .meta({ id: 'PredictedSong' });

export const ShowDetail = ShowSummary.extend({
  artist: ArtistSummary,
  venue: Venue,
  /** From Postgres, as persisted by the vote consumer; the live counts are the room's (GET /shows/{id}/setlist). */
  predictedSetlist: z.object({ songCount: z.number().int(), top: z.array(PredictedSong) }),
  /** The setlist actually played so far (state `none`: nothing yet), with its revision. */
  actualSetlist: ShowActualSetlist,
}).meta({ id: 'ShowDetail' });
export type ShowDetail = z.infer<typeof ShowDetail>;

// ------------------------------------------------------------------ follows

export const FollowedArtist = ArtistSummary.extend({ followedAt: z.string() }).meta({ id: 'FollowedArtist' });
export const FollowList = cursorPage(FollowedArtist).meta({ id: 'FollowList' });

// ------------------------------------------------------------------ admin writes

const nonEmpty = (body: Record<string, unknown>) => Object.values(body).some((value) => value !== undefined);
const NON_EMPTY = 'Send at least one field to change.';
const ExternalId = z.string().trim().min(1).max(100);

const ArtistFields = z.object({
  slug: Slug,
  name: z.string().trim().min(1).max(200),
  genres: z.array(z.string().trim().toLowerCase().min(1).max(60)).max(20),
  popularity: z.number().int().min(0).max(100),
  imageUrl: z.url().max(2000).nullable(),
  spotifyId: ExternalId.nullable(),
  ticketmasterId: ExternalId.nullable(),
  musicbrainzId: ExternalId.nullable(),
});
export const ArtistCreate = ArtistFields.partial()
  .required({ name: true })
  .meta({ id: 'ArtistCreate', description: 'The slug defaults to one made from the name.' });
export type ArtistCreate = z.infer<typeof ArtistCreate>;
export const ArtistUpdate = ArtistFields.partial().refine(nonEmpty, NON_EMPTY).meta({ id: 'ArtistUpdate' });
export type ArtistUpdate = z.infer<typeof ArtistUpdate>;

const SongFields = z.object({
  title: z.string().trim().min(1).max(300),
  album: z.string().trim().min(1).max(300).nullable().optional(),
  durationMs: z
    .number()
    .int()
    .min(0)
    .max(24 * 3_600_000)
    .nullable()
    .optional(),
  spotifyId: ExternalId.nullable().optional(),
  isrc: z
    .string()
    .trim()
    .regex(/^[A-Za-z]{2}[A-Za-z0-9]{3}\d{7}$/, 'Use a 12-character ISRC.')
    .nullable()
    .optional(),
});
export const SongCreate = SongFields.meta({
  id: 'SongCreate',
  description: "The title must not be one the artist's catalogue already has (case-insensitive).",
});
export type SongCreate = z.infer<typeof SongCreate>;
export const SongUpdate = SongFields.partial().refine(nonEmpty, NON_EMPTY).meta({
  id: 'SongUpdate',
  description:
    "Any subset of the song's fields; null clears an optional one. A new title must not be one the artist's catalogue already has.",
});
export type SongUpdate = z.infer<typeof SongUpdate>;

/** What removing a song answers: the song, when it left the catalogue, and the history that keeps pointing at it. */
export const SongRemoval = z
  .object({
    song: Song,
    removedAt: z.string(),
    kept: z
      .object({
        setlistEntries: z.number().int().describe("Shows whose fans' predicted setlist has the song."),
        activeVotes: z.number().int().describe('Votes for it not taken back (none is deleted).'),
        playedAt: z.number().int().describe('Shows whose actual setlist has it.'),
      })
      .describe('Kept as they are: removing a song never deletes a setlist entry, a vote or a played song.'),
  })
  .meta({ id: 'SongRemoval' });
export type SongRemoval = z.infer<typeof SongRemoval>;

const VenueFields = z.object({
  slug: Slug,
  name: z.string().trim().min(1).max(200),
  city: z.string().trim().min(1).max(100),
  country: CountryCode,
  timeZone: TimeZone,
  latitude: z.number().min(-90).max(90).nullable(),
  longitude: z.number().min(-180).max(180).nullable(),
  capacity: z.number().int().min(0).max(1_000_000).nullable(),
  ticketmasterId: ExternalId.nullable(),
});
export const VenueCreate = VenueFields.partial()
  .required({ name: true, city: true, country: true, timeZone: true })
  .meta({ id: 'VenueCreate', description: 'The slug defaults to one made from the name and the city.' });
export type VenueCreate = z.infer<typeof VenueCreate>;
export const VenueUpdate = VenueFields.partial().refine(nonEmpty, NON_EMPTY).meta({ id: 'VenueUpdate' });
export type VenueUpdate = z.infer<typeof VenueUpdate>;

const votingWindowInOrder = (body: { votingOpensAt?: string | undefined; votingClosesAt?: string | undefined }) =>
  !body.votingOpensAt || !body.votingClosesAt || Date.parse(body.votingOpensAt) <= Date.parse(body.votingClosesAt);
const VOTING_WINDOW = { message: 'votingOpensAt must not be after votingClosesAt.', path: ['votingOpensAt'] };

const ShowFields = z.object({
  slug: Slug,
  artistId: Uuid,
  venueId: Uuid,
  startsAt: IsoDateTime,
  status: ShowStatus,
  votingOpensAt: IsoDateTime,
  votingClosesAt: IsoDateTime,
  ticketmasterId: ExternalId.nullable(),
  setlistfmId: ExternalId.nullable(),
});
export const ShowCreate = ShowFields.partial()
  .required({ artistId: true, venueId: true, startsAt: true })
  .refine(votingWindowInOrder, VOTING_WINDOW)
  .meta({
    id: 'ShowCreate',
    description:
      'The slug defaults to artist-city-date; status to upcoming; the voting window to the 30 days before the start, closing at the start.',
  });
export type ShowCreate = z.infer<typeof ShowCreate>;
export const ShowUpdate = ShowFields.omit({ artistId: true })
  .partial()
  .refine(nonEmpty, NON_EMPTY)
  .refine(votingWindowInOrder, VOTING_WINDOW)
  .meta({ id: 'ShowUpdate', description: "A status change is also pushed to the show's live room." });
export type ShowUpdate = z.infer<typeof ShowUpdate>;

/** A show as an admin write returns it: its own columns, no joins. */
export const ShowRecord = z
  .object({
    id: Uuid,
    slug: z.string(),
    artistId: Uuid,
    venueId: Uuid,
    startsAt: z.string(),
    status: ShowStatus,
    votingOpensAt: z.string(),
    votingClosesAt: z.string(),
    ticketmasterId: z.string().nullable(),
    setlistfmId: z.string().nullable(),
  })
  .meta({ id: 'ShowRecord' });
export type ShowRecord = z.infer<typeof ShowRecord>;

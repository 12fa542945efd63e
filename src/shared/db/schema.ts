/**
 * The system of record. Every table the API reads has an index for each lookup it makes;
 * later issues add tables through new migrations (`npm run db:generate`).
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import {
  belongsTo,
  createdAt,
  cursorTimestamp,
  primaryId,
  refersTo,
  sharesKeyWith,
  timestamptz,
  updatedAt,
  writtenAt,
} from './columns';

export const userRole = pgEnum('user_role', ['fan', 'moderator', 'admin']);
export const showStatus = pgEnum('show_status', ['upcoming', 'live', 'completed', 'cancelled']);

export const users = pgTable(
  'users',
  {
    id: primaryId(),
    /** Stored lower-cased and trimmed, so the unique index is case-insensitive by construction. */
    email: text('email').notNull(),
    passwordHash: text('password_hash').notNull(),
    displayName: text('display_name').notNull(),
    role: userRole('role').notNull().default('fan'),
    /**
     * `eu`: the fan's personal data (email, display name, password hash, sessions) is kept in the EU database
     * (DATABASE_URL_EU, workers/api/src/residency), and this row in the primary is pseudonymous. Null: here.
     */
    homeRegion: text('home_region').$type<'eu'>(),
    /** Set when the account was deleted at the user's request: the row stays, anonymised, so tallies hold. */
    deletedAt: timestamptz('deleted_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('users_email_key').on(t.email)],
);

export const sessions = pgTable(
  'sessions',
  {
    id: primaryId(),
    userId: belongsTo('user_id', () => users.id),
    /** SHA-256 of the opaque token: a leaked table does not leak usable sessions. */
    tokenHash: text('token_hash').notNull(),
    userAgent: text('user_agent'),
    ip: text('ip'),
    createdAt: createdAt(),
    lastSeenAt: writtenAt('last_seen_at'),
    expiresAt: timestamptz('expires_at').notNull(),
  },
  (t) => [uniqueIndex('sessions_token_hash_key').on(t.tokenHash), index('sessions_user_id_idx').on(t.userId)],
);

export const artists = pgTable(
  'artists',
  {
    id: primaryId(),
    slug: text('slug').notNull(),
    name: text('name').notNull(),
    spotifyId: text('spotify_id'),
    ticketmasterId: text('ticketmaster_id'),
    musicbrainzId: text('musicbrainz_id'),
    genres: text('genres').array().notNull().default(sql`'{}'::text[]`),
    popularity: integer('popularity').notNull().default(0),
    imageUrl: text('image_url'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('artists_slug_key').on(t.slug),
    uniqueIndex('artists_spotify_id_key').on(t.spotifyId),
    uniqueIndex('artists_ticketmaster_id_key').on(t.ticketmasterId),
    uniqueIndex('artists_musicbrainz_id_key').on(t.musicbrainzId),
    index('artists_name_idx').on(t.name, t.id),
    // NULLS FIRST: drizzle's desc() index defaults to NULLS LAST, which ORDER BY … DESC cannot use.
    index('artists_popularity_idx').on(t.popularity.desc().nullsFirst(), t.id.desc().nullsFirst()),
    index('artists_genres_idx').using('gin', t.genres),
    check('artists_popularity_range', sql`${t.popularity} between 0 and 100`),
  ],
);

export const songs = pgTable(
  'songs',
  {
    id: primaryId(),
    artistId: belongsTo('artist_id', () => artists.id),
    title: text('title').notNull(),
    album: text('album'),
    durationMs: integer('duration_ms'),
    spotifyId: text('spotify_id'),
    isrc: text('isrc'),
    createdAt: createdAt(),
    /**
     * Set when an admin changed the song (PATCH /v1/admin/songs/{id}): from then on the admin's values win, and
     * an import from Spotify no longer overwrites them.
     */
    editedAt: timestamptz('edited_at'),
    /**
     * Set when an admin removed the song: it leaves the catalogue (no listing, no search, no new setlist entry)
     * but the row stays, because setlist entries, votes and played songs point at it and fans' votes are never
     * deleted. An import does not add it again.
     */
    removedAt: timestamptz('removed_at'),
  },
  (t) => [
    index('songs_artist_title_idx').on(t.artistId, t.title),
    uniqueIndex('songs_spotify_id_key').on(t.spotifyId),
    index('songs_isrc_idx').on(t.isrc),
  ],
);

export const venues = pgTable(
  'venues',
  {
    id: primaryId(),
    slug: text('slug').notNull(),
    name: text('name').notNull(),
    city: text('city').notNull(),
    /** ISO 3166-1 alpha-2. */
    country: text('country').notNull(),
    /** IANA zone, e.g. Europe/Berlin: shows are stored in UTC and displayed in the venue's zone. */
    timeZone: text('time_zone').notNull(),
    latitude: doublePrecision('latitude'),
    longitude: doublePrecision('longitude'),
    capacity: integer('capacity'),
    ticketmasterId: text('ticketmaster_id'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('venues_slug_key').on(t.slug),
    uniqueIndex('venues_ticketmaster_id_key').on(t.ticketmasterId),
    index('venues_country_city_idx').on(t.country, t.city),
    index('venues_name_id_idx').on(t.name, t.id),
  ],
);

export const shows = pgTable(
  'shows',
  {
    id: primaryId(),
    slug: text('slug').notNull(),
    artistId: belongsTo('artist_id', () => artists.id),
    venueId: uuid('venue_id')
      .notNull()
      .references(() => venues.id, { onDelete: 'restrict' }),
    startsAt: cursorTimestamp('starts_at').notNull(),
    status: showStatus('status').notNull().default('upcoming'),
    votingOpensAt: timestamptz('voting_opens_at').notNull(),
    votingClosesAt: timestamptz('voting_closes_at').notNull(),
    /** A moderator locked the live room (no votes, no additions); the room loads it from here after a rebuild. */
    locked: boolean('locked').notNull().default(false),
    ticketmasterId: text('ticketmaster_id'),
    setlistfmId: text('setlistfm_id'),
    /**
     * Where the show's live room runs (src/shared/regions/room-address.ts), decided at the room's first use and
     * then kept: a room in another jurisdiction is another object. `room_placed_at` null: not decided yet.
     */
    roomJurisdiction: text('room_jurisdiction').$type<'eu'>(),
    roomLocationHint: text('room_location_hint'),
    roomPlacedAt: timestamptz('room_placed_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('shows_slug_key').on(t.slug),
    uniqueIndex('shows_ticketmaster_id_key').on(t.ticketmasterId),
    uniqueIndex('shows_setlistfm_id_key').on(t.setlistfmId),
    index('shows_starts_at_idx').on(t.startsAt),
    index('shows_artist_starts_at_idx').on(t.artistId, t.startsAt),
    index('shows_venue_starts_at_idx').on(t.venueId, t.startsAt),
    index('shows_artist_status_starts_at_idx').on(t.artistId, t.status, t.startsAt),
    index('shows_venue_status_starts_at_idx').on(t.venueId, t.status, t.startsAt),
    index('shows_status_starts_at_idx').on(t.status, t.startsAt),
    check('shows_voting_window', sql`${t.votingOpensAt} <= ${t.votingClosesAt}`),
  ],
);

/** The fans' predicted setlist: one row per song per show. Ids are chosen by the show's room. */
export const setlistSongs = pgTable(
  'setlist_songs',
  {
    id: primaryId(),
    showId: belongsTo('show_id', () => shows.id),
    songId: belongsTo('song_id', () => songs.id),
    addedBy: refersTo('added_by', () => users.id),
    /** Maintained by the vote-events consumer from the rows in `votes`, never by a trigger. */
    voteCount: integer('vote_count').notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('setlist_songs_show_song_key').on(t.showId, t.songId),
    index('setlist_songs_song_id_idx').on(t.songId),
    index('setlist_songs_created_at_idx').on(t.createdAt),
  ],
);

/**
 * One row per fan per setlist song (the unique constraint is the rule). A vote taken back keeps its row
 * with `active = false`, and `room_seq` is the room's event sequence that last wrote it: a late or
 * repeated event with a lower sequence can then never undo a newer one.
 */
export const votes = pgTable(
  'votes',
  {
    /**
     * The client-chosen vote id: the idempotency key of the vote, within its show. The room checks ids per show,
     * so the key here is (show_id, id): an id reused in another show is a new vote, never a refused insert.
     */
    id: uuid('id').notNull(),
    userId: belongsTo('user_id', () => users.id),
    setlistSongId: belongsTo('setlist_song_id', () => setlistSongs.id),
    showId: belongsTo('show_id', () => shows.id),
    active: boolean('active').notNull().default(true),
    roomSeq: bigint('room_seq', { mode: 'number' }).notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.showId, t.id] }),
    uniqueIndex('votes_user_setlist_song_key').on(t.userId, t.setlistSongId),
    index('votes_setlist_song_active_idx').on(t.setlistSongId).where(sql`${t.active}`),
    index('votes_show_user_idx').on(t.showId, t.userId),
    // Trending reads recent activity only: without these it would scan the whole history every recompute.
    index('votes_recent_active_idx').on(t.updatedAt).where(sql`${t.active}`),
  ],
);

export const follows = pgTable(
  'follows',
  {
    userId: belongsTo('user_id', () => users.id),
    artistId: belongsTo('artist_id', () => artists.id),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.artistId] }),
    index('follows_artist_id_idx').on(t.artistId),
    index('follows_created_at_idx').on(t.createdAt),
    // Notification fan-out pages through an artist's followers by user id (keyset): an index seek per page.
    index('follows_artist_user_idx').on(t.artistId, t.userId),
  ],
);

export type User = typeof users.$inferSelect;
export type Session = typeof sessions.$inferSelect;
export type Artist = typeof artists.$inferSelect;
export type Song = typeof songs.$inferSelect;
export type Venue = typeof venues.$inferSelect;
export type Show = typeof shows.$inferSelect;
export type SetlistSong = typeof setlistSongs.$inferSelect;
export type Vote = typeof votes.$inferSelect;

/** Messages that exhausted their retries, kept for inspection and `npm run dlq:replay`. */
export const deadLetters = pgTable(
  'dead_letters',
  {
    id: primaryId(),
    /** The queue the message failed on (its source), not the dead-letter queue. */
    queue: text('queue').notNull(),
    messageId: text('message_id').notNull(),
    body: jsonb('body').notNull(),
    attempts: integer('attempts').notNull(),
    receivedAt: writtenAt('received_at'),
    replayedAt: timestamptz('replayed_at'),
  },
  (t) => [
    uniqueIndex('dead_letters_queue_message_key').on(t.queue, t.messageId),
    index('dead_letters_pending_idx').on(t.queue, t.receivedAt).where(sql`${t.replayedAt} is null`),
  ],
);

/** The in-app inbox; one row per (event, user) so a duplicate delivery cannot notify twice. */
export const notifications = pgTable(
  'notifications',
  {
    id: primaryId(),
    eventId: uuid('event_id').notNull(),
    userId: belongsTo('user_id', () => users.id),
    kind: text('kind').notNull(),
    data: jsonb('data').notNull(),
    createdAt: cursorTimestamp('created_at').notNull().defaultNow(),
    readAt: timestamptz('read_at'),
  },
  (t) => [
    uniqueIndex('notifications_event_user_key').on(t.eventId, t.userId),
    index('notifications_user_created_idx').on(t.userId, t.createdAt.desc().nullsFirst()),
  ],
);

/**
 * Raw product analytics events, idempotent on the event id. Partitioned by month on `at` (migration
 * *_analytics_custom.sql, docs/analytics.md): the primary key must include the partition key, and an event's
 * `at` never changes, so (event_id, at) is as unique as event_id.
 */
export const analyticsEvents = pgTable(
  'analytics_events',
  {
    eventId: uuid('event_id').notNull(),
    kind: text('kind').notNull(),
    at: timestamptz('at').notNull(),
    userId: uuid('user_id'),
    showId: uuid('show_id'),
    data: jsonb('data').notNull().default(sql`'{}'::jsonb`),
  },
  (t) => [primaryKey({ columns: [t.eventId, t.at] }), index('analytics_events_kind_at_idx').on(t.kind, t.at)],
);

/**
 * TOTP second factor (RFC 6238). `enabledAt` is null while enrolment waits for its first code.
 * The secret is stored encrypted (AES-GCM with the MFA_ENCRYPTION_KEY secret), never in clear.
 */
export const userMfa = pgTable('user_mfa', {
  userId: sharesKeyWith('user_id', () => users.id),
  secretCiphertext: text('secret_ciphertext').notNull(),
  enabledAt: timestamptz('enabled_at'),
  createdAt: createdAt(),
});

/** One-time recovery codes, shown once and stored as SHA-256 hashes. */
export const recoveryCodes = pgTable(
  'recovery_codes',
  {
    id: primaryId(),
    userId: belongsTo('user_id', () => users.id),
    codeHash: text('code_hash').notNull(),
    usedAt: timestamptz('used_at'),
    createdAt: createdAt(),
  },
  (t) => [index('recovery_codes_user_id_idx').on(t.userId), uniqueIndex('recovery_codes_hash_key').on(t.codeHash)],
);

/** Every privileged action: who did what to which target, and when. Append-only. */
export const auditLog = pgTable(
  'audit_log',
  {
    id: primaryId(),
    actorId: refersTo('actor_id', () => users.id),
    action: text('action').notNull(),
    targetType: text('target_type').notNull(),
    targetId: text('target_id'),
    details: jsonb('details').notNull().default(sql`'{}'::jsonb`),
    requestId: text('request_id'),
    at: cursorTimestamp('at').notNull().defaultNow(),
  },
  (t) => [
    index('audit_log_at_idx').on(t.at.desc().nullsFirst(), t.id.desc().nullsFirst()),
    index('audit_log_actor_at_idx').on(t.actorId, t.at.desc().nullsFirst()),
  ],
);

export const trendingEntity = pgEnum('trending_entity', ['show', 'artist']);

/**
 * Trending scores, recomputed by a cron trigger from time-decayed activity (votes, setlist additions,
 * follows, views). `components` keeps each term of the formula so the API can explain a score.
 */
export const trendingScores = pgTable(
  'trending_scores',
  {
    entityType: trendingEntity('entity_type').notNull(),
    entityId: uuid('entity_id').notNull(),
    score: doublePrecision('score').notNull(),
    components: jsonb('components').notNull(),
    computedAt: writtenAt('computed_at'),
  },
  (t) => [
    primaryKey({ columns: [t.entityType, t.entityId] }),
    index('trending_scores_rank_idx').on(t.entityType, t.score.desc().nullsFirst(), t.entityId),
  ],
);

export * from './schema-analytics';
export * from './schema-flags';
export * from './schema-ingest';
export * from './schema-ml';
export * from './schema-notifications';
export * from './schema-ops';
export * from './schema-scoring';
// Tables of each product area, kept in their own files (see drizzle.config.ts).
export * from './schema-setlist';

/**
 * Which live rooms a signed-in user opened a WebSocket to (one row per user and show, refreshed at most every
 * few minutes by the upgrade). A revoked session must reach the sockets it opened, and only the rooms know their
 * sockets: this is how the api finds the rooms to tell (workers/api/src/live/room-sockets.ts). Rows older than
 * the longest a session lives are pruned by the cron; a stale row only costs a no-op call to a room.
 */
export const liveRoomUsers = pgTable(
  'live_room_users',
  {
    userId: belongsTo('user_id', () => users.id),
    showId: belongsTo('show_id', () => shows.id),
    seenAt: writtenAt('seen_at'),
  },
  (t) => [primaryKey({ columns: [t.userId, t.showId] }), index('live_room_users_seen_at_idx').on(t.seenAt)],
);

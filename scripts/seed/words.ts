/**
 * Hand-picked vocabularies. Faker's own word lists are used for variety, but band and venue names read
 * as real ones only when their parts come from a curated list.
 */

export const GENRES = [
  'indie rock',
  'alternative',
  'pop',
  'synth-pop',
  'indie pop',
  'rock',
  'hard rock',
  'punk',
  'post-punk',
  'emo',
  'metal',
  'metalcore',
  'shoegaze',
  'dream pop',
  'folk',
  'indie folk',
  'americana',
  'country',
  'blues',
  'soul',
  'r&b',
  'funk',
  'hip hop',
  'electronic',
  'house',
  'techno',
  'drum and bass',
  'ambient',
  'jazz',
  'reggae',
  'ska',
  'latin',
  'k-pop',
  'singer-songwriter',
] as const;

export const BAND_ADJECTIVES = [
  'Velvet', 'Electric', 'Neon', 'Silver', 'Broken', 'Midnight', 'Golden', 'Crimson', 'Hollow', 'Wild',
  'Static', 'Paper', 'Lunar', 'Northern', 'Savage', 'Quiet', 'Burning', 'Frozen', 'Atomic', 'Lost',
  'Glass', 'Restless', 'Secret', 'Cosmic', 'Young', 'Pale', 'Scarlet', 'Violet', 'Black', 'White',
  'Blue', 'Rusty', 'Sleepy', 'Lucky', 'Strange', 'Distant', 'Tender', 'Heavy', 'Sonic', 'Plastic',
  'Analog', 'Digital', 'Endless', 'Hidden', 'Howling', 'Dancing', 'Falling', 'Rising', 'Sunken', 'Modern',
  'Ancient', 'Feral', 'Gentle', 'Honest', 'Little', 'Tiny', 'Giant', 'Magnetic', 'Holy', 'Western',
] as const;

export const BAND_NOUNS = [
  'Foxes', 'Wolves', 'Harbors', 'Kites', 'Satellites', 'Tigers', 'Rivers', 'Ghosts', 'Parades', 'Machines',
  'Arrows', 'Lanterns', 'Oceans', 'Pilots', 'Horses', 'Saints', 'Orchids', 'Strangers', 'Comets', 'Echoes',
  'Sparrows', 'Ravens', 'Owls', 'Bears', 'Lions', 'Mirrors', 'Shadows', 'Giants', 'Hearts', 'Bones',
  'Engines', 'Rockets', 'Tides', 'Waves', 'Flowers', 'Thieves', 'Kings', 'Queens', 'Knives', 'Cities',
  'Lovers', 'Dreamers', 'Drifters', 'Riders', 'Sisters', 'Brothers', 'Daughters', 'Sons', 'Monks', 'Wires',
  'Radios', 'Signals', 'Pixels', 'Crystals', 'Diamonds', 'Birds', 'Moths', 'Stars', 'Planets', 'Islands',
  'Mountains', 'Valleys', 'Forests', 'Gardens', 'Highways', 'Motels', 'Dynamos', 'Magnets', 'Cowboys', 'Vandals',
] as const;

/** Singular forms for "Adjective Noun" names ("Electric Harbor"), which read better without a plural. */
export const BAND_SINGULARS = [
  'Harbor', 'Kite', 'Satellite', 'Tiger', 'River', 'Ghost', 'Parade', 'Machine', 'Lantern', 'Ocean',
  'Pilot', 'Horse', 'Saint', 'Orchid', 'Comet', 'Echo', 'Sparrow', 'Raven', 'Mirror', 'Shadow',
  'Giant', 'Heart', 'Engine', 'Rocket', 'Tide', 'Wave', 'Flower', 'Radio', 'Signal', 'Crystal',
  'Empire', 'Republic', 'Society', 'Club', 'Theory', 'Riot', 'Revival', 'Syndicate', 'Collective', 'Orchestra',
  'Hotel', 'Garden', 'Highway', 'Motel', 'Palace', 'Temple', 'Circus', 'Carnival', 'Cathedral', 'Jukebox',
] as const;

export const SONG_SUFFIXES = ['(Reprise)', '(Acoustic)', 'Pt. II', '(Live)', '(Interlude)'] as const;

/** Venue kinds, with the capacity range real venues of that kind have and how often they occur. */
export interface VenueKind {
  kind: 'club' | 'ballroom' | 'theatre' | 'hall' | 'amphitheatre' | 'arena' | 'stadium';
  weight: number;
  capacity: readonly [number, number];
}

export const VENUE_KINDS: readonly VenueKind[] = [
  { kind: 'club', weight: 34, capacity: [150, 1_200] },
  { kind: 'ballroom', weight: 12, capacity: [600, 2_500] },
  { kind: 'theatre', weight: 18, capacity: [900, 4_000] },
  { kind: 'hall', weight: 12, capacity: [1_000, 6_000] },
  { kind: 'amphitheatre', weight: 8, capacity: [5_000, 25_000] },
  { kind: 'arena', weight: 11, capacity: [8_000, 21_000] },
  { kind: 'stadium', weight: 5, capacity: [30_000, 90_000] },
];

export const VENUE_NOUNS = [
  'Lantern', 'Anchor', 'Owl', 'Fox', 'Crown', 'Lighthouse', 'Mill', 'Foundry', 'Cellar', 'Attic',
  'Tavern', 'Signal', 'Magnet', 'Compass', 'Engine Room', 'Boiler Room', 'Greenhouse', 'Warehouse', 'Garage', 'Vault',
] as const;

export const ARENA_SPONSORS = [
  'Northstar', 'Summit', 'Meridian', 'Pinnacle', 'Harbor Bank', 'Evergreen', 'Keystone', 'Beacon', 'Horizon', 'Atlas',
  'Cobalt', 'Skyline', 'Riverside', 'Granite', 'Liberty', 'Union', 'Pioneer', 'Frontier', 'Sterling', 'Apex',
] as const;

/**
 * Where a show's live room runs (docs/operations.md, "Regions and residency"). A room holds fans' votes and
 * user ids, so a show at a venue in the EU/EEA gets its room in Cloudflare's EU jurisdiction (its storage never
 * leaves the EU); every room gets a location hint near its venue, where its fans are.
 */

/** EU member states and the rest of the EEA (GDPR applies to all of them), ISO 3166-1 alpha-2. */
const EEA = new Set(
  'AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE IS LI NO'.split(' '),
);

/**
 * The Durable Object region of each country with venues. EEA venues are placed by longitude instead, and North
 * American ones too when the venue has coordinates; an unlisted country falls back to enam.
 */
const REGION_BY_COUNTRY: Record<string, DurableObjectLocationHint> = Object.fromEntries(
  Object.entries({
    oc: 'AU NZ FJ PG',
    me: 'AE SA QA IL JO KW BH OM TR LB',
    afr: 'ZA NG KE EG MA GH TZ ET TN',
    sam: 'BR AR CL CO PE UY EC VE PY BO',
    apac: 'JP KR CN TW HK SG IN ID TH MY PH VN',
    enam: 'US CA',
    wnam: 'MX',
    weur: 'GB CH',
    eeur: 'RS UA BA MK AL MD ME',
  } satisfies Partial<Record<DurableObjectLocationHint, string>>).flatMap(([hint, countries]) =>
    countries.split(' ').map((country) => [country, hint as DurableObjectLocationHint]),
  ),
);

/** Whether a country (ISO 3166-1 alpha-2) is in the EU or the rest of the EEA. */
export function isEea(country: string | null | undefined): boolean {
  return !!country && EEA.has(country.toUpperCase());
}

export interface RoomPlacement {
  /** 'eu' for venues in the EU/EEA: the room and its storage stay in the EU. */
  jurisdiction: 'eu' | null;
  locationHint: DurableObjectLocationHint;
}

export interface VenueLocation {
  country: string;
  latitude?: number | null;
  longitude?: number | null;
}

export function roomPlacement(venue: VenueLocation): RoomPlacement {
  const country = venue.country.toUpperCase();
  const eu = EEA.has(country);
  return { jurisdiction: eu ? 'eu' : null, locationHint: locationHint(country, venue.longitude ?? null, eu) };
}

function locationHint(country: string, longitude: number | null, eu: boolean): DurableObjectLocationHint {
  if (eu) return longitude !== null && longitude > 15 ? 'eeur' : 'weur';
  const known = REGION_BY_COUNTRY[country];
  // North America spans a continent: split it where the load does (the Rockies), when the venue says where it is.
  if ((known === 'enam' || known === 'wnam') && longitude !== null) return longitude < -100 ? 'wnam' : 'enam';
  return known ?? 'enam';
}

/** The show's room stub in its jurisdiction and near its venue. */
export function placedNamespace<T extends Rpc.DurableObjectBranded | undefined>(
  namespace: DurableObjectNamespace<T>,
  placement: RoomPlacement,
): DurableObjectNamespace<T> {
  return placement.jurisdiction ? namespace.jurisdiction(placement.jurisdiction) : namespace;
}

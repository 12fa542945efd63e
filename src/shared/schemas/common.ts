import { z } from 'zod';

export const Uuid = z.uuid();

export const ErrorBodySchema = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      details: z.unknown().optional(),
      requestId: z.string().optional(),
    }),
  })
  .meta({ id: 'Error' });

/** Opaque cursor pagination: clients pass back `nextCursor` untouched. */
export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(200).optional(),
});

/** An instant with its UTC offset (`2026-12-07T20:00:00Z`, `…+01:00`). */
export const IsoDateTime = z.iso.datetime({ offset: true });

/** One page of a cursor-paged list: the items, and the cursor of the next page (null on the last). */
export const cursorPage = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });

/** ISO 3166-1 alpha-2, either case on input; always upper-case in responses. */
export const CountryCode = z.string().regex(/^[A-Za-z]{2}$/, 'Use an ISO 3166-1 alpha-2 code, e.g. DE.');

/** Whether the runtime knows `zone` as an IANA time zone (e.g. Europe/Berlin). */
export function isIanaTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

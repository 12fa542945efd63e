/**
 * Ticketmaster Discovery API v2: attractions (the artist), its events and their venues, page by page.
 * Shapes follow developer.ticketmaster.com/products-and-docs/apis/discovery-api/v2/. Deep paging is capped
 * by the API at size × page < 1000, so an artist's events are read 50 per page, at most 20 pages.
 */
import { z } from 'zod';
import type { ProviderConfig } from './config';
import { type HttpDeps, requestJson } from './http';

const PageInfo = z.object({
  size: z.number().int(),
  totalElements: z.number().int().nonnegative(),
  totalPages: z.number().int().nonnegative(),
  number: z.number().int().nonnegative(),
});

export const TicketmasterAttraction = z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  externalLinks: z
    .object({
      musicbrainz: z.array(z.object({ id: z.string() })).optional(),
      spotify: z.array(z.object({ url: z.string() })).optional(),
    })
    .partial()
    .optional(),
});
export type TicketmasterAttraction = z.infer<typeof TicketmasterAttraction>;

const AttractionSearch = z.object({
  _embedded: z.object({ attractions: z.array(TicketmasterAttraction) }).optional(),
  page: PageInfo,
});

/** Ticketmaster sends coordinates as strings. */
const Coordinate = z
  .union([z.string(), z.number()])
  .transform((v) => Number(v))
  .pipe(z.number().finite());

export const TicketmasterVenue = z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  timezone: z.string().min(1),
  city: z.object({ name: z.string().min(1) }),
  country: z.object({ countryCode: z.string().length(2) }),
  location: z.object({ latitude: Coordinate, longitude: Coordinate }).optional(),
});
export type TicketmasterVenue = z.infer<typeof TicketmasterVenue>;

export const TicketmasterEvent = z.object({
  id: z.string().min(1),
  name: z.string(),
  dates: z.object({
    start: z.object({
      localDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
      localTime: z.string().optional(),
      dateTime: z.string().optional(),
    }),
    timezone: z.string().optional(),
    status: z.object({ code: z.string() }).optional(),
  }),
  _embedded: z.object({
    venues: z.array(TicketmasterVenue).min(1),
    attractions: z.array(z.object({ id: z.string() })).optional(),
  }),
});
export type TicketmasterEvent = z.infer<typeof TicketmasterEvent>;

const EventSearch = z.object({
  _embedded: z.object({ events: z.array(TicketmasterEvent) }).optional(),
  page: PageInfo,
});

export const EVENTS_PER_PAGE = 50;
/** size × page must stay under 1000 (the API refuses deeper pages). */
export const MAX_EVENT_PAGES = Math.floor(1000 / EVENTS_PER_PAGE);

export class TicketmasterClient {
  constructor(
    readonly config: ProviderConfig['ticketmaster'],
    readonly deps: HttpDeps,
  ) {}

  #url(path: string, params: Record<string, string>): string {
    return `${this.config.apiUrl}${path}?${new URLSearchParams({ ...params, apikey: this.config.apiKey })}`;
  }

  async searchAttractions(keyword: string): Promise<TicketmasterAttraction[]> {
    const body = await requestJson(
      this.deps,
      'ticketmaster',
      this.#url('/discovery/v2/attractions.json', { keyword, classificationName: 'music', size: '20' }),
      AttractionSearch,
    );
    return body!._embedded?.attractions ?? [];
  }

  /** One page of the attraction's music events, soonest first. */
  async eventsPage(
    attractionId: string,
    page: number,
  ): Promise<{ events: TicketmasterEvent[]; nextPage: number | null; total: number }> {
    const body = (await requestJson(
      this.deps,
      'ticketmaster',
      this.#url('/discovery/v2/events.json', {
        attractionId,
        classificationName: 'music',
        size: String(EVENTS_PER_PAGE),
        page: String(page),
        sort: 'date,asc',
      }),
      EventSearch,
    ))!;
    const next = body.page.number + 1;
    return {
      events: body._embedded?.events ?? [],
      nextPage: next < body.page.totalPages && next < MAX_EVENT_PAGES ? next : null,
      total: body.page.totalElements,
    };
  }
}

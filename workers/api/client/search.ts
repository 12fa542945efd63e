/**
 * The header's search box: suggestions as you type, from GET /v1/search. Every page loads this script, so it also
 * installs the placeholder for images that fail to load (lib/image-fallback.ts).
 */
import type { SearchClick, SearchResponse, SearchResultType } from '#shared/schemas/search';
import { attachCombobox } from './lib/combobox';
import { installImageFallback } from './lib/image-fallback';

installImageFallback(document);

const PATHS = { artist: 'artists', show: 'shows', venue: 'venues' } as const;
const LABELS = { artist: 'Artist', show: 'Show', venue: 'Venue' } as const;

/** Tells the search statistics which result the fan opened for `query` (beacon: it survives the navigation). */
export function recordSearchClick(click: SearchClick): void {
  const body = new Blob([JSON.stringify(click)], { type: 'application/json' });
  if (!navigator.sendBeacon?.('/v1/search/clicks', body))
    void fetch('/v1/search/clicks', { method: 'POST', body, keepalive: true, credentials: 'same-origin' });
}

const input = document.getElementById('site-search') as HTMLInputElement | null;
const listbox = document.getElementById('site-search-suggestions');
if (input && listbox) {
  // Suggestions are not counted as searches (every prefix would be); the pick counts the search and the click.
  let shown = { query: '', count: 0 };
  attachCombobox({
    input,
    listbox,
    minLength: 2,
    load: async (q) => {
      const res = await fetch(`/v1/search?q=${encodeURIComponent(q)}&limit=6&suggest=true`, { credentials: 'omit' });
      if (!res.ok) return [];
      const body = (await res.json()) as SearchResponse;
      shown = { query: q, count: body.results.length };
      return body.results.map((r) => ({
        id: r.id,
        kind: r.type,
        label: r.title,
        detail: `${LABELS[r.type]} · ${r.subtitle}`,
        href: `/${PATHS[r.type]}/${r.slug}`,
      }));
    },
    pick: (option) => {
      const type = option.kind as SearchResultType | undefined;
      if (type && shown.query) recordSearchClick({ query: shown.query, type, id: option.id, resultCount: shown.count });
      if (option.href) location.assign(option.href);
    },
  });
}

// The search page's results (web/pages/public.tsx): which one the fan opened.
document.addEventListener('click', (event) => {
  const link = (event.target as Element | null)?.closest?.<HTMLAnchorElement>('a[data-result-id]');
  const list = link?.closest<HTMLElement>('[data-search-query]');
  if (!link || !list) return;
  recordSearchClick({
    query: list.dataset.searchQuery ?? '',
    type: link.dataset.resultType as SearchResultType,
    id: link.dataset.resultId ?? '',
  });
});

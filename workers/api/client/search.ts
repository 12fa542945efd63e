/**
 * The header's search box: suggestions as you type, from GET /v1/search. Every page loads this script, so it also
 * installs the placeholder for images that fail to load (lib/image-fallback.ts).
 */
import type { SearchResponse } from '#shared/schemas/search';
import { attachCombobox } from './lib/combobox';
import { installImageFallback } from './lib/image-fallback';

installImageFallback(document);

const PATHS = { artist: 'artists', show: 'shows', venue: 'venues' } as const;
const LABELS = { artist: 'Artist', show: 'Show', venue: 'Venue' } as const;

const input = document.getElementById('site-search') as HTMLInputElement | null;
const listbox = document.getElementById('site-search-suggestions');
if (input && listbox) {
  attachCombobox({
    input,
    listbox,
    minLength: 2,
    load: async (q) => {
      const res = await fetch(`/v1/search?q=${encodeURIComponent(q)}&limit=6`, { credentials: 'omit' });
      if (!res.ok) return [];
      const body = (await res.json()) as SearchResponse;
      return body.results.map((r) => ({
        id: r.id,
        label: r.title,
        detail: `${LABELS[r.type]} · ${r.subtitle}`,
        href: `/${PATHS[r.type]}/${r.slug}`,
      }));
    },
    pick: (option) => {
      if (option.href) location.assign(option.href);
    },
  });
}

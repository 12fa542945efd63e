/**
 * Generated artwork: an SVG square with a two-colour gradient and the initials of a name, both derived from the
 * name, so the same artist always gets the same picture. The demo data's artist images point here
 * (`/art/{slug}.svg`): a machine without internet, or a visitor who wants no third-party requests, still sees
 * pictures. Nothing in it comes from the request but the slug, which the route restricts to [a-z0-9-].
 */
import { fnv1a32 } from '#shared/hash';

export const ARTWORK_PATH = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** Up to two initials from the words of a slug (`broken-crystal` → `BC`). */
export function initialsOf(slug: string): string {
  return slug
    .split('-')
    .filter((w) => /^[a-z]/.test(w))
    .slice(0, 2)
    .map((w) => w[0]!.toUpperCase())
    .join('');
}

export function artworkSvg(slug: string): string {
  const h = fnv1a32(slug);
  const hue = h % 360;
  const hue2 = (hue + 40 + ((h >>> 9) % 100)) % 360;
  const angle = (h >>> 17) % 4;
  const [x2, y2] = [
    ['1', '1'],
    ['1', '0'],
    ['0', '1'],
    ['1', '0.5'],
  ][angle]!;
  const initials = initialsOf(slug) || '♪';
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 640 640" width="640" height="640" role="img" aria-label="${initials}">
<defs><linearGradient id="g" x1="0" y1="0" x2="${x2}" y2="${y2}"><stop offset="0" stop-color="hsl(${hue} 70% 45%)"/><stop offset="1" stop-color="hsl(${hue2} 75% 30%)"/></linearGradient></defs>
<rect width="640" height="640" fill="url(#g)"/>
<circle cx="${160 + ((h >>> 3) % 320)}" cy="${160 + ((h >>> 11) % 320)}" r="${120 + ((h >>> 5) % 140)}" fill="#fff" fill-opacity="0.08"/>
<text x="320" y="320" dy="0.35em" text-anchor="middle" font-family="system-ui, sans-serif" font-size="240" font-weight="700" fill="#fff" fill-opacity="0.92">${initials}</text>
</svg>`;
}

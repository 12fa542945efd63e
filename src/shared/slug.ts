/**
 * The one slug rule (admin writes, imports, the demo data): accent-, case- and punctuation-free,
 * "Beyoncé & Co" → "beyonce-and-co". One rule, so that a slug computed anywhere finds the same row.
 */
export function slugify(text: string, maxLength = 100): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, maxLength)
    .replace(/-+$/g, '');
}

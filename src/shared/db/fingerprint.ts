/**
 * A fingerprint of a SQL statement: the same statement with other values, list lengths or spacing gets the same
 * fingerprint, so slow statements can be grouped without logging their parameters (which may be personal data).
 */
import { fnv1a32 } from '../hash';

/** The statement with literals, numbers, parameter lists and whitespace normalised away. */
export function normalizeSql(text: string): string {
  return text
    .replace(/--[^\n]*/g, ' ')
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/'(?:[^']|'')*'/g, '?')
    .replace(/\$\d+/g, '?')
    .replace(/\b\d+(?:\.\d+)?\b/g, '?')
    .replace(/\(\s*\?(?:\s*,\s*\?)*\s*\)/g, '(?)')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
}

/** FNV-1a, 32 bits: enough to tell a few hundred statements apart; two seeds make 64. */
const fnv1a = (text: string, seed: number): string => fnv1a32(text, seed).toString(16).padStart(8, '0');

/** 16 hex digits identifying the normalised statement. */
export function sqlFingerprint(text: string): string {
  const normal = normalizeSql(text);
  return fnv1a(normal, 0x811c9dc5) + fnv1a(normal, 0x01000193);
}

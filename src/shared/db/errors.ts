/** Postgres SQLSTATE codes we act on. Drizzle wraps driver errors, so look at the cause too. */
function sqlState(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

export const isUniqueViolation = (err: unknown) => sqlState(err) === '23505';
export const isForeignKeyViolation = (err: unknown) => sqlState(err) === '23503';
export { sqlState };

/**
 * Whether an error from a database round trip means "Postgres cannot be reached or cannot take work right
 * now" rather than "this statement was refused": SQLSTATE class 08 (connection exception), 57P (operator
 * intervention: shutdown, cannot connect now) and 53 (insufficient resources: too many connections, out of
 * memory, disk full); or no SQLSTATE at all, which is how the driver reports a refused or dropped
 * connection (an `ErrorEvent`, a `TypeError` from the network). Every other SQLSTATE (a unique violation,
 * a syntax error, a lock timeout) and programming errors (RangeError, SyntaxError, ReferenceError) are not.
 */
export function isConnectivityError(err: unknown): boolean {
  const state = sqlState(err);
  if (state) return state.startsWith('08') || state.startsWith('57P') || state.startsWith('53');
  return !(err instanceof RangeError || err instanceof SyntaxError || err instanceof ReferenceError);
}

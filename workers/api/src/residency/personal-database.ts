/**
 * The database that keeps the signed-in caller's personal data: an EU fan's EU database (region.ts), anyone else's
 * primary. For the routes that read or change it (`/me/sessions`, the password, push devices, account deletion).
 */
import type { Context } from 'hono';
import type { AnyDatabase } from '#shared/db/client';
import type { AppEnv } from '../app-env';

export function personalDatabase(c: Context<AppEnv>): AnyDatabase {
  // An EU fan's session was found in the EU database, so it is configured whenever the caller is one.
  const eu = c.var.caller?.homeRegion === 'eu' ? c.var.database.eu : null;
  return eu ?? c.var.database.db.$primary;
}

/** The EU database when the caller is an EU fan, else undefined. */
export function callerEuDatabase(c: Context<AppEnv>) {
  return c.var.caller?.homeRegion === 'eu' ? (c.var.database.eu ?? undefined) : undefined;
}

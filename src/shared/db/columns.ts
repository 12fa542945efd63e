/**
 * The kinds of column every table file repeats, spelled once: the surrogate key, time-zoned timestamps, the
 * "written at" stamps Postgres fills in, and the three ways a row points at another. Each call returns a new
 * builder (drizzle's builders are mutable, so two tables never share one). The generated SQL is exactly what
 * the long form gives: switching a table to these helpers writes no migration.
 */
import { type AnyPgColumn, timestamp, uuid } from 'drizzle-orm/pg-core';

/** The surrogate key: a random uuid, chosen by Postgres when the insert does not bring one. */
export const primaryId = () => uuid('id').primaryKey().defaultRandom();

/** Every timestamp here keeps its time zone (`timestamptz`). */
export const timestamptz = (name: string) => timestamp(name, { withTimezone: true });

/** When Postgres wrote (or recomputed) the row: `now()` unless the insert says otherwise. */
export const writtenAt = (name: string) => timestamptz(name).notNull().defaultNow();
export const createdAt = () => writtenAt('created_at');
export const updatedAt = () => writtenAt('updated_at');

/**
 * A timestamp that a cursor carries (keyset pagination): millisecond precision, like the JavaScript `Date` the
 * cursor is made from. With Postgres' default microseconds a row written by `now()` sorts after the cursor that
 * names it, and the next page repeats it (seen on PostgreSQL 15, not PGlite, whose clock has ms resolution).
 */
export const cursorTimestamp = (name: string) => timestamp(name, { withTimezone: true, precision: 3 });

/** A row that belongs to another: always set, and deleted with its parent. */
export const belongsTo = (name: string, parent: () => AnyPgColumn) =>
  uuid(name).notNull().references(parent, { onDelete: 'cascade' });

/** A row that extends another one to one: its key is the parent's, and it goes when the parent goes. */
export const sharesKeyWith = (name: string, parent: () => AnyPgColumn) =>
  uuid(name).primaryKey().references(parent, { onDelete: 'cascade' });

/** Who or what a row mentions without depending on it: null once that row is deleted. */
export const refersTo = (name: string, target: () => AnyPgColumn) =>
  uuid(name).references(target, { onDelete: 'set null' });

/**
 * Many rows written by one statement: `insert … select * from unnest($1::text[], $2::int4[], …)` takes one array
 * per column, so the rows are turned inside out: one array per column, in the statement's order. A column is a
 * field of the row, or a function for a value that needs converting first (JSON, a default for a missing field).
 */
export type UnnestColumn<T> = keyof T | ((row: T) => unknown);

export function unnestParams<T>(rows: readonly T[], columns: readonly UnnestColumn<T>[]): unknown[][] {
  return columns.map((column) => rows.map((row) => (typeof column === 'function' ? column(row) : row[column])));
}

// Moved to src/http/openapi.ts (routes/ holds routes only). Still imported by: routes/admin-imports.ts routes/search.ts routes/admin-catalog.ts routes/dead-letters.ts routes/actual-setlist.ts routes/leaderboard.ts.
// Point those at the new path, then delete this re-export.
export * from '../http/openapi';

// Moved to src/http/pagination.ts (routes/ holds routes only). Still imported by: scoring/leaderboard-page.ts.
// Point those at the new path, then delete this re-export.
export * from '../http/pagination';

// Moved to src/catalog/common.ts (routes/ holds routes only). Still imported by: search/catalogue.ts routes/admin-catalog.ts routes/leaderboard.ts.
// Point those at the new path, then delete this re-export.
export * from '../catalog/common';

// Moved to src/live/room-result.ts (routes/ holds routes only). Still imported by: routes/admin-catalog.ts.
// Point those at the new path, then delete this re-export.
export * from '../live/room-result';

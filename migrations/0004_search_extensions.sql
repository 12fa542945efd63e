-- Search: trigram similarity (typos, prefixes) over accent-free, lower-cased names.
-- Written by hand: drizzle-kit cannot express extensions, functions or expression indexes with opclasses.
CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
CREATE EXTENSION IF NOT EXISTS unaccent;--> statement-breakpoint
-- unaccent() is only STABLE (its dictionary could change), so it cannot back an index; pinning the
-- dictionary makes this wrapper safe to declare IMMUTABLE, the standard recipe for unaccent indexes.
CREATE OR REPLACE FUNCTION search_key(text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, $1)) $$;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS artists_search_trgm_idx ON artists USING gin (search_key(name) gin_trgm_ops);--> statement-breakpoint
CREATE INDEX IF NOT EXISTS venues_name_search_trgm_idx ON venues USING gin (search_key(name) gin_trgm_ops);--> statement-breakpoint
CREATE INDEX IF NOT EXISTS venues_city_search_trgm_idx ON venues USING gin (search_key(city) gin_trgm_ops);--> statement-breakpoint
CREATE INDEX IF NOT EXISTS songs_title_search_trgm_idx ON songs USING gin (search_key(title) gin_trgm_ops);

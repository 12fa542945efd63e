-- Search: full-text search (tsvector, english stemming, ranked) beside the trigram search of 0004 (docs/search.md).
-- Written by hand: drizzle-kit cannot express functions or expression indexes on them. Additive: two indexes on
-- expressions, no table rewritten.
-- search_vector(text, weight): the words of a name as search_key() (0004) normalises it (lower case, no accents),
-- stemmed by the english configuration, with a weight (A: a name, B: a venue's city). IMMUTABLE like everything it
-- calls, so it can back an index. Everything schema-qualified: index maintenance may run with a search_path that
-- holds only pg_catalog. Search queries repeat these exact expressions, so the planner matches them to the indexes.
CREATE OR REPLACE FUNCTION search_vector(text, "char") RETURNS tsvector
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  AS $$ SELECT setweight(to_tsvector('pg_catalog.english'::regconfig, public.search_key($1)), $2) $$;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS artists_search_fts_idx ON artists USING gin (search_vector(name, 'A'));--> statement-breakpoint
CREATE INDEX IF NOT EXISTS venues_search_fts_idx ON venues USING gin ((search_vector(name, 'A') || search_vector(city, 'B')));

-- Extensions the schema relies on: trigram similarity for search and typo tolerance,
-- case-insensitive text for e-mail addresses.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS citext;

-- /nearby (issue 16): residents see the open and recently solved cases around them. A case's
-- handler, a dispatcher or an admin can take one off that list (`/hide MH-…`): it stays a case
-- in every other way. 1 = shown to neighbours (the default), 0 = not public.
ALTER TABLE complaints ADD COLUMN public INTEGER NOT NULL DEFAULT 1;

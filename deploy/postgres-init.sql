-- First start of the PostgreSQL container: two login roles. justif_owner owns the tables and only
-- migrates; justif_app is what the API and workers log in as, and works through the NOLOGIN
-- role justif_service that the migrations create and grant (no ownership, no TRUNCATE, no
-- UPDATE/DELETE on append-only tables).
CREATE ROLE justif_owner LOGIN PASSWORD 'owner-change-me';
CREATE ROLE justif_app LOGIN PASSWORD 'app-change-me';
CREATE ROLE justif_service NOLOGIN;
GRANT justif_service TO justif_app;
ALTER DATABASE justif OWNER TO justif_owner;
ALTER SCHEMA public OWNER TO justif_owner;

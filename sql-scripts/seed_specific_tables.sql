-- Materialize's "CREATE SOURCE: PostgreSQL" examples, verbatim: "Creating a source", then
-- "Create views for specific upstream tables".
-- Upstream schema: sql-scripts/upstream/postgres.sql (database "postgres", SSL required).
CREATE MATERIALIZED SOURCE "mz_source" FROM POSTGRES
HOST 'host=postgres port=5432 user=host sslmode=require dbname=postgres'
PUBLICATION 'mz_source';

CREATE VIEWS FROM SOURCE "mz_source" ("a", "b");
SHOW FULL VIEWS;

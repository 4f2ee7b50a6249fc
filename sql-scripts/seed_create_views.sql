-- Materialize's "CREATE SOURCE: PostgreSQL" examples, verbatim: "Creating a source", then
-- "Create views for all tables included in the Postgres publication".
-- Upstream schema: sql-scripts/upstream/postgres.sql (database "postgres", SSL required).
CREATE MATERIALIZED SOURCE "mz_source" FROM POSTGRES
HOST 'host=postgres port=5432 user=host sslmode=require dbname=postgres'
PUBLICATION 'mz_source';

-- The publication holds "otherschema"."foo": CREATE VIEWS puts its view in the schema of the same
-- name, which must exist downstream (seed_two_schemas.sql renames it instead).
CREATE SCHEMA otherschema;

CREATE VIEWS FROM SOURCE "mz_source";
SHOW FULL VIEWS;

-- Materialize's "CREATE SOURCE: PostgreSQL" examples, verbatim: "Creating a source", then the
-- two tables named foo of two upstream schemas, both views in schema public, one renamed.
-- Upstream schema: sql-scripts/upstream/postgres.sql (database "postgres", SSL required).
CREATE MATERIALIZED SOURCE "mz_source" FROM POSTGRES
HOST 'host=postgres port=5432 user=host sslmode=require dbname=postgres'
PUBLICATION 'mz_source';

CREATE VIEWS FROM "mz_source"
("public"."foo" AS "foo", "otherschema"."foo" AS "foo2");
SHOW FULL VIEWS;
SHOW COLUMNS FROM foo2;

-- The upstream of the examples of Materialize's "CREATE SOURCE: PostgreSQL" page, whose scripts
-- connect with 'host=postgres port=5432 user=host sslmode=require dbname=postgres': run it in the
-- database "postgres" of a server with wal_level = logical and SSL on.
-- The page's prerequisite steps: a user with REPLICATION, REPLICA IDENTITY FULL, a publication.
CREATE ROLE host LOGIN REPLICATION;
CREATE TABLE a (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE b (id int PRIMARY KEY, a_id int NOT NULL, amount numeric(10,2));
-- "public"."foo" and "otherschema"."foo": two tables of one name in two schemas.
CREATE TABLE foo (id int PRIMARY KEY, label text);
CREATE SCHEMA otherschema;
CREATE TABLE otherschema.foo (id int PRIMARY KEY, note text, at timestamptz);
ALTER TABLE a REPLICA IDENTITY FULL;
ALTER TABLE b REPLICA IDENTITY FULL;
ALTER TABLE foo REPLICA IDENTITY FULL;
ALTER TABLE otherschema.foo REPLICA IDENTITY FULL;
GRANT USAGE ON SCHEMA otherschema TO host;
GRANT SELECT ON ALL TABLES IN SCHEMA public, otherschema TO host;
CREATE PUBLICATION mz_source FOR ALL TABLES;

-- Replicate every table of the publication "mz_source" into the results database.
-- Upstream schema: sql-scripts/upstream/shop.sql.
CREATE MATERIALIZED SOURCE IF NOT EXISTS mz_source FROM POSTGRES
  HOST 'host=127.0.0.1 port=5432 user=postgres dbname=shop'
  PUBLICATION 'mz_source';
CREATE VIEWS FROM SOURCE mz_source;
SHOW FULL VIEWS;

-- TPC-H Q1 (pricing summary report) as a materialized view over the TPC-H lineitem table.
-- Upstream schema: sql-scripts/upstream/tpch.sql.
-- Q1 reads l_shipdate <= date '1998-12-01' - interval '90' day; views do no date arithmetic
-- with intervals, so the date is written out. Q1's ORDER BY is left to the query of the results
-- table: SELECT * FROM pricing_summary ORDER BY l_returnflag, l_linestatus.
CREATE SOURCE IF NOT EXISTS tpch FROM POSTGRES
  HOST 'host=127.0.0.1 port=5432 user=postgres dbname=tpch'
  PUBLICATION 'tpch';
CREATE VIEWS FROM SOURCE tpch;

-- Upserted by (l_returnflag, l_linestatus). The sums are exact (numeric); the averages are
-- rounded to 6 decimals: numeric(38,6) in the results table.
CREATE MATERIALIZED VIEW pricing_summary AS
SELECT
  l_returnflag,
  l_linestatus,
  sum(l_quantity) AS sum_qty,
  sum(l_extendedprice) AS sum_base_price,
  sum(l_extendedprice * (1 - l_discount)) AS sum_disc_price,
  sum(l_extendedprice * (1 - l_discount) * (1 + l_tax)) AS sum_charge,
  avg(l_quantity) AS avg_qty,
  avg(l_extendedprice) AS avg_price,
  avg(l_discount) AS avg_disc,
  count(*) AS count_order
FROM lineitem
WHERE l_shipdate <= DATE '1998-09-02'
GROUP BY l_returnflag, l_linestatus;

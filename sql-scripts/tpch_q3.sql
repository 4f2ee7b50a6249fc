-- TPC-H Q3 (shipping priority) as a materialized view: a three-way join of customer, orders and
-- lineitem with an aggregate. Upstream schema: sql-scripts/upstream/tpch.sql.
-- Q3 ends with ORDER BY revenue DESC, o_orderdate LIMIT 10: a view has no order, so the top ten
-- are a query of the results table:
--   SELECT * FROM shipping_priority ORDER BY revenue DESC, o_orderdate LIMIT 10;
CREATE SOURCE IF NOT EXISTS tpch FROM POSTGRES
  HOST 'host=127.0.0.1 port=5432 user=postgres dbname=tpch'
  PUBLICATION 'tpch';
CREATE VIEWS FROM SOURCE tpch;

-- c_mktsegment is char(10): compared without its padding, as in PostgreSQL. Upserted by
-- (l_orderkey, o_orderdate, o_shippriority).
CREATE MATERIALIZED VIEW shipping_priority AS
SELECT
  l_orderkey,
  sum(l_extendedprice * (1 - l_discount)) AS revenue,
  o_orderdate,
  o_shippriority
FROM customer, orders, lineitem
WHERE c_mktsegment = 'BUILDING'
  AND c_custkey = o_custkey
  AND l_orderkey = o_orderkey
  AND o_orderdate < DATE '1995-03-15'
  AND l_shipdate > DATE '1995-03-15'
GROUP BY l_orderkey, o_orderdate, o_shippriority;

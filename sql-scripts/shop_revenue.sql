-- Revenue per customer and sales per product, kept up to date from the shop's tables.
-- Upstream schema: sql-scripts/upstream/shop.sql. The source is not materialized: only the two
-- materialized views below are written to the results database.
CREATE SOURCE IF NOT EXISTS mz_source FROM POSTGRES
  HOST 'host=127.0.0.1 port=5432 user=postgres dbname=shop'
  PUBLICATION 'mz_source';
CREATE VIEWS FROM SOURCE mz_source;

-- One row per customer, customers without orders included; cancelled orders do not count.
-- Upserted by id in the results table. average_order is rounded to 6 decimals: numeric(38,6).
CREATE MATERIALIZED VIEW customer_revenue AS
SELECT c.id, c.name, count(o.id) AS orders, coalesce(sum(o.total), 0) AS revenue,
       avg(o.total) AS average_order, max(o.ordered_at) AS last_order
FROM customers c
LEFT JOIN orders o ON o.customer_id = c.id AND o.status <> 'cancelled'
GROUP BY c.id, c.name;

-- Units and revenue per product and month (in UTC) of paid orders.
CREATE MATERIALIZED VIEW monthly_product_sales AS
SELECT date_trunc('month', o.ordered_at) AS month, i.product, sum(i.quantity) AS units,
       sum(i.quantity * i.price) AS revenue, count(DISTINCT o.id) AS orders
FROM order_items i
JOIN orders o ON o.id = i.order_id
WHERE o.status IN ('paid', 'shipped', 'delivered')
GROUP BY 1, 2;

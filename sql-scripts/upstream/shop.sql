-- The upstream shop the example scripts read (the same as `mzflink demo` creates).
-- Run it in a database "shop" on a server with wal_level = logical.
CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL, email text,
  created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id int NOT NULL REFERENCES customers,
  status text NOT NULL, total numeric(12,2) NOT NULL, ordered_at timestamptz NOT NULL DEFAULT now());
-- No primary key: mzflink keeps duplicate rows exactly.
CREATE TABLE order_items (order_id bigint NOT NULL, product text NOT NULL, quantity int NOT NULL,
  price numeric(10,2) NOT NULL);
ALTER TABLE customers REPLICA IDENTITY FULL;
ALTER TABLE orders REPLICA IDENTITY FULL;
ALTER TABLE order_items REPLICA IDENTITY FULL;
CREATE PUBLICATION mz_source FOR TABLE customers, orders, order_items;

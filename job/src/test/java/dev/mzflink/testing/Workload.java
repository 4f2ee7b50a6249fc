package dev.mzflink.testing;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A seeded random workload over a small shop: customers and products (keyed), orders (keyed by a
 * bigint that updates change), and order items without a primary key (duplicate rows on purpose).
 * Inserts, updates that set and clear values (NULLs included), change keys and move rows between
 * groups, and deletes, in transactions of 1 to 20 statements. The same seed writes the same
 * statements.
 */
public final class Workload {
  private static final String[] NAMES = {
    "Ada",
    "Grace",
    "Linus",
    "Zoë",
    "Łukasz",
    "Ørjan",
    "Ming",
    "Amélie",
    "O'Brien",
    "Nina",
    "Omar",
    "Priya",
    "Sven",
    "Tomás",
    "Ünal",
    "Yuki",
    "a b",
    "ALLCAPS",
    "mixedCase",
    "with  spaces",
    "Émile",
    "Jo",
    "x",
    "Marie-Claire"
  };
  private static final String[] SEGMENTS = {"gold", "silver", "bronze", "Gold"};
  private static final String[] COUNTRIES = {"US", "DE", "F", "FR", "NL"};
  private static final String[] STATUSES = {
    "new", "paid", "shipped", "cancelled", "refunded", "void"
  };
  private static final String[] CATEGORIES = {"books", "games", "misc", "tools", "food"};
  private static final String[] NOTES = {
    "gift for mum", "gift", "express", "call first", "fragile", "Gift wrap", "leave at door"
  };
  private static final DateTimeFormatter TIMESTAMP =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");

  private final Random random;
  private final List<Integer> customers = new ArrayList<>();
  private final List<Integer> products = new ArrayList<>();
  private final List<Long> orders = new ArrayList<>();
  private int nextCustomer = 1;
  private int nextProduct = 1;
  private long nextOrder = 1;

  public Workload(long seed) {
    this.random = new Random(seed);
  }

  /** The shop, its publication and the markers table the tests wait for. */
  public void createSchema(Connection c) throws SQLException {
    Sql.execute(
        c,
        "CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, email text, segment varchar(10), "
            + "country char(2), created_at timestamptz)",
        "CREATE TABLE products (id int PRIMARY KEY, name text NOT NULL, category text, price numeric(10,2) NOT NULL)",
        "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id int, status text NOT NULL, total numeric(12,2), "
            + "discount numeric(5,2), ordered_at timestamp(3), note varchar(40))",
        "CREATE TABLE order_items (order_id bigint NOT NULL, product_id int, quantity smallint NOT NULL, "
            + "unit_price numeric(10,2))",
        "CREATE TABLE markers (id bigint PRIMARY KEY, note text)",
        "ALTER TABLE customers REPLICA IDENTITY FULL",
        "ALTER TABLE products REPLICA IDENTITY FULL",
        "ALTER TABLE orders REPLICA IDENTITY FULL",
        "ALTER TABLE order_items REPLICA IDENTITY FULL",
        "CREATE PUBLICATION oracle FOR TABLE customers, products, orders, order_items, markers");
  }

  /** Rows present before the pipeline starts (read by the snapshot). */
  public void seed(Connection c) throws SQLException {
    List<String> statements = new ArrayList<>();
    for (int i = 0; i < 150; i++) {
      statements.add(insertCustomer());
    }
    for (int i = 0; i < 40; i++) {
      statements.add(insertProduct());
    }
    for (int i = 0; i < 500; i++) {
      statements.add(insertOrder());
    }
    for (int i = 0; i < 1000; i++) {
      statements.add(insertItem());
    }
    Sql.transaction(c, statements.toArray(new String[0]));
  }

  /** Writes {@code changes} statements in transactions; returns how many it wrote. */
  public int write(Connection c, int changes) throws SQLException {
    int written = 0;
    while (written < changes) {
      int size = Math.min(changes - written, transactionSize());
      List<String> statements = new ArrayList<>();
      for (int i = 0; i < size; i++) {
        statements.add(change());
      }
      if (statements.size() == 1 && random.nextBoolean()) {
        Sql.execute(c, statements.get(0));
      } else {
        Sql.transaction(c, statements.toArray(new String[0]));
      }
      written += size;
    }
    return written;
  }

  private int transactionSize() {
    int r = random.nextInt(100);
    if (r < 40) {
      return 1;
    }
    if (r < 75) {
      return 2 + random.nextInt(4);
    }
    return 6 + random.nextInt(15);
  }

  private String change() {
    int r = random.nextInt(1000);
    if (r < 170) {
      return insertOrder();
    }
    if (r < 350) {
      return insertItem();
    }
    if (r < 390) {
      return insertCustomer();
    }
    if (r < 405) {
      return insertProduct();
    }
    if (r < 600) {
      return updateOrder();
    }
    if (r < 640) {
      return changeOrderKey();
    }
    if (r < 660) {
      return changeCustomerKey();
    }
    if (r < 720) {
      return updateCustomer();
    }
    if (r < 740) {
      return updateProduct();
    }
    if (r < 820) {
      return updateItem();
    }
    if (r < 900) {
      return deleteItems();
    }
    if (r < 950) {
      return deleteOrder();
    }
    if (r < 965) {
      return deleteCustomer();
    }
    if (r < 970) {
      return deleteProduct();
    }
    if (r < 985) {
      // Many rows at once.
      return "UPDATE orders SET status = "
          + literal(pick(STATUSES))
          + " WHERE id % 13 = "
          + random.nextInt(13)
          + " AND status = "
          + literal(pick(STATUSES));
    }
    return "UPDATE order_items SET quantity = quantity + 1 WHERE order_id % 29 = "
        + random.nextInt(29)
        + " AND quantity < 20";
  }

  // Inserts.

  private String insertCustomer() {
    int id = nextCustomer++;
    customers.add(id);
    return "INSERT INTO customers VALUES ("
        + id
        + ", "
        + literal(name())
        + ", "
        + maybe(0.3, this::email)
        + ", "
        + maybe(0.15, () -> literal(pick(SEGMENTS)))
        + ", "
        + maybe(0.1, () -> literal(pick(COUNTRIES)))
        + ", "
        + maybe(0.1, () -> literal(timestamp() + "+00"))
        + ")";
  }

  private String insertProduct() {
    int id = nextProduct++;
    products.add(id);
    return "INSERT INTO products VALUES ("
        + id
        + ", "
        + literal(name() + " " + pick(CATEGORIES))
        + ", "
        + maybe(0.2, () -> literal(pick(CATEGORIES)))
        + ", "
        + money(500)
        + ")";
  }

  private String insertOrder() {
    long id = nextOrder++;
    orders.add(id);
    return "INSERT INTO orders VALUES ("
        + id
        + ", "
        + customerReference()
        + ", "
        + literal(pick(STATUSES))
        + ", "
        + maybe(0.1, () -> money(2000))
        + ", "
        + maybe(0.4, () -> money(50))
        + ", "
        + maybe(0.05, () -> literal(timestamp()))
        + ", "
        + maybe(0.6, () -> literal(pick(NOTES)))
        + ")";
  }

  private String insertItem() {
    if (orders.isEmpty()) {
      return insertOrder();
    }
    if (random.nextInt(100) < 15) {
      // An exact duplicate of an existing row, if the order has one.
      long order = pickOrder();
      return "INSERT INTO order_items SELECT * FROM order_items WHERE order_id = "
          + order
          + " LIMIT 1";
    }
    long order = random.nextInt(100) < 95 ? pickOrder() : nextOrder + 1000 + random.nextInt(100);
    return "INSERT INTO order_items VALUES ("
        + order
        + ", "
        + productReference()
        + ", "
        + (1 + random.nextInt(10))
        + ", "
        + maybe(0.05, () -> money(200))
        + ")";
  }

  // Updates.

  private String updateOrder() {
    if (orders.isEmpty()) {
      return insertOrder();
    }
    long id = pickOrder();
    String set =
        switch (random.nextInt(7)) {
          case 0 -> "status = " + literal(pick(STATUSES));
          case 1 -> "total = " + maybe(0.15, () -> money(2000));
          case 2 -> "discount = " + maybe(0.4, () -> money(50));
          case 3 -> "note = " + maybe(0.4, () -> literal(pick(NOTES)));
          case 4 -> "ordered_at = " + maybe(0.1, () -> literal(timestamp()));
          case 5 -> "customer_id = " + customerReference();
          default ->
              "status = " + literal(pick(STATUSES)) + ", total = " + maybe(0.1, () -> money(2000));
        };
    return "UPDATE orders SET " + set + " WHERE id = " + id;
  }

  private String changeOrderKey() {
    if (orders.isEmpty()) {
      return insertOrder();
    }
    int index = random.nextInt(orders.size());
    long old = orders.get(index);
    long id = nextOrder++;
    orders.set(index, id);
    // The order's items keep pointing at the old id: they lose their order, as upstream.
    return "UPDATE orders SET id = " + id + " WHERE id = " + old;
  }

  private String changeCustomerKey() {
    if (customers.isEmpty()) {
      return insertCustomer();
    }
    int index = random.nextInt(customers.size());
    int old = customers.get(index);
    int id = nextCustomer++;
    customers.set(index, id);
    return "UPDATE customers SET id = " + id + " WHERE id = " + old;
  }

  private String updateCustomer() {
    if (customers.isEmpty()) {
      return insertCustomer();
    }
    int id = customers.get(random.nextInt(customers.size()));
    String set =
        switch (random.nextInt(4)) {
          case 0 -> "segment = " + maybe(0.2, () -> literal(pick(SEGMENTS)));
          case 1 -> "country = " + maybe(0.2, () -> literal(pick(COUNTRIES)));
          case 2 -> "email = " + maybe(0.3, this::email);
          default -> "name = " + literal(name());
        };
    return "UPDATE customers SET " + set + " WHERE id = " + id;
  }

  private String updateProduct() {
    if (products.isEmpty()) {
      return insertProduct();
    }
    int id = products.get(random.nextInt(products.size()));
    String set =
        switch (random.nextInt(3)) {
          case 0 -> "price = " + money(500);
          case 1 -> "category = " + maybe(0.3, () -> literal(pick(CATEGORIES)));
          default -> "name = " + literal(name());
        };
    return "UPDATE products SET " + set + " WHERE id = " + id;
  }

  private String updateItem() {
    if (orders.isEmpty()) {
      return insertOrder();
    }
    long order = pickOrder();
    String set =
        switch (random.nextInt(3)) {
          case 0 -> "quantity = " + (1 + random.nextInt(10));
          case 1 -> "product_id = " + productReference();
          default -> "order_id = " + pickOrder();
        };
    return "UPDATE order_items SET "
        + set
        + " WHERE ctid = (SELECT ctid FROM order_items WHERE order_id = "
        + order
        + " LIMIT 1)";
  }

  // Deletes.

  private String deleteItems() {
    if (orders.isEmpty()) {
      return insertOrder();
    }
    long order = pickOrder();
    if (random.nextInt(4) == 0) {
      return "DELETE FROM order_items WHERE order_id = " + order;
    }
    return "DELETE FROM order_items WHERE ctid = (SELECT ctid FROM order_items WHERE order_id = "
        + order
        + " LIMIT 1)";
  }

  private String deleteOrder() {
    if (orders.size() < 50) {
      return insertOrder();
    }
    long id = orders.remove(random.nextInt(orders.size()));
    return "DELETE FROM orders WHERE id = " + id;
  }

  private String deleteCustomer() {
    if (customers.size() < 20) {
      return insertCustomer();
    }
    int id = customers.remove(random.nextInt(customers.size()));
    return "DELETE FROM customers WHERE id = " + id;
  }

  private String deleteProduct() {
    if (products.size() < 10) {
      return insertProduct();
    }
    int id = products.remove(random.nextInt(products.size()));
    return "DELETE FROM products WHERE id = " + id;
  }

  // Values.

  private long pickOrder() {
    return orders.get(random.nextInt(orders.size()));
  }

  private String customerReference() {
    int r = random.nextInt(100);
    if (r < 8 || customers.isEmpty()) {
      return "NULL";
    }
    if (r < 12) {
      return Integer.toString(nextCustomer + 500 + random.nextInt(50));
    }
    return Integer.toString(customers.get(random.nextInt(customers.size())));
  }

  private String productReference() {
    int r = random.nextInt(100);
    if (r < 5 || products.isEmpty()) {
      return "NULL";
    }
    if (r < 10) {
      return Integer.toString(nextProduct + 500 + random.nextInt(50));
    }
    return Integer.toString(products.get(random.nextInt(products.size())));
  }

  private String name() {
    return NAMES[random.nextInt(NAMES.length)];
  }

  private String email() {
    return literal(
        name().toLowerCase(java.util.Locale.ROOT).replace(' ', '.')
            + random.nextInt(100)
            + "@example.com");
  }

  private String timestamp() {
    LocalDateTime t =
        LocalDateTime.of(2023, 1, 1, 0, 0)
            .plusSeconds(random.nextInt(2 * 365 * 24 * 3600))
            .plusNanos(random.nextInt(1000) * 1_000_000L);
    return TIMESTAMP.format(t);
  }

  private String money(int max) {
    return new BigDecimal(random.nextInt(max * 100 + 1)).movePointLeft(2).toPlainString();
  }

  private <T> T pick(T[] values) {
    return values[random.nextInt(values.length)];
  }

  private String maybe(double nullProbability, java.util.function.Supplier<String> value) {
    return random.nextDouble() < nullProbability ? "NULL" : value.get();
  }

  private static String literal(String s) {
    return "'" + s.replace("'", "''") + "'";
  }
}

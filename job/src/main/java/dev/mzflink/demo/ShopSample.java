package dev.mzflink.demo;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Random;

/**
 * The demo's shop: customers, orders (with a {@code numeric} total and a {@code timestamptz}), and
 * order items without a primary key. {@link #change} makes one random transaction.
 */
public final class ShopSample {
  public static final String PUBLICATION = "mz_source";

  public static final List<String> TABLES = List.of("customers", "orders", "order_items");

  private static final String[] NAMES = {
    "Ada", "Grace", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Radia"
  };
  private static final String[] PRODUCTS = {
    "keyboard", "mouse", "monitor", "cable", "dock", "lamp"
  };
  private static final String[] STATUSES = {"new", "paid", "shipped", "delivered", "cancelled"};

  private final Random random;

  public ShopSample(long seed) {
    this.random = new Random(seed);
  }

  /** Creates the tables (sql-scripts/upstream/shop.sql), a few rows, and the publication. */
  public static void create(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(schema());
    }
    ShopSample seed = new ShopSample(1);
    for (int i = 0; i < 20; i++) {
      seed.change(c);
    }
  }

  /** One random transaction of inserts, updates and deletes. */
  public void change(Connection c) throws SQLException {
    boolean autoCommit = c.getAutoCommit();
    c.setAutoCommit(false);
    try {
      int kind = random.nextInt(10);
      if (kind < 2 || count(c, "customers") < 3) {
        try (PreparedStatement p =
            c.prepareStatement("INSERT INTO customers (name, email) VALUES (?, ?)")) {
          String name = NAMES[random.nextInt(NAMES.length)];
          p.setString(1, name);
          p.setString(2, random.nextBoolean() ? name.toLowerCase() + "@example.com" : null);
          p.executeUpdate();
        }
      } else if (kind < 6) {
        newOrder(c);
      } else if (kind < 8) {
        try (PreparedStatement p =
            c.prepareStatement(
                "UPDATE orders SET status = ? WHERE id = (SELECT id FROM orders ORDER BY random() LIMIT 1)")) {
          p.setString(1, STATUSES[random.nextInt(STATUSES.length)]);
          p.executeUpdate();
        }
      } else if (kind < 9) {
        // Delete one copy of an item row (order_items has no key: duplicates are possible).
        try (Statement s = c.createStatement()) {
          s.executeUpdate(
              "DELETE FROM order_items WHERE ctid = (SELECT ctid FROM order_items ORDER BY random() LIMIT 1)");
        }
      } else {
        try (PreparedStatement p =
            c.prepareStatement(
                "UPDATE customers SET email = ? WHERE id = (SELECT id FROM customers ORDER BY random() LIMIT 1)")) {
          p.setString(
              1, random.nextInt(3) == 0 ? null : "user" + random.nextInt(1000) + "@example.org");
          p.executeUpdate();
        }
      }
      c.commit();
    } catch (SQLException e) {
      c.rollback();
      throw e;
    } finally {
      c.setAutoCommit(autoCommit);
    }
  }

  /** The upstream schema, shared with the example scripts. */
  public static String schema() {
    try (java.io.InputStream in = ShopSample.class.getResourceAsStream("shop.sql")) {
      if (in == null) {
        throw new IllegalStateException("shop.sql is missing from the jar");
      }
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private void newOrder(Connection c) throws SQLException {
    long orderId;
    try (PreparedStatement p =
        c.prepareStatement(
            "INSERT INTO orders (customer_id, status, total) "
                + "SELECT id, 'new', 0 FROM customers ORDER BY random() LIMIT 1 RETURNING id")) {
      try (ResultSet r = p.executeQuery()) {
        r.next();
        orderId = r.getLong(1);
      }
    }
    int items = 1 + random.nextInt(3);
    try (PreparedStatement p =
        c.prepareStatement(
            "INSERT INTO order_items (order_id, product, quantity, price) VALUES (?, ?, ?, ?)")) {
      String product = null;
      int quantity = 0;
      long cents = 0;
      for (int i = 0; i < items; i++) {
        // Sometimes the same line again: an exact duplicate row.
        if (i == 0 || random.nextInt(3) != 0) {
          product = PRODUCTS[random.nextInt(PRODUCTS.length)];
          quantity = 1 + random.nextInt(4);
          cents = 100 + random.nextInt(20000);
        }
        p.setLong(1, orderId);
        p.setString(2, product);
        p.setInt(3, quantity);
        p.setBigDecimal(4, java.math.BigDecimal.valueOf(cents, 2));
        p.addBatch();
      }
      p.executeBatch();
    }
    try (PreparedStatement p =
        c.prepareStatement(
            "UPDATE orders SET total = (SELECT coalesce(sum(quantity * price), 0) FROM order_items WHERE order_id = ?) WHERE id = ?")) {
      p.setLong(1, orderId);
      p.setLong(2, orderId);
      p.executeUpdate();
    }
  }

  private static long count(Connection c, String table) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT count(*) FROM " + table)) {
      r.next();
      return r.getLong(1);
    }
  }
}

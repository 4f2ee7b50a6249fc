package dev.mzflink.testing;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Small, seeded TPC-H-like data for customer, orders and lineitem (sql-scripts/upstream/tpch.sql),
 * following the benchmark's value rules (return flags and line status from the dates, segments,
 * discounts and taxes), and random changes to it.
 */
public final class TpchData {
  private static final String[] SEGMENTS = {
    "AUTOMOBILE", "BUILDING", "FURNITURE", "HOUSEHOLD", "MACHINERY"
  };
  private static final LocalDate START = LocalDate.of(1992, 1, 1);
  private static final LocalDate CURRENT = LocalDate.of(1995, 6, 17);

  private final Random random;
  private final List<Integer> orders = new ArrayList<>();
  private int customers;
  private int nextOrder = 1;

  public TpchData(long seed) {
    this.random = new Random(seed);
  }

  /** Customers, orders of 1 to 7 lines each. */
  public void load(Connection c, int customerCount, int orderCount) throws SQLException {
    List<String> statements = new ArrayList<>();
    for (int i = 1; i <= customerCount; i++) {
      statements.add(
          String.format(
              "INSERT INTO customer VALUES (%d, 'Customer#%09d', 'address %d', %d, '%02d-%03d-%03d-%04d', %s, '%s', 'comment')",
              i,
              i,
              i,
              random.nextInt(25),
              10 + random.nextInt(25),
              random.nextInt(1000),
              random.nextInt(1000),
              random.nextInt(10000),
              money(-999_99, 9999_99),
              SEGMENTS[random.nextInt(SEGMENTS.length)]));
    }
    customers = customerCount;
    for (int i = 0; i < orderCount; i++) {
      statements.addAll(order());
    }
    Sql.transaction(c, statements.toArray(new String[0]));
  }

  /** {@code count} random changes, in transactions of up to 10 statements. */
  public void change(Connection c, int count) throws SQLException {
    int done = 0;
    while (done < count) {
      List<String> statements = new ArrayList<>();
      int size = 1 + random.nextInt(10);
      for (int i = 0; i < size; i++) {
        statements.addAll(oneChange());
      }
      Sql.transaction(c, statements.toArray(new String[0]));
      done += size;
    }
  }

  private List<String> oneChange() {
    int order = orders.get(random.nextInt(orders.size()));
    return switch (random.nextInt(8)) {
      case 0 -> order();
      case 1 ->
          List.of(
              "DELETE FROM lineitem WHERE l_orderkey = "
                  + order
                  + " AND l_linenumber = "
                  + (1 + random.nextInt(3)));
      case 2 ->
          List.of(
              "UPDATE lineitem SET l_discount = " + money(0, 10) + " WHERE l_orderkey = " + order);
      case 3 ->
          List.of(
              "UPDATE lineitem SET l_quantity = l_quantity + 1, l_extendedprice = l_extendedprice + 901.00 WHERE l_orderkey = "
                  + order);
      case 4 ->
          List.of(
              "UPDATE lineitem SET l_shipdate = l_shipdate + "
                  + (random.nextInt(61) - 30)
                  + " WHERE l_orderkey = "
                  + order);
      case 5 ->
          List.of(
              "UPDATE customer SET c_mktsegment = '"
                  + SEGMENTS[random.nextInt(SEGMENTS.length)]
                  + "' WHERE c_custkey = "
                  + (1 + random.nextInt(customers)));
      case 6 ->
          List.of(
              "UPDATE orders SET o_orderdate = o_orderdate + "
                  + (random.nextInt(61) - 30)
                  + " WHERE o_orderkey = "
                  + order);
      default ->
          List.of(
              "DELETE FROM lineitem WHERE l_orderkey = " + order,
              "DELETE FROM orders WHERE o_orderkey = " + order);
    };
  }

  private List<String> order() {
    int key = nextOrder++;
    orders.add(key);
    LocalDate date = START.plusDays(random.nextInt(2405));
    List<String> out = new ArrayList<>();
    int lines = 1 + random.nextInt(7);
    BigDecimal total = BigDecimal.ZERO;
    for (int line = 1; line <= lines; line++) {
      int quantity = 1 + random.nextInt(50);
      BigDecimal price = new BigDecimal(90000 + random.nextInt(11000)).movePointLeft(2);
      BigDecimal extended = price.multiply(BigDecimal.valueOf(quantity));
      total = total.add(extended);
      LocalDate ship = date.plusDays(1 + random.nextInt(121));
      LocalDate receipt = ship.plusDays(1 + random.nextInt(30));
      String flag = receipt.isAfter(CURRENT) ? "N" : random.nextBoolean() ? "R" : "A";
      String status = ship.isAfter(CURRENT) ? "O" : "F";
      out.add(
          String.format(
              "INSERT INTO lineitem VALUES (%d, %d, %d, %d, %d, %s, %s, %s, '%s', '%s', '%s', '%s', '%s', 'DELIVER IN PERSON', 'TRUCK', 'comment')",
              key,
              1 + random.nextInt(2000),
              1 + random.nextInt(100),
              line,
              quantity,
              extended.toPlainString(),
              money(0, 10),
              money(0, 8),
              flag,
              status,
              ship,
              date.plusDays(30 + random.nextInt(61)),
              receipt));
    }
    out.add(
        0,
        String.format(
            "INSERT INTO orders VALUES (%d, %d, '%s', %s, '%s', '%d-URGENT', 'Clerk#%09d', 0, 'comment')",
            key,
            1 + random.nextInt(customers),
            date.isAfter(CURRENT) ? "O" : "F",
            total.toPlainString(),
            date,
            1 + random.nextInt(5),
            random.nextInt(1000)));
    return out;
  }

  private String money(int minCents, int maxCents) {
    return new BigDecimal(minCents + random.nextInt(maxCents - minCents + 1))
        .movePointLeft(2)
        .toPlainString();
  }
}

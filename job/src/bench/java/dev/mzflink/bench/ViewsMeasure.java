package dev.mzflink.bench;

import dev.mzflink.runtime.FlinkEnvironment;
import dev.mzflink.runtime.RunOptions;
import dev.mzflink.runtime.RunningPipeline;
import dev.mzflink.translate.SourceReading;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.bridge.java.StreamStatementSet;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;

/**
 * Measure 4: views. TPC-H Q3 (sql-scripts/tpch_q3.sql: a join of customer, orders and lineitem with
 * an aggregate) under a change stream. Each run stops two pipelines with a savepoint once they have
 * the initial answer — mzflink running the script, and a hand-written plain Flink SQL job
 * (postgres-cdc tables, the query, Flink's JDBC upsert sink) with the same Flink configuration —
 * then makes N changes upstream (new orders with line items, updated discounts and order dates,
 * deleted line items, in transactions of 7), then resumes each and times it until its results table
 * equals PostgreSQL's answer to the query. R_plain = plain Flink time / mzflink time. The same
 * query as a PostgreSQL materialized view: the time of one REFRESH MATERIALIZED VIEW.
 */
final class ViewsMeasure {
  private ViewsMeasure() {}

  /** TPC-H Q3 without ORDER BY/LIMIT, as in sql-scripts/tpch_q3.sql. */
  static final String Q3 =
      """
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
      GROUP BY l_orderkey, o_orderdate, o_shippriority""";

  static final String SCHEMA =
      """
      CREATE TABLE customer (
        c_custkey integer PRIMARY KEY, c_name varchar(25) NOT NULL, c_address varchar(40) NOT NULL,
        c_nationkey integer NOT NULL, c_phone char(15) NOT NULL, c_acctbal numeric(15,2) NOT NULL,
        c_mktsegment char(10) NOT NULL, c_comment varchar(117) NOT NULL);
      CREATE TABLE orders (
        o_orderkey integer PRIMARY KEY, o_custkey integer NOT NULL, o_orderstatus char(1) NOT NULL,
        o_totalprice numeric(15,2) NOT NULL, o_orderdate date NOT NULL, o_orderpriority char(15) NOT NULL,
        o_clerk char(15) NOT NULL, o_shippriority integer NOT NULL, o_comment varchar(79) NOT NULL);
      CREATE TABLE lineitem (
        l_orderkey integer NOT NULL, l_partkey integer NOT NULL, l_suppkey integer NOT NULL,
        l_linenumber integer NOT NULL, l_quantity numeric(15,2) NOT NULL, l_extendedprice numeric(15,2) NOT NULL,
        l_discount numeric(15,2) NOT NULL, l_tax numeric(15,2) NOT NULL, l_returnflag char(1) NOT NULL,
        l_linestatus char(1) NOT NULL, l_shipdate date NOT NULL, l_commitdate date NOT NULL,
        l_receiptdate date NOT NULL, l_shipinstruct char(25) NOT NULL, l_shipmode char(10) NOT NULL,
        l_comment varchar(44) NOT NULL, PRIMARY KEY (l_orderkey, l_linenumber));
      CREATE PUBLICATION p FOR TABLE customer, orders, lineitem""";

  /**
   * Deterministic TPC-H-shaped rows: C customers, 10 C orders, 1 to 7 (on average 4) line items
   * each.
   */
  static final String DATA =
      """
      INSERT INTO customer SELECT g, 'Customer#' || lpad(g::text, 9, '0'), 'address ' || g, g %% 25,
        lpad((g %% 100000)::text, 15, '0'), (g %% 10000) - 999.99,
        (ARRAY['AUTOMOBILE','BUILDING','FURNITURE','HOUSEHOLD','MACHINERY'])[1 + g %% 5], 'customer ' || g
        FROM generate_series(1, %1$d) g;
      INSERT INTO orders SELECT g, 1 + (g * 7919) %% %1$d, 'O', (g %% 100000) / 100.0 + 1,
        DATE '1992-01-01' + (g * 31 %% 2400), '1-URGENT', 'Clerk#000000001', g %% 2, 'order ' || g
        FROM generate_series(1, %1$d * 10) g;
      INSERT INTO lineitem SELECT o, l, (o * l) %% 200000 + 1, (o + l) %% 10000 + 1, 1 + (o * l) %% 50,
        (1 + (o * l) %% 50) * 900.00 + (o %% 100), ((o + l) %% 11) / 100.0, ((o + l) %% 9) / 100.0,
        (ARRAY['A','N','R'])[1 + (o + l) %% 3], (ARRAY['O','F'])[1 + o %% 2],
        DATE '1992-01-01' + (o * 31 %% 2400) + 1 + (l * 17 %% 120), DATE '1992-01-01' + (o * 31 %% 2400) + 30,
        DATE '1992-01-01' + (o * 31 %% 2400) + 2 + (l * 17 %% 120), 'DELIVER IN PERSON', 'TRUCK', 'item ' || o || ' ' || l
        FROM generate_series(1, %1$d * 10) o, generate_series(1, 1 + o %% 7) l""";

  static final String CHANGES =
      """
      CREATE PROCEDURE bench_changes(n bigint, INOUT changes bigint) LANGUAGE plpgsql AS $$
      DECLARE next_key int; customers int; k int; l int; d date; c bigint;
      BEGIN
        SELECT max(o_orderkey) + 1 INTO next_key FROM orders WHERE o_orderkey < 2000000000;
        SELECT count(*) INTO customers FROM customer;
        PERFORM setseed(0.7);
        changes := 0;
        WHILE changes < n LOOP
          d := DATE '1992-01-01' + floor(random() * 2400)::int;
          INSERT INTO orders VALUES (next_key, 1 + floor(random() * customers)::int, 'O', 100.00, d, '1-URGENT',
            'Clerk#000000002', next_key % 2, 'new order');
          FOR l IN 1 .. 3 LOOP
            INSERT INTO lineitem VALUES (next_key, l, l, l, l, 1000.00 * l, 0.05, 0.02, 'N', 'O',
              d + 10 * l, d + 30, d + 11 * l, 'NONE', 'MAIL', 'new item');
          END LOOP;
          changes := changes + 4;
          k := 1 + floor(random() * (next_key - 1))::int;
          UPDATE lineitem SET l_discount = ((l_discount * 100 + 1)::int % 11) / 100.0 WHERE l_orderkey = k AND l_linenumber = 1;
          GET DIAGNOSTICS c = ROW_COUNT; changes := changes + c;
          k := 1 + floor(random() * (next_key - 1))::int;
          UPDATE orders SET o_orderdate = o_orderdate + 20 WHERE o_orderkey = k;
          GET DIAGNOSTICS c = ROW_COUNT; changes := changes + c;
          k := 1 + floor(random() * (next_key - 1))::int;
          DELETE FROM lineitem WHERE l_orderkey = k AND l_linenumber = 2;
          GET DIAGNOSTICS c = ROW_COUNT; changes := changes + c;
          next_key := next_key + 1;
          COMMIT;
        END LOOP;
      END $$""";

  /**
   * A query of the measure: PostgreSQL's text (also mzflink's view), its results table and the
   * columns compared, the hand-written plain Flink SQL job's tables (the columns it reads, declared
   * by hand), sink and INSERT, and how a marker change shows in the results.
   */
  record Query(
      String name,
      String sql,
      String table,
      String columns,
      List<String> plainSources,
      String plainResultsTable,
      String plainSink,
      String plainInsert,
      String markerShown,
      Dataset dataset) {}

  /**
   * The upstream tables of a query: their schema and publication {@code p}, their rows ({@code
   * %1$d}: {@code views.customers}), a procedure {@code bench_changes(n, INOUT changes)} that makes
   * about n changes in small transactions, and the statements of a run's marker transaction ({@code
   * %1$d}: the marker's id).
   */
  record Dataset(String schema, String data, String changes, List<String> marker) {}

  /** TPC-H's customer, orders and lineitem; the marker an order of a BUILDING customer. */
  static final Dataset TPCH =
      new Dataset(
          SCHEMA,
          DATA,
          CHANGES,
          List.of(
              // A marker order of a BUILDING customer that shows in Q3's answer, its line item the
              // run's one with return flag M (Q1).
              "INSERT INTO orders VALUES (%1$d, 1, 'O', 1.00, DATE '1995-01-01', '1-URGENT',"
                  + " 'Clerk#000000003', 0, 'marker')",
              "INSERT INTO lineitem VALUES (%1$d, 1, 1, 1, 1, 1.00, 0, 0, 'M', 'O', DATE '1995-06-01',"
                  + " DATE '1995-06-01', DATE '1995-06-02', 'NONE', 'MAIL', 'marker')"));

  static final Query TPCH_Q3 =
      new Query(
          "tpch_q3",
          Q3,
          "shipping_priority",
          "l_orderkey, revenue, o_orderdate, o_shippriority",
          List.of(
              "customer (c_custkey INT, c_mktsegment STRING, PRIMARY KEY (c_custkey) NOT ENFORCED)",
              "orders (o_orderkey INT, o_custkey INT, o_orderdate DATE, o_shippriority INT,"
                  + " PRIMARY KEY (o_orderkey) NOT ENFORCED)",
              "lineitem (l_orderkey INT, l_linenumber INT, l_extendedprice DECIMAL(15, 2), l_discount DECIMAL(15, 2),"
                  + " l_shipdate DATE, PRIMARY KEY (l_orderkey, l_linenumber) NOT ENFORCED)"),
          "CREATE TABLE shipping_priority (l_orderkey integer NOT NULL, revenue numeric(38,4), o_orderdate date NOT NULL,"
              + " o_shippriority integer NOT NULL, PRIMARY KEY (l_orderkey, o_orderdate, o_shippriority))",
          "shipping_priority (l_orderkey INT, revenue DECIMAL(38, 4), o_orderdate DATE, o_shippriority INT,"
              + " PRIMARY KEY (l_orderkey, o_orderdate, o_shippriority) NOT ENFORCED)",
          "INSERT INTO shipping_priority SELECT l_orderkey, CAST(SUM(l_extendedprice * (1 - l_discount)) AS DECIMAL(38, 4)),"
              + " o_orderdate, o_shippriority FROM customer, orders, lineitem"
              + " WHERE TRIM(TRAILING ' ' FROM c_mktsegment) = 'BUILDING' AND c_custkey = o_custkey AND l_orderkey = o_orderkey"
              + " AND o_orderdate < DATE '1995-03-15' AND l_shipdate > DATE '1995-03-15'"
              + " GROUP BY l_orderkey, o_orderdate, o_shippriority",
          "SELECT count(*) FROM shipping_priority WHERE l_orderkey = %1$d",
          TPCH);

  /**
   * TPC-H Q1 (one table, a few groups), without its averages (numeric averages' scale is not the
   * subject here) and with its date arithmetic folded.
   */
  static final String Q1 =
      """
      SELECT
        l_returnflag,
        l_linestatus,
        sum(l_quantity) AS sum_qty,
        sum(l_extendedprice) AS sum_base_price,
        sum(l_extendedprice * (1 - l_discount)) AS sum_disc_price,
        sum(l_extendedprice * (1 - l_discount) * (1 + l_tax)) AS sum_charge,
        count(*) AS count_order
      FROM lineitem
      WHERE l_shipdate <= DATE '1998-09-02'
      GROUP BY l_returnflag, l_linestatus""";

  static final Query TPCH_Q1 =
      new Query(
          "tpch_q1",
          Q1,
          "pricing_summary",
          "l_returnflag, l_linestatus, sum_qty, sum_base_price, sum_disc_price, sum_charge,"
              + " count_order",
          List.of(
              "lineitem (l_orderkey INT, l_linenumber INT, l_quantity DECIMAL(15, 2),"
                  + " l_extendedprice DECIMAL(15, 2), l_discount DECIMAL(15, 2), l_tax DECIMAL(15, 2),"
                  + " l_returnflag STRING, l_linestatus STRING, l_shipdate DATE,"
                  + " PRIMARY KEY (l_orderkey, l_linenumber) NOT ENFORCED)"),
          "CREATE TABLE pricing_summary (l_returnflag text NOT NULL, l_linestatus text NOT NULL,"
              + " sum_qty numeric(38,2), sum_base_price numeric(38,2), sum_disc_price numeric(38,4),"
              + " sum_charge numeric(38,6), count_order bigint, PRIMARY KEY (l_returnflag, l_linestatus))",
          "pricing_summary (l_returnflag STRING, l_linestatus STRING, sum_qty DECIMAL(38, 2),"
              + " sum_base_price DECIMAL(38, 2), sum_disc_price DECIMAL(38, 4), sum_charge DECIMAL(38, 6),"
              + " count_order BIGINT, PRIMARY KEY (l_returnflag, l_linestatus) NOT ENFORCED)",
          "INSERT INTO pricing_summary SELECT l_returnflag, l_linestatus, CAST(SUM(l_quantity) AS DECIMAL(38, 2)),"
              + " CAST(SUM(l_extendedprice) AS DECIMAL(38, 2)),"
              + " CAST(SUM(l_extendedprice * (1 - l_discount)) AS DECIMAL(38, 4)),"
              + " CAST(SUM(l_extendedprice * (1 - l_discount) * (1 + l_tax)) AS DECIMAL(38, 6)), COUNT(*)"
              + " FROM lineitem WHERE l_shipdate <= DATE '1998-09-02' GROUP BY l_returnflag, l_linestatus",
          // The marker line item is the run's one line item with return flag M.
          "SELECT count(*) FROM pricing_summary WHERE l_returnflag = 'M' AND count_order = %2$d",
          TPCH);

  /** The shop of the example scripts (customers, orders), as sql-scripts/upstream/shop.sql. */
  static final Dataset SHOP =
      new Dataset(
          """
          CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, email text,
            created_at timestamptz NOT NULL DEFAULT now());
          CREATE TABLE orders (id bigint PRIMARY KEY, customer_id int NOT NULL, status text NOT NULL,
            total numeric(12,2) NOT NULL, ordered_at timestamptz NOT NULL DEFAULT now());
          ALTER TABLE customers REPLICA IDENTITY FULL;
          ALTER TABLE orders REPLICA IDENTITY FULL;
          CREATE PUBLICATION p FOR TABLE customers, orders""",
          """
          INSERT INTO customers SELECT g, 'customer ' || g, 'c' || g || '@example.com',
            TIMESTAMPTZ '2024-01-01 00:00:00+00' + g * INTERVAL '1 minute' FROM generate_series(1, %1$d) g;
          INSERT INTO orders SELECT g, 1 + (g * 7919) %% %1$d,
            (ARRAY['paid','shipped','delivered','cancelled','pending'])[1 + g %% 5], (g %% 10000) / 100.0 + 1,
            TIMESTAMPTZ '2024-01-01 00:00:00+00' + g * INTERVAL '1 second' FROM generate_series(1, %1$d * 10) g""",
          """
          CREATE PROCEDURE bench_changes(n bigint, INOUT changes bigint) LANGUAGE plpgsql AS $$
          DECLARE next_key bigint; customers int; k bigint; c bigint;
          BEGIN
            SELECT max(id) + 1 INTO next_key FROM orders;
            SELECT count(*) INTO customers FROM customers;
            PERFORM setseed(0.7);
            changes := 0;
            WHILE changes < n LOOP
              INSERT INTO orders VALUES (next_key, 1 + floor(random() * customers)::int, 'pending',
                round((random() * 500)::numeric, 2) + 1, now());
              changes := changes + 1;
              k := 1 + floor(random() * (next_key - 1))::bigint;
              UPDATE orders SET status = (ARRAY['paid','shipped','delivered','cancelled','pending'])[1 + floor(random() * 5)::int]
                WHERE id = k;
              GET DIAGNOSTICS c = ROW_COUNT; changes := changes + c;
              k := 1 + floor(random() * (next_key - 1))::bigint;
              UPDATE orders SET total = total + 1 WHERE id = k;
              GET DIAGNOSTICS c = ROW_COUNT; changes := changes + c;
              k := 1 + floor(random() * (next_key - 1))::bigint;
              DELETE FROM orders WHERE id = k;
              GET DIAGNOSTICS c = ROW_COUNT; changes := changes + c;
              next_key := next_key + 1;
              COMMIT;
            END LOOP;
          END $$""",
          List.of("INSERT INTO customers VALUES (%1$d, 'marker', NULL, now())"));

  /**
   * The revenue view of sql-scripts/shop_revenue.sql (customers with their orders that count,
   * customers without orders included), without its average and last order.
   */
  static final Query SHOP_REVENUE =
      new Query(
          "shop_revenue",
          """
          SELECT c.id, c.name, count(o.id) AS orders, coalesce(sum(o.total), 0) AS revenue
          FROM customers c
          LEFT JOIN orders o ON o.customer_id = c.id AND o.status <> 'cancelled'
          GROUP BY c.id, c.name""",
          "customer_revenue",
          "id, name, orders, revenue",
          List.of(
              "customers (id INT, name STRING, PRIMARY KEY (id) NOT ENFORCED)",
              "orders (id BIGINT, customer_id INT, status STRING, total DECIMAL(12, 2),"
                  + " PRIMARY KEY (id) NOT ENFORCED)"),
          "CREATE TABLE customer_revenue (id integer PRIMARY KEY, name text NOT NULL, orders bigint,"
              + " revenue numeric(38,2))",
          "customer_revenue (id INT, name STRING, orders BIGINT, revenue DECIMAL(38, 2),"
              + " PRIMARY KEY (id) NOT ENFORCED)",
          "INSERT INTO customer_revenue SELECT c.id, c.name, COUNT(o.id),"
              + " CAST(COALESCE(SUM(o.total), 0) AS DECIMAL(38, 2)) FROM customers c"
              + " LEFT JOIN orders o ON o.customer_id = c.id AND o.status <> 'cancelled'"
              + " GROUP BY c.id, c.name",
          "SELECT count(*) FROM customer_revenue WHERE id = %1$d",
          SHOP);

  static void run(Bench bench) throws Exception {
    for (String name : bench.parameters.get("views.queries").split(",")) {
      run(
          bench,
          switch (name.strip()) {
            case "tpch_q3" -> TPCH_Q3;
            case "tpch_q1" -> TPCH_Q1;
            case "shop_revenue" -> SHOP_REVENUE;
            default -> throw new IllegalArgumentException("unknown views query " + name);
          });
    }
  }

  private static void run(Bench bench, Query query) throws Exception {
    long customers = bench.number("views.customers");
    long changes = bench.number("views.changes");
    int parallelism = (int) bench.number("views.parallelism");
    String db = bench.newDatabase("tpch");
    Path savepoints = Files.createTempDirectory("bench-view-savepoints-");
    try {
      try (Connection c = bench.connect(db)) {
        Dataset data = query.dataset();
        for (String statement : data.schema().split(";\n")) {
          Bench.execute(c, statement);
        }
        for (String statement : String.format(data.data(), customers).split(";\n")) {
          Bench.execute(c, statement);
        }
        Bench.execute(
            c,
            data.changes(),
            "VACUUM ANALYZE",
            "CREATE MATERIALIZED VIEW pg_answer AS " + query.sql());
        System.out.printf(
            "views %s: %,d upstream rows, %,d rows in the answer%n",
            query.name(),
            Bench.longValue(
                c, "SELECT sum(n_live_tup) FROM pg_stat_user_tables WHERE relname <> 'pg_answer'"),
            Bench.longValue(c, "SELECT count(*) FROM pg_answer"));
      }
      String mzSeries = "views " + query.name() + " mzflink p" + parallelism;
      String plainSeries = "views " + query.name() + " plain Flink SQL p" + parallelism;
      String mzInitial = "views " + query.name() + " initial answer mzflink p" + parallelism;
      String plainInitial =
          "views " + query.name() + " initial answer plain Flink SQL p" + parallelism;
      String refreshSeries = "views " + query.name() + " PostgreSQL REFRESH MATERIALIZED VIEW";
      String mzScript = mzScript(bench, db, "tpch", query);
      explain(bench, db, query, mzScript, parallelism);
      long made = 0;
      for (int run = 1; run <= bench.runs; run++) {
        String mzResults = bench.newDatabase("views_mz");
        String plainResults = bench.newDatabase("views_plain");
        mzScript = mzScript(bench, db, "tpch" + run, query);
        try {
          // The initial answer: start-up, snapshot and first commit, each job on its own.
          Bench.Clock initial = bench.clock();
          RunningPipeline mz =
              bench.start(
                  mzScript,
                  mzResults,
                  parallelism,
                  Duration.ofSeconds(2),
                  Optional.empty(),
                  SourceReading.ONE_SLOT_PER_SOURCE);
          String mzSavepoint;
          try {
            awaitAnswer(bench, db, mzResults, query, Optional.empty());
            initial.stop(mzInitial, run, 0);
            mzSavepoint = mz.stopWithSavepoint(savepoints.resolve("mz" + run).toUri().toString());
          } catch (Exception e) {
            mz.stop();
            throw e;
          }
          bench.execute(plainResults, query.plainResultsTable());
          initial = bench.clock();
          PlainJob plain =
              PlainJob.start(
                  bench,
                  db,
                  plainResults,
                  query,
                  "plain" + run,
                  parallelism,
                  Optional.empty(),
                  savepoints.resolve("plain-ck" + run));
          String plainSavepoint;
          try {
            awaitAnswer(bench, db, plainResults, query, Optional.empty());
            initial.stop(plainInitial, run, 0);
            plainSavepoint =
                plain.stopWithSavepoint(savepoints.resolve("plain" + run).toUri().toString());
          } catch (Exception e) {
            plain.cancel();
            throw e;
          }
          int marker = 2_000_000_000 + run;
          try (Connection c = bench.connect(db)) {
            long start = System.nanoTime();
            made = Bench.longValue(c, "CALL bench_changes(" + changes + ", 0)");
            System.out.printf(
                "  views %s run %d: %,d changes made in %.1f s%n",
                query.name(), run, made, (System.nanoTime() - start) / 1e9);
            c.setAutoCommit(false);
            for (String statement : query.dataset().marker()) {
              Bench.execute(c, String.format(statement, marker));
            }
            c.commit();
            c.setAutoCommit(true);
            Bench.Clock clock = bench.clock();
            Bench.execute(c, "REFRESH MATERIALIZED VIEW pg_answer");
            clock.stop(refreshSeries, run, 0);
          }
          Optional<String> shown = Optional.of(String.format(query.markerShown(), marker, run));
          for (boolean mzFirst :
              run % 2 == 1 ? new boolean[] {true, false} : new boolean[] {false, true}) {
            if (mzFirst) {
              Bench.Clock clock = bench.clock();
              try (RunningPipeline resumed =
                  bench.start(
                      mzScript,
                      mzResults,
                      parallelism,
                      Duration.ofSeconds(2),
                      Optional.of(mzSavepoint),
                      SourceReading.ONE_SLOT_PER_SOURCE)) {
                awaitAnswer(bench, db, mzResults, query, shown);
                clock.stop(mzSeries, run, made);
              }
            } else {
              Bench.Clock clock = bench.clock();
              PlainJob resumed =
                  PlainJob.start(
                      bench,
                      db,
                      plainResults,
                      query,
                      "plain" + run,
                      parallelism,
                      Optional.of(plainSavepoint),
                      savepoints.resolve("plain-ck" + run));
              try {
                awaitAnswer(bench, db, plainResults, query, shown);
                clock.stop(plainSeries, run, made);
              } finally {
                resumed.cancel();
              }
            }
          }
        } finally {
          bench.dropInactiveSlots();
          bench.dropDatabase(mzResults);
          bench.dropDatabase(plainResults);
        }
      }
      // Q3 keeps the figures' earlier names.
      String suffix = query == TPCH_Q3 ? "" : "_" + query.name();
      Results.Stats mz = bench.results.stats(mzSeries);
      bench.results.figure(
          "R_plain" + suffix, bench.results.stats(plainSeries).median() / mz.median());
      bench.results.goal("R_plain" + suffix, 1.0);
      bench.results.cpuRatio("R_plain_cpu" + suffix, plainSeries, mzSeries);
      bench.results.figure(
          "R_plain_initial_answer_" + query.name(),
          bench.results.stats(plainInitial).median() / bench.results.stats(mzInitial).median());
      bench.results.figure("views_changes" + suffix, made);
      bench.results.figure("views_changes_per_s_mzflink" + suffix, mz.rate());
      bench.results.figure(
          "views_changes_per_s_plain_flink" + suffix, bench.results.stats(plainSeries).rate());
      double refresh = bench.results.stats(refreshSeries).median();
      bench.results.figure("pg_refresh_ms" + suffix, refresh * 1000);
      bench.results.figure("mzflink_ms_per_change" + suffix, mz.median() / mz.items() * 1000);
      bench.results.figure(
          "changes_per_refresh_time" + suffix, refresh / (mz.median() / mz.items()));
    } finally {
      bench.dropInactiveSlots();
      bench.dropDatabase(db);
      RunningPipeline.deleteRecursively(savepoints);
    }
  }

  /**
   * Writes Flink's EXPLAIN of both jobs beside the results ({@code explain-<query>-mzflink.txt},
   * {@code explain-<query>-plain.txt}).
   */
  private static void explain(Bench bench, String db, Query query, String mzScript, int parallelism)
      throws Exception {
    Path out = Path.of(System.getProperty("bench.out", "bench/results"));
    Files.createDirectories(out);
    Files.writeString(
        out.resolve("explain-" + query.name() + "-mzflink.txt"),
        bench.explain(mzScript, bench.server.jdbcUrl("postgres"), parallelism));
    Files.writeString(
        out.resolve("explain-" + query.name() + "-plain.txt"),
        PlainJob.explain(bench, db, query, parallelism));
  }

  static String mzScript(Bench bench, String db, String source, Query query) {
    return "CREATE SOURCE "
        + source
        + " FROM POSTGRES HOST '"
        + bench.server.conninfo(db)
        + "' PUBLICATION 'p';\n"
        + "CREATE VIEWS FROM SOURCE "
        + source
        + ";\n"
        + "CREATE MATERIALIZED VIEW "
        + query.table()
        + " AS "
        + query.sql()
        + ";\n";
  }

  /**
   * Waits until the query's results table equals PostgreSQL's answer (after {@code shown}, a count
   * query, gives 1, when given).
   */
  static void awaitAnswer(
      Bench bench, String db, String resultsDb, Query query, Optional<String> shown)
      throws Exception {
    try (Connection upstream = bench.connect(db);
        Connection results = bench.connect(resultsDb)) {
      if (shown.isPresent()) {
        Bench.await(
            "marker: " + shown.get(),
            Duration.ofHours(1),
            100,
            () -> existsTable(results, query) && Bench.longValue(results, shown.get()) == 1);
      }
      Bench.await(
          "results equal to PostgreSQL's answer",
          Duration.ofHours(1),
          500,
          () ->
              existsTable(results, query)
                  && rows(results, "SELECT " + query.columns() + " FROM " + query.table())
                      .equals(rows(upstream, query.sql())));
    }
  }

  private static boolean existsTable(Connection c, Query query) throws Exception {
    return Bench.longValue(
            c, "SELECT count(*) FROM pg_tables WHERE tablename = '" + query.table() + "'")
        > 0;
  }

  private static List<String> rows(Connection c, String query) throws Exception {
    List<String> rows = new ArrayList<>();
    try (Statement s = c.createStatement();
        ResultSet r = s.executeQuery(query)) {
      ResultSetMetaData m = r.getMetaData();
      while (r.next()) {
        StringBuilder b = new StringBuilder();
        for (int i = 1; i <= m.getColumnCount(); i++) {
          Object v = r.getObject(i);
          b.append(
                  v instanceof BigDecimal d
                      ? d.stripTrailingZeros().toPlainString()
                      : String.valueOf(v))
              .append('|');
        }
        rows.add(b.toString());
      }
    }
    Collections.sort(rows);
    return rows;
  }

  /** The hand-written plain Flink SQL job: what a Flink user writes for Q3 without mzflink. */
  static final class PlainJob {
    private final JobClient job;

    private PlainJob(JobClient job) {
      this.job = job;
    }

    static PlainJob start(
        Bench bench,
        String db,
        String resultsDb,
        Query query,
        String slotPrefix,
        int parallelism,
        Optional<String> savepoint,
        Path checkpoints) {
      var set =
          statements(bench, db, resultsDb, query, slotPrefix, parallelism, savepoint, checkpoints);
      return new PlainJob(set.execute().getJobClient().orElseThrow());
    }

    /** Flink's EXPLAIN of the job. */
    static String explain(Bench bench, String db, Query query, int parallelism) throws Exception {
      Path checkpoints = Files.createTempDirectory("bench-explain-");
      try {
        return statements(
                bench, db, "postgres", query, "explain", parallelism, Optional.empty(), checkpoints)
            .explain();
      } finally {
        RunningPipeline.deleteRecursively(checkpoints);
      }
    }

    /** The job's tables, sink and INSERT. */
    private static StreamStatementSet statements(
        Bench bench,
        String db,
        String resultsDb,
        Query query,
        String slotPrefix,
        int parallelism,
        Optional<String> savepoint,
        Path checkpoints) {
      String cdc = cdcOptions(bench, db);
      List<String> ddl = new ArrayList<>();
      for (String source : query.plainSources()) {
        String table = source.substring(0, source.indexOf(' '));
        ddl.add(
            "CREATE TABLE "
                + source
                + " WITH ("
                + cdc
                + ", 'table-name' = '"
                + table
                + "', 'slot.name' = '"
                + slotPrefix
                + "_"
                + table
                + "')");
      }
      ddl.add(
          "CREATE TABLE "
              + query.plainSink()
              + " WITH ("
              + jdbcOptions(bench, resultsDb, query.table())
              + ")");
      return statements(
          bench, resultsDb, parallelism, savepoint, checkpoints, ddl, List.of(query.plainInsert()));
    }

    /**
     * postgres-cdc options as a Flink user writes them (upsert changelog: REPLICA IDENTITY DEFAULT
     * upstream).
     */
    static String cdcOptions(Bench bench, String db) {
      return "'connector' = 'postgres-cdc', 'hostname' = '127.0.0.1', 'port' = '"
          + bench.server.port()
          + "',"
          + " 'username' = 'postgres', 'password' = '', 'database-name' = '"
          + db
          + "', 'schema-name' = 'public',"
          + " 'decoding.plugin.name' = 'pgoutput', 'debezium.publication.name' = 'p',"
          + " 'debezium.publication.autocreate.mode' = 'disabled', 'scan.incremental.snapshot.enabled' = 'true',"
          + " 'changelog-mode' = 'upsert'";
    }

    static String jdbcOptions(Bench bench, String resultsDb, String table) {
      return "'connector' = 'jdbc', 'url' = 'jdbc:postgresql://localhost:"
          + bench.server.port()
          + "/"
          + resultsDb
          + "?user=postgres',"
          + " 'table-name' = '"
          + table
          + "'";
    }

    /** Runs {@code ddl}, then {@code inserts} as one job, with mzflink's Flink configuration. */
    static PlainJob start(
        Bench bench,
        String resultsDb,
        int parallelism,
        Optional<String> savepoint,
        Path checkpoints,
        List<String> ddl,
        List<String> inserts) {
      return new PlainJob(
          statements(bench, resultsDb, parallelism, savepoint, checkpoints, ddl, inserts)
              .execute()
              .getJobClient()
              .orElseThrow());
    }

    /** {@code ddl} run, {@code inserts} as one job, with mzflink's Flink configuration. */
    static StreamStatementSet statements(
        Bench bench,
        String resultsDb,
        int parallelism,
        Optional<String> savepoint,
        Path checkpoints,
        List<String> ddl,
        List<String> inserts) {
      String url = bench.server.jdbcUrl(resultsDb);
      RunOptions options =
          new RunOptions(
              url,
              Optional.empty(),
              Duration.ofSeconds(2),
              parallelism,
              savepoint,
              "plain flink sql");
      Configuration conf =
          FlinkEnvironment.configuration(options, Optional.of(checkpoints.toUri().toString()));
      StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
      StreamTableEnvironment tables = FlinkEnvironment.tableEnvironment(env);
      for (String statement : ddl) {
        tables.executeSql(statement);
      }
      StreamStatementSet set = tables.createStatementSet();
      inserts.forEach(set::addInsertSql);
      return set;
    }

    String stopWithSavepoint(String directory) throws Exception {
      String path =
          job.stopWithSavepoint(false, directory, SavepointFormatType.CANONICAL)
              .get(120, TimeUnit.SECONDS);
      try {
        job.getJobExecutionResult().get(60, TimeUnit.SECONDS);
      } catch (Exception e) {
        // ended
      }
      return path;
    }

    void cancel() {
      try {
        job.cancel().get(60, TimeUnit.SECONDS);
        job.getJobExecutionResult().get(60, TimeUnit.SECONDS);
      } catch (Exception e) {
        // ended
      }
    }
  }
}

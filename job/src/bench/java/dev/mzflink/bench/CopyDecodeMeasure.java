package dev.mzflink.bench;

import dev.mzflink.demo.EmbeddedPostgresServer;
import dev.mzflink.source.pgoutput.PgTextSettings;
import dev.mzflink.translate.FlinkTypes;
import dev.mzflink.translate.PgValueKind;
import dev.mzflink.values.CopyTextReader;
import dev.mzflink.values.PgRowDecoder;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.flink.table.data.GenericRowData;
import org.postgresql.PGConnection;
import org.postgresql.copy.PGCopyInputStream;

/**
 * How many rows per second the COPY text reader and the row decoder turn into Flink rows: 1M rows
 * of (bigint, int, text, numeric(12,2), timestamptz), from COPY text held in memory (the decoding
 * alone) and from a live {@code COPY ... TO STDOUT} (with PostgreSQL's side), against PostgreSQL
 * writing the same COPY to nowhere. One thread; prints the system load average. Run: {@code mvn
 * -Pbench -pl job verify -DskipTests -Dbench.main=dev.mzflink.bench.CopyDecodeMeasure}, or with
 * {@code -Dbench.rows=N}.
 */
public final class CopyDecodeMeasure {
  private CopyDecodeMeasure() {}

  private static final String COPY = "COPY (SELECT id, n, s, amount, at FROM t) TO STDOUT";

  public static void main(String[] args) throws Exception {
    int rows = Integer.getInteger("bench.rows", 1_000_000);
    int runs = Integer.getInteger("bench.runs", 5);
    PgRowDecoder decoder =
        PgRowDecoder.of(
            "\"public\".\"t\"",
            List.of(
                column("id", "BIGINT", PgValueKind.INT8),
                column("n", "INT", PgValueKind.INT4),
                column("s", "STRING", PgValueKind.TEXT),
                column("amount", "DECIMAL(12, 2)", PgValueKind.NUMERIC),
                column("at", "TIMESTAMP_LTZ(6)", PgValueKind.TIMESTAMPTZ)));
    try (EmbeddedPostgresServer server = EmbeddedPostgresServer.start()) {
      server.createDatabase("measure");
      try (Connection c = server.connect("measure");
          Statement s = c.createStatement()) {
        s.execute(
            "CREATE TABLE t (id bigint PRIMARY KEY, n int, s text, amount numeric(12, 2),"
                + " at timestamptz)");
        s.execute(
            "INSERT INTO t SELECT g, ((g::bigint * 7919) % 1000000)::int, 'customer ' || md5(g::text),"
                + " round((g % 100000) * 1.37, 2),"
                + " timestamptz '2024-01-01 00:00:00+00' + g * interval '1.234567 second'"
                + " FROM generate_series(1, "
                + rows
                + ") g");
        s.execute("VACUUM ANALYZE t");
        PgTextSettings.apply(c);
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        c.unwrap(PGConnection.class).getCopyAPI().copyOut(COPY, text);
        byte[] bytes = text.toByteArray();
        System.out.printf(
            "%d rows, %.1f MB of COPY text, %d runs; load average before: %.2f%n",
            rows, bytes.length / 1e6, runs, load());

        List<Double> nowhere = new ArrayList<>();
        List<Double> memory = new ArrayList<>();
        List<Double> live = new ArrayList<>();
        for (int run = 0; run < runs; run++) {
          long start = System.nanoTime();
          c.unwrap(PGConnection.class).getCopyAPI().copyOut(COPY, OutputStream.nullOutputStream());
          nowhere.add(rate(rows, start));

          start = System.nanoTime();
          check(rows, decode(new ByteArrayInputStream(bytes), decoder));
          memory.add(rate(rows, start));

          start = System.nanoTime();
          try (PGCopyInputStream in = new PGCopyInputStream(c.unwrap(PGConnection.class), COPY)) {
            check(rows, decode(in, decoder));
          }
          live.add(rate(rows, start));
        }
        System.out.printf("PostgreSQL COPY to nowhere (pgjdbc): %s rows/s%n", summary(nowhere));
        System.out.printf("reader + decoder, COPY text in memory: %s rows/s%n", summary(memory));
        System.out.printf("reader + decoder, live COPY: %s rows/s%n", summary(live));
        System.out.printf("load average after: %.2f (checksum %d)%n", load(), checksum);
      }
    }
  }

  private static PgRowDecoder.Column column(String name, String type, PgValueKind kind) {
    return PgRowDecoder.Column.of(name, new FlinkTypes.Carried(type, kind, Optional.empty()));
  }

  /** A sum over every decoded value, so that no decoding can be skipped. */
  static long checksum;

  /** Decodes every row; returns the count. */
  private static long decode(InputStream in, PgRowDecoder decoder) throws Exception {
    CopyTextReader reader = new CopyTextReader(in);
    long count = 0;
    long sum = 0;
    while (reader.next()) {
      GenericRowData row = decoder.decode(reader);
      sum +=
          row.getLong(0)
              + row.getInt(1)
              + row.getString(2).toBytes().length
              + row.getDecimal(3, 12, 2).toUnscaledLong()
              + row.getTimestamp(4, 6).getMillisecond();
      count++;
    }
    checksum += sum;
    return count;
  }

  private static void check(long expected, long actual) {
    if (expected != actual) {
      throw new IllegalStateException(actual + " rows instead of " + expected);
    }
  }

  private static double rate(long rows, long start) {
    return rows / ((System.nanoTime() - start) / 1e9);
  }

  private static String summary(List<Double> rates) {
    List<Double> sorted = new ArrayList<>(rates);
    sorted.sort(null);
    return String.format(
        "median %,.0f (best %,.0f, worst %,.0f)",
        sorted.get(sorted.size() / 2), sorted.get(sorted.size() - 1), sorted.get(0));
  }

  private static double load() {
    return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
  }
}

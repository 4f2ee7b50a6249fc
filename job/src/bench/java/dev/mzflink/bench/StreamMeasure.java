package dev.mzflink.bench;

import dev.mzflink.runtime.RunningPipeline;
import dev.mzflink.translate.SourceReading;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;

/**
 * Measure 2: stream drain. Each run's replication slots exist before the changes are made (the
 * mzflink pipeline has snapshotted the table and been stopped with a savepoint; pg_recvlogical's
 * slot is created); then one change stream of N changes (60% insert, 30% update, 10% delete;
 * alternately 100 transactions of one change and one transaction of 100 changes) is generated; then
 * each run drains it: mzflink resumed from its savepoint until the marker committed after the
 * changes is in the results database, and pg_recvlogical with pgoutput from its own slot to
 * /dev/null up to the same LSN. R_stream = pg_recvlogical time / mzflink time.
 *
 * <p>Each mzflink run is split at its start-up: from the start of the run (compiling the script,
 * checking the results tables, submitting the job restored from its savepoint) to the first change
 * visible in the results database (the first change is an insert of a row with an id above the
 * snapshot's), {@code stream_startup_s}, and the rest: {@code R_stream_excl_startup} =
 * pg_recvlogical time / mzflink time after start-up (pg_recvlogical is not split: it starts in
 * milliseconds).
 */
final class StreamMeasure {
  private StreamMeasure() {}

  static final String GENERATOR =
      """
      CREATE PROCEDURE gen(n bigint, INOUT changes bigint) LANGUAGE plpgsql AS $$
      DECLARE next_id bigint; del_id bigint; i bigint := 0; k bigint; c bigint;
      BEGIN
        SELECT max(id) + 1, min(id) INTO next_id, del_id FROM s WHERE id > 0;
        PERFORM setseed(0.42);
        changes := 0;
        WHILE i < n LOOP
          IF i % 10 < 6 THEN
            INSERT INTO s VALUES (next_id, next_id * 7, 'row ' || next_id);
            next_id := next_id + 1;
          ELSIF i % 10 < 9 THEN
            k := del_id + floor(random() * (next_id - del_id))::bigint;
            UPDATE s SET v = v + 1, note = 'updated ' || i WHERE id = k;
          ELSE
            DELETE FROM s WHERE id = del_id;
            del_id := del_id + 1;
          END IF;
          GET DIAGNOSTICS c = ROW_COUNT;
          changes := changes + c;
          i := i + 1;
          IF ((i - 1) / 100) % 2 = 0 OR i % 100 = 0 THEN
            COMMIT;
          END IF;
        END LOOP;
        COMMIT;
      END $$""";

  static void run(Bench bench) throws Exception {
    long changes = bench.number("stream.changes");
    int parallelism = (int) bench.number("stream.parallelism");
    long initial = Math.max(10_000, changes / 10);
    String db = bench.newDatabase("stream");
    List<String> resultsDatabases = new ArrayList<>();
    Path savepoints = Files.createTempDirectory("bench-savepoints-");
    try {
      bench.execute(
          db,
          "CREATE TABLE s (id bigint PRIMARY KEY, v bigint NOT NULL, note text)",
          "INSERT INTO s SELECT g, g * 7, 'row ' || g FROM generate_series(1, " + initial + ") g",
          "VACUUM ANALYZE s",
          "CREATE PUBLICATION p FOR TABLE s",
          GENERATOR);
      // Slots first: one stopped mzflink pipeline (snapshot done, savepoint) and one pgoutput slot
      // per run.
      List<String> savepointPaths = new ArrayList<>();
      for (int run = 1; run <= bench.runs; run++) {
        String results = bench.newDatabase("stream_results");
        resultsDatabases.add(results);
        RunningPipeline pipeline =
            bench.start(
                bench.sourceScript("s" + run, db, true),
                results,
                parallelism,
                Duration.ofSeconds(2),
                Optional.empty(),
                SourceReading.ONE_SLOT_PER_SOURCE);
        try (Connection c = bench.connect(results)) {
          Bench.await(
              "the snapshot of s",
              Duration.ofMinutes(30),
              200,
              () -> Bench.longValue(c, "SELECT count(*) FROM s") >= initial);
          savepointPaths.add(
              pipeline.stopWithSavepoint(savepoints.resolve("run" + run).toUri().toString()));
        } catch (Exception e) {
          pipeline.stop();
          throw e;
        }
      }
      try (Connection c = bench.connect(db)) {
        for (int run = 1; run <= bench.runs; run++) {
          Bench.execute(
              c, "SELECT pg_create_logical_replication_slot('bench_recv_" + run + "', 'pgoutput')");
        }
      }
      long made;
      String endLsn;
      try (Connection c = bench.connect(db)) {
        long start = System.nanoTime();
        made = Bench.longValue(c, "CALL gen(" + changes + ", 0)");
        double seconds = (System.nanoTime() - start) / 1e9;
        Bench.execute(c, "INSERT INTO s VALUES (-1, 0, 'marker')");
        endLsn = Bench.stringValue(c, "SELECT pg_current_wal_lsn()::text");
        System.out.printf(
            "stream: %,d changes generated in %.1f s (%,.0f/s), WAL up to %s%n",
            made, seconds, made / seconds, endLsn);
        bench.results.figure("stream_changes", made);
      }
      Optional<Path> recvlogical = Bench.clientProgram("pg_recvlogical");
      String limitSeries =
          recvlogical.isPresent()
              ? "stream pg_recvlogical pgoutput"
              : "stream pgjdbc pgoutput consumer";
      String series = "stream mzflink p" + parallelism;
      String startupSeries = series + " start-up";
      String restSeries = series + " after start-up";
      for (int run = 1; run <= bench.runs; run++) {
        drainLimit(bench, db, recvlogical, "bench_recv_" + run, endLsn, limitSeries, run, made);
        String results = resultsDatabases.get(run - 1);
        Bench.Clock clock = bench.clock();
        try (RunningPipeline pipeline =
                bench.start(
                    bench.sourceScript("s" + run, db, true),
                    results,
                    parallelism,
                    Duration.ofSeconds(2),
                    Optional.of(savepointPaths.get(run - 1)),
                    SourceReading.ONE_SLOT_PER_SOURCE);
            Connection c = bench.connect(results);
            Connection upstream = bench.connect(db)) {
          Bench.Clock rest =
              bench.awaitStartup(
                  clock,
                  pipeline,
                  () ->
                      Bench.booleanValue(
                          c, "SELECT EXISTS (SELECT 1 FROM s WHERE id > " + initial + ")"),
                  startupSeries,
                  run);
          Bench.await(
              "the marker",
              Duration.ofHours(1),
              100,
              () -> Bench.longValue(c, "SELECT count(*) FROM s WHERE id = -1") == 1);
          Bench.Reading end = bench.now();
          clock.stop(series, run, made, end);
          rest.stop(restSeries, run, made, end);
          String check =
              "SELECT count(*) || ' ' || sum(v) || ' ' || sum(hashtext(coalesce(note, ''))::bigint) FROM s";
          String expected = Bench.stringValue(upstream, check);
          String actual = Bench.stringValue(c, check);
          if (!expected.equals(actual)) {
            throw new IllegalStateException(
                "results differ after the drain: upstream " + expected + ", results " + actual);
          }
        }
        bench.dropDatabase(results);
      }
      String name = "R_stream";
      bench.results.figure(
          name, bench.results.stats(limitSeries).median() / bench.results.stats(series).median());
      bench.results.goal(name, 0.7);
      bench.results.figure(
          "R_stream_excl_startup",
          bench.results.stats(limitSeries).median() / bench.results.stats(restSeries).median());
      bench.results.cpuRatio("R_stream_cpu", limitSeries, series);
      bench.results.figure("stream_startup_s", bench.results.stats(startupSeries).median());
      bench.results.figure("stream_changes_per_s_mzflink", bench.results.stats(series).rate());
      bench.results.figure(
          "stream_changes_per_s_mzflink_excl_startup", bench.results.stats(restSeries).rate());
      bench.results.figure(
          "stream_changes_per_s_pgoutput", bench.results.stats(limitSeries).rate());
    } finally {
      bench.dropInactiveSlots();
      for (String results : resultsDatabases) {
        bench.dropDatabase(results);
      }
      bench.dropDatabase(db);
      RunningPipeline.deleteRecursively(savepoints);
    }
  }

  private static void drainLimit(
      Bench bench,
      String db,
      Optional<Path> recvlogical,
      String slot,
      String endLsn,
      String series,
      int run,
      long changes)
      throws Exception {
    Bench.Clock clock = bench.clock();
    if (recvlogical.isPresent()) {
      Path log = Files.createTempFile("bench-recvlogical", ".log");
      try {
        Bench.runProgram(
            List.of(
                recvlogical.get().toString(),
                "-d",
                bench.server.conninfo(db),
                "--slot",
                slot,
                "--start",
                "--no-loop",
                "--endpos",
                endLsn,
                "-o",
                "proto_version=1",
                "-o",
                "publication_names=p",
                "-f",
                "/dev/null"),
            log);
      } finally {
        Files.deleteIfExists(log);
      }
    } else {
      drainWithPgjdbc(bench, db, slot, endLsn);
    }
    double seconds = clock.elapsed();
    // Read PostgreSQL's CPU once the walsender has exited and been reaped by the postmaster
    // (until then its CPU is in neither a live process nor the postmaster's child times).
    try (Connection c = bench.connect(db)) {
      Bench.await(
          "the walsender of " + slot + " to exit",
          Duration.ofSeconds(30),
          20,
          () ->
              Bench.longValue(
                      c,
                      "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '"
                          + slot
                          + "' AND active")
                  == 0);
    }
    Thread.sleep(200);
    clock.stop(series, run, changes, seconds);
    bench.execute(db, "SELECT pg_drop_replication_slot('" + slot + "')");
  }

  /** The same drain with pgjdbc's replication API (a logical decoding consumer of pgoutput). */
  private static void drainWithPgjdbc(Bench bench, String db, String slot, String endLsn)
      throws Exception {
    Properties properties = new Properties();
    PGProperty.USER.set(properties, "postgres");
    PGProperty.REPLICATION.set(properties, "database");
    PGProperty.ASSUME_MIN_SERVER_VERSION.set(properties, "9.4");
    PGProperty.PREFER_QUERY_MODE.set(properties, "simple");
    LogSequenceNumber end = LogSequenceNumber.valueOf(endLsn);
    try (Connection c =
            DriverManager.getConnection(
                "jdbc:postgresql://localhost:" + bench.server.port() + "/" + db, properties);
        PGReplicationStream stream =
            c.unwrap(PGConnection.class)
                .getReplicationAPI()
                .replicationStream()
                .logical()
                .withSlotName(slot)
                .withSlotOption("proto_version", 1)
                .withSlotOption("publication_names", "p")
                .start()) {
      while (true) {
        ByteBuffer message = stream.read();
        if (message != null && stream.getLastReceiveLSN().compareTo(end) >= 0) {
          return;
        }
      }
    }
  }
}

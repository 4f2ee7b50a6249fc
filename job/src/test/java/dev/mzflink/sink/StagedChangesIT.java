package dev.mzflink.sink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mzflink.testing.PostgresServerExtension;
import dev.mzflink.testing.Sql;
import java.sql.Connection;
import java.util.List;
import java.util.Optional;
import org.apache.flink.table.types.logical.BigIntType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.VarCharType;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The three ways a keyed table's staged changes are written (MERGE, DELETE then INSERT ... ON
 * CONFLICT, and the plain INSERT of a run's first commit into the table it emptied), on the same
 * staged changes against a real server: each leaves every key's last change, applies only the
 * batches of the ranges, and leaves the other batches staged (also where the applied ones go by
 * TRUNCATE).
 */
class StagedChangesIT {
  @RegisterExtension static final PostgresServerExtension RESULTS = new PostgresServerExtension();

  private static final ResultsTableSpec TABLE =
      new ResultsTableSpec(
          new ResultsTableName("public", "accounts"),
          List.of("id", "owner"),
          new LogicalType[] {new BigIntType(false), new VarCharType(VarCharType.MAX_LENGTH)},
          new int[] {0},
          Optional.of("id bigint PRIMARY KEY, owner text"),
          "");

  /**
   * A run's first commit: the results table is emptied in the commit's transaction and takes two
   * writers' batches, with keys updated within a batch and across batches, inserted then deleted,
   * deleted without ever being there, and re-inserted after a delete.
   */
  @ParameterizedTest
  @EnumSource(StagedChanges.Upsert.class)
  void aFirstCommitKeepsEachKeysLastChangeAndOnlyTheBatchesOfItsRanges(StagedChanges.Upsert how)
      throws Exception {
    try (Connection c = RESULTS.server().connect("postgres")) {
      prepare(c);
      Sql.execute(c, "INSERT INTO public.accounts VALUES (9, 'an earlier run')");
      stage(
          c,
          // subtask, batch, seq, op, id, owner
          "0, 1, 1, 1, 1, 'ann'",
          "0, 1, 2, 1, 2, 'bob'",
          "0, 1, 3, 1, 1, 'ann v2'",
          "0, 1, 4, -1, 3, NULL",
          "0, 1, 5, 1, 4, 'dan'",
          "0, 2, 1, -1, 4, NULL",
          "0, 2, 2, 1, 5, 'eve'",
          "0, 2, 3, -1, 5, NULL",
          "0, 2, 4, 1, 5, 'eve v2'",
          "1, 1, 1, 1, 6, 'fay'",
          "1, 1, 2, -1, 6, NULL",
          "0, 3, 1, 1, 7, 'a later checkpoint'",
          "2, 1, 1, 1, 8, 'a writer without a range'");
      c.setAutoCommit(false);
      Sql.execute(c, "TRUNCATE public.accounts");
      StagedChanges.apply(
          c,
          TABLE,
          List.of(new StagedChanges.Range(0, 0, 2), new StagedChanges.Range(1, 0, 1)),
          how);
      c.commit();
      c.setAutoCommit(true);

      assertThat(Sql.strings(c, "SELECT id || ' ' || owner FROM public.accounts ORDER BY id"))
          .containsExactly("1 ann v2", "2 bob", "5 eve v2");
      assertThat(
              Sql.strings(
                  c,
                  "SELECT mz_subtask || ' ' || mz_batch || ' ' || id FROM "
                      + TABLE.stagingTable()
                      + " ORDER BY id"))
          .containsExactly("0 3 7", "2 1 8");
    }
  }

  /**
   * A later commit into a table that holds rows: a key whose last change equals its stored row is
   * not written again (its row version stays), a changed one is, and the count is of the rows
   * written. With a re-read applied, the rows no staged change is about are deleted first.
   */
  @ParameterizedTest
  @EnumSource(
      value = StagedChanges.Upsert.class,
      names = {"MERGE", "DELETE_INSERT"})
  void aRowAlreadyAsItShouldBeIsNotWrittenAgain(StagedChanges.Upsert how) throws Exception {
    try (Connection c = RESULTS.server().connect("postgres")) {
      prepare(c);
      Sql.execute(
          c,
          "INSERT INTO public.accounts VALUES (1, 'ann'), (2, 'bob'), (3, 'cid'), (4, 'dan'),"
              + " (9, 'added by hand')");
      String versions = "SELECT id || ' ' || xmin::text FROM public.accounts WHERE id IN (1, 4)";
      List<String> before = Sql.strings(c, versions);
      stage(
          c,
          // subtask, batch, seq, op, id, owner
          "0, 1, 1, -1, 1, NULL",
          "0, 1, 2, 1, 1, 'ann'",
          "0, 1, 3, 1, 2, 'bob v2'",
          "0, 1, 4, -1, 3, NULL",
          "1, 1, 1, 1, 4, 'dan'",
          "1, 1, 2, 1, 5, 'eve'");
      List<StagedChanges.Range> ranges =
          List.of(new StagedChanges.Range(0, 0, 1), new StagedChanges.Range(1, 0, 1));
      c.setAutoCommit(false);
      long deleted = StagedChanges.deleteUnstaged(c, TABLE, ranges);
      long written = StagedChanges.apply(c, TABLE, ranges, how);
      c.commit();
      c.setAutoCommit(true);

      assertThat(deleted).as("rows deleted: 9, which no change is about").isEqualTo(1);
      assertThat(written).as("2 updated, 3 deleted, 5 inserted").isEqualTo(3);
      assertThat(Sql.strings(c, "SELECT id || ' ' || owner FROM public.accounts ORDER BY id"))
          .containsExactly("1 ann", "2 bob v2", "4 dan", "5 eve");
      assertThat(Sql.strings(c, versions)).isEqualTo(before);
    }
  }

  private static void prepare(Connection c) throws Exception {
    Sql.execute(c, "DROP TABLE IF EXISTS public.accounts", "DROP SCHEMA IF EXISTS mzflink CASCADE");
    StagingTables.ensure(c, TABLE);
  }

  private static void stage(Connection c, String... rows) throws Exception {
    for (String row : rows) {
      String[] v = row.split(", ", 5);
      Sql.execute(
          c,
          "INSERT INTO "
              + TABLE.stagingTable()
              + " (mz_subtask, mz_batch, mz_flush, mz_seq, mz_op, id, owner) VALUES ("
              + String.join(", ", v[0], v[1], "0", v[2], v[3], v[4])
              + ")");
    }
  }
}

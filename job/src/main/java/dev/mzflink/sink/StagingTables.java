package dev.mzflink.sink;

import dev.mzflink.status.ResultsSchema;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import org.apache.flink.runtime.execution.SuppressRestartsException;

/**
 * The staging tables of results tables: the same columns and types (no constraints: a deleted key
 * is staged with its key only), then the writer subtask, batch, flush, sequence number and
 * operation of each staged change. Logged, so staged rows survive a restart of the database.
 */
final class StagingTables {
  private StagingTables() {}

  /**
   * Creates {@code table}'s results table when it is missing and its definition is known (the SQL
   * client path, where no {@code mzflink run} prepared the database), then its staging table.
   */
  static void ensure(Connection c, ResultsTableSpec table) throws SQLException {
    if (!exists(c, table.quoted()) && table.definition().isPresent()) {
      ResultsTables.createIfMissing(
          c, table.quoted(), table.name.schema(), table.typesSql, table.definition().get());
    }
    if (!exists(c, table.quoted())) {
      throw new IllegalStateException(
          String.format(
              "results table %s does not exist; mzflink run creates it before the job starts",
              table.quoted()));
    }
    refuseForeign(c, table);
    if (exists(c, table.stagingTable())) {
      return;
    }
    String staging = table.stagingTable();
    ResultsSchema.create(
        c,
        "CREATE TABLE IF NOT EXISTS "
            + staging
            + " AS SELECT "
            + table.columnList("")
            + " FROM "
            + table.quoted()
            + " WITH NO DATA",
        "ALTER TABLE "
            + staging
            + " ADD COLUMN IF NOT EXISTS mz_subtask integer, ADD COLUMN IF NOT EXISTS mz_batch bigint,"
            + " ADD COLUMN IF NOT EXISTS mz_flush integer, ADD COLUMN IF NOT EXISTS mz_seq bigint,"
            + " ADD COLUMN IF NOT EXISTS mz_op integer",
        "CREATE INDEX IF NOT EXISTS "
            + staging.substring(staging.indexOf('.') + 1).replace("\"stage_", "\"stage_i_")
            + " ON "
            + staging
            + " (mz_subtask, mz_batch)");
  }

  /**
   * Fails the job, without restarts, when {@code table}'s name holds a relation mzflink did not
   * create (see {@link ResultsTables#OWNERSHIP_MARK}): the sink never writes into it.
   */
  static void refuseForeign(Connection c, ResultsTableSpec table) throws SQLException {
    Optional<String> kind = ResultsTables.foreignHolder(c, table.quoted());
    if (kind.isPresent()) {
      throw new SuppressRestartsException(
          new IllegalStateException(
              ResultsTables.foreignHolderMessage(table.quoted(), kind.get())));
    }
  }

  /** Drops the staging table of {@code quoted} (the results table was created anew). */
  static void drop(Statement s, String quoted) throws SQLException {
    s.execute("DROP TABLE IF EXISTS " + ResultsTableSpec.stagingTable(quoted));
  }

  private static boolean exists(Connection c, String qualified) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
      s.setString(1, qualified);
      try (ResultSet r = s.executeQuery()) {
        r.next();
        return r.getBoolean(1);
      }
    }
  }
}

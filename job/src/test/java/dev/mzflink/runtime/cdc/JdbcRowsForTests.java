package dev.mzflink.runtime.cdc;

import dev.mzflink.translate.FlinkPlan;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.apache.flink.table.data.GenericRowData;

/** How {@code mzflink run} reads a JDBC row of a table today ({@link JdbcRows}), for tests. */
public final class JdbcRowsForTests {
  private JdbcRowsForTests() {}

  /** The Flink row that the locked snapshot makes of the current row of {@code rs}. */
  public static GenericRowData read(ResultSet rs, FlinkPlan.StreamTable table) throws SQLException {
    return JdbcRows.read(rs, new TableLayout(0, table));
  }
}

package dev.mzflink.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mzflink.cli.SnapshotProgress.TableProgress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How run draws the snapshot's progress. */
class SnapshotProgressTest {
  private static final List<TableProgress> TABLES =
      List.of(
          new TableProgress("\"public\".\"a\"", "running", 1200, 1000, ""),
          new TableProgress("\"public\".\"b\"", "snapshotting", 25_000, 100_000, ""),
          new TableProgress("\"public\".\"c\"", "starting", 0, -1, ""));

  @Test
  void aTerminalGetsABarPerTable() {
    assertThat(SnapshotProgress.line(TABLES, true))
        .isEqualTo(
            "Snapshot: \"public\".\"a\" done (1,200 rows) \"public\".\"b\" [#####...............] 25,000 of ~100,000 rows (25%)"
                + " \"public\".\"c\" 0 rows");
  }

  @Test
  void logsGetFigures() {
    assertThat(SnapshotProgress.line(TABLES, false))
        .isEqualTo(
            "Snapshot: \"public\".\"a\" done (1,200 rows) \"public\".\"b\" 25,000 of ~100,000 rows (25%) \"public\".\"c\" 0 rows");
  }
}

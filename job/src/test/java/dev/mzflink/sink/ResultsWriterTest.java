package dev.mzflink.sink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mzflink.values.PgText;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.types.logical.IntType;
import org.apache.flink.table.types.logical.VarCharType;
import org.apache.flink.types.RowKind;
import org.junit.jupiter.api.Test;

/** How the results writer compacts a keyed table's changes into a batch. */
class ResultsWriterTest {
  private static final RowData.FieldGetter[] FIELDS = {
    PgText.getter(new IntType(), 0), PgText.getter(new VarCharType(VarCharType.MAX_LENGTH), 1)
  };

  private static RowData row(RowKind kind, int key, String value) {
    return GenericRowData.ofKind(kind, key, StringData.fromString(value));
  }

  @Test
  void updateBeforeWithoutUpdateAfterDeletesItsKey() {
    // A view's WHERE drops the UPDATE_AFTER of a row updated out of the view: only the
    // UPDATE_BEFORE arrives, and the row must leave the results table.
    ResultsWriter writer = new ResultsWriter(FIELDS, new int[] {0}, 0, "lineage", false, 1L);
    writer.write(row(RowKind.INSERT, 1, "a"), null);
    writer.write(row(RowKind.UPDATE_BEFORE, 1, "a"), null);
    writer.write(row(RowKind.UPDATE_BEFORE, 2, "b"), null);
    writer.write(row(RowKind.UPDATE_AFTER, 2, "c"), null);
    ResultsBatch batch = writer.prepareCommit().iterator().next();
    assertThat(batch.upserts()).containsKeys(List.of("1"), List.of("2"));
    assertThat(batch.upserts().get(List.of("1"))).isNull();
    assertThat(Arrays.asList(batch.upserts().get(List.of("2")))).containsExactly("2", "c");
  }

  @Test
  void keylessTablesCountCopies() {
    ResultsWriter writer = new ResultsWriter(FIELDS, new int[0], 0, "lineage", false, 1L);
    writer.write(row(RowKind.INSERT, 1, "a"), null);
    writer.write(row(RowKind.INSERT, 1, "a"), null);
    writer.write(row(RowKind.UPDATE_BEFORE, 2, "b"), null);
    writer.write(row(RowKind.UPDATE_AFTER, 2, "c"), null);
    ResultsBatch batch = writer.prepareCommit().iterator().next();
    assertThat(batch.deltas())
        .containsEntry(List.of("1", "a"), 2)
        .containsEntry(List.of("2", "b"), -1)
        .containsEntry(List.of("2", "c"), 1);
  }
}

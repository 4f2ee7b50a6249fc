package dev.mzflink.values;

import org.apache.flink.table.data.RowData;

/**
 * A row's key as one string, to partition by: the PostgreSQL text of the key columns (of every
 * column for a key-less table), each length-prefixed so that ("a,b") and ("a", "b") differ; NULL is
 * {@code -1:}.
 */
public final class KeyText {
  private KeyText() {}

  /**
   * Appends the key of {@code row} to {@code out}: the columns at {@code key}, or all of {@code
   * text} when {@code key} is empty. {@code text} reads each column as PostgreSQL text ({@link
   * PgText#getter}).
   */
  public static StringBuilder append(
      StringBuilder out, RowData row, RowData.FieldGetter[] text, int[] key) {
    if (key.length > 0) {
      for (int k : key) {
        append(out, (String) text[k].getFieldOrNull(row));
      }
    } else {
      for (RowData.FieldGetter getter : text) {
        append(out, (String) getter.getFieldOrNull(row));
      }
    }
    return out;
  }

  private static void append(StringBuilder out, String value) {
    if (value == null) {
      out.append("-1:");
    } else {
      out.append(value.length()).append(':').append(value);
    }
  }
}

package dev.mzflink.plan;

import static java.util.Objects.requireNonNull;

import java.util.List;

/** The answer to a SHOW statement: column names and rows of text. */
public record ShowOutput(String statement, List<String> columns, List<List<String>> rows) {
  public ShowOutput {
    requireNonNull(statement, "statement is null");
    columns = List.copyOf(requireNonNull(columns, "columns is null"));
    rows = requireNonNull(rows, "rows is null").stream().map(List::copyOf).toList();
    for (List<String> row : rows) {
      if (row.size() != columns.size()) {
        throw new IllegalArgumentException("row " + row + " does not match columns " + columns);
      }
    }
  }

  /** An aligned table as psql prints it, with a row count. */
  public String render() {
    int[] widths = new int[columns.size()];
    for (int i = 0; i < widths.length; i++) {
      widths[i] = columns.get(i).length();
      for (List<String> row : rows) {
        widths[i] = Math.max(widths[i], row.get(i).length());
      }
    }
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < widths.length; i++) {
      String c = columns.get(i);
      int pad = widths[i] - c.length();
      out.append(i == 0 ? " " : " | ");
      out.append(" ".repeat(pad / 2)).append(c).append(" ".repeat(pad - pad / 2));
    }
    out.append('\n');
    for (int i = 0; i < widths.length; i++) {
      out.append(i == 0 ? "-" : "-+-").append("-".repeat(widths[i]));
    }
    out.append("-\n");
    for (List<String> row : rows) {
      for (int i = 0; i < widths.length; i++) {
        out.append(i == 0 ? " " : " | ");
        out.append(row.get(i)).append(" ".repeat(widths[i] - row.get(i).length()));
      }
      out.append('\n');
    }
    out.append('(').append(rows.size()).append(rows.size() == 1 ? " row)" : " rows)").append('\n');
    return out.toString()
            .lines()
            .map(String::stripTrailing)
            .reduce((a, b) -> a + "\n" + b)
            .orElse("")
        + "\n";
  }
}

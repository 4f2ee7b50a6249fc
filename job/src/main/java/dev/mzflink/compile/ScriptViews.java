package dev.mzflink.compile;

import dev.mzflink.sql.Parser;
import dev.mzflink.sql.Quote;
import dev.mzflink.sql.Statement;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The views of a script's text, to leave some out of it: a pipeline that follows its upstream
 * tables stops maintaining a view that reads a column that was dropped or changed type, and goes on
 * with the rest of the script. Pure.
 */
public final class ScriptViews {
  private ScriptViews() {}

  /** The {@code CREATE [MATERIALIZED] VIEW} statement of {@code text} that {@code offset} is in. */
  public static Optional<Statement.CreateView> viewAt(String text, int offset) {
    Statement at = null;
    for (Statement s : statements(text)) {
      if (s.position().offset() <= offset) {
        at = s;
      }
    }
    return at instanceof Statement.CreateView view ? Optional.of(view) : Optional.empty();
  }

  /** The materialized view of {@code text} whose results table is {@code qualified} (quoted). */
  public static Optional<Statement.CreateView> materializedView(String text, String qualified) {
    for (Statement s : statements(text)) {
      if (s instanceof Statement.CreateView view
          && view.materialized()
          && resultsName(view).equals(qualified)) {
        return Optional.of(view);
      }
    }
    return Optional.empty();
  }

  /** The results table (quoted) of a materialized view: its name, in schema public by default. */
  public static String resultsName(Statement.CreateView view) {
    return Quote.pgQualified(view.name().schema().orElse("public"), view.name().name());
  }

  /**
   * {@code text} without the statements of {@code views} (each up to the next statement), blanked
   * with spaces so that every other statement keeps its position.
   */
  public static String without(String text, Collection<Statement.CreateView> views) {
    List<Statement> statements = statements(text);
    char[] out = text.toCharArray();
    for (int i = 0; i < statements.size(); i++) {
      int start = statements.get(i).position().offset();
      if (views.stream().noneMatch(v -> v.position().offset() == start)) {
        continue;
      }
      int end = i + 1 < statements.size() ? statements.get(i + 1).position().offset() : out.length;
      for (int c = start; c < end; c++) {
        if (out[c] != '\n') {
          out[c] = ' ';
        }
      }
    }
    return new String(out);
  }

  private static List<Statement> statements(String text) {
    return Parser.parse(text).stream()
        .sorted(Comparator.comparingInt(s -> s.position().offset()))
        .toList();
  }
}

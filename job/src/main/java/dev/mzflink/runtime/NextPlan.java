package dev.mzflink.runtime;

import dev.mzflink.UserError;
import dev.mzflink.compile.ScriptViews;
import dev.mzflink.sink.ResultsCommitGroup;
import dev.mzflink.source.TableLayout;
import dev.mzflink.sql.Quote;
import dev.mzflink.sql.Statement;
import dev.mzflink.translate.FlinkPlan;
import dev.mzflink.translate.FlinkPlan.FlinkColumn;
import dev.mzflink.translate.FlinkPlan.SourceStream;
import dev.mzflink.translate.FlinkPlan.StreamTable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The plan a followed pipeline goes on with, compiled again against upstream as it is now: the
 * script without the materialized views that no longer compile (they read a dropped column) or that
 * would be computed otherwise than their saved state was (they read a column whose type changed);
 * those views are left out, each with its reason, and their results tables keep their rows.
 *
 * @param plan the plan
 * @param leftOut the views left out (those of earlier plans included), by statement offset
 * @param reasons why each view left out by this compilation was, by its results table (quoted)
 * @param changed the tables read in both plans whose columns (or what is read of them) differ, with
 *     a description of the change ({@link #changedTables})
 * @param rekeyed of those, the tables whose primary key changed (its columns, or their types): a
 *     saved state cannot go on with them, with a description of the change
 */
record NextPlan(
    FlinkPlan plan,
    Map<Integer, Statement.CreateView> leftOut,
    Map<String, String> reasons,
    Map<String, String> changed,
    Map<String, String> rekeyed) {

  /**
   * Compiles {@code script} with {@code compile}, leaving out the views {@code leftOut} and those
   * that cannot go on from {@code current}'s state.
   *
   * @param reads what each results table's writer reads in a plan (see {@link
   *     PipelineRunner.Graph#reads})
   */
  static NextPlan compile(
      String script,
      Function<String, FlinkPlan> compile,
      FlinkPlan current,
      Map<Integer, Statement.CreateView> leftOut,
      Function<FlinkPlan, Map<String, Set<String>>> reads) {
    Map<Integer, Statement.CreateView> out = new LinkedHashMap<>(leftOut);
    Map<String, String> reasons = new TreeMap<>();
    Map<String, Set<String>> before = null;
    while (true) {
      FlinkPlan next;
      try {
        next = compile.apply(ScriptViews.without(script, out.values()));
      } catch (UserError e) {
        Optional<Statement.CreateView> view =
            e.position().flatMap(at -> ScriptViews.viewAt(script, at.offset()));
        if (view.isEmpty() || out.containsKey(view.get().position().offset())) {
          throw e;
        }
        out.put(view.get().position().offset(), view.get());
        reasons.put(
            ScriptViews.resultsName(view.get()),
            "it no longer compiles: " + e.primary() + e.detail().map(d -> ": " + d).orElse(""));
        continue;
      }
      Map<String, String> changes = changedTables(current, next);
      if (changes.isEmpty()) {
        return new NextPlan(next, out, reasons, changes, Map.of());
      }
      if (before == null) {
        before = reads.apply(current);
      }
      Map<String, Set<String>> after = reads.apply(next);
      Set<String> copies = PipelineRunner.copyTables(next);
      boolean more = false;
      for (Map.Entry<String, Set<String>> writer : after.entrySet()) {
        Set<String> was = before.get(writer.getKey());
        String table = ResultsCommitGroup.writerTable(writer.getKey()).orElseThrow();
        if (was == null || was.equals(writer.getValue()) || copies.contains(table)) {
          continue;
        }
        Optional<Statement.CreateView> view = ScriptViews.materializedView(script, table);
        if (view.isPresent() && !out.containsKey(view.get().position().offset())) {
          out.put(view.get().position().offset(), view.get());
          reasons.put(
              table,
              "it reads a column that changed upstream ("
                  + String.join("; ", changes.values())
                  + "), and its saved state holds what it computed from the column as it was");
          more = true;
        }
      }
      if (!more) {
        return new NextPlan(next, out, reasons, changes, rekeyedTables(current, next));
      }
    }
  }

  /**
   * The tables read in both plans whose columns (or what is read of them) differ, with a
   * description of the change, by qualified name and source.
   */
  static Map<String, String> changedTables(FlinkPlan before, FlinkPlan after) {
    Map<String, String> changes = new TreeMap<>();
    inBoth(before, after)
        .forEach(
            (key, pair) -> {
              if (!TableLayout.stateId(pair[0]).equals(TableLayout.stateId(pair[1]))) {
                changes.put(key, pair[1].qualifiedName() + ": " + describe(pair[0], pair[1]));
              }
            });
    return changes;
  }

  /**
   * The tables read in both plans whose primary key differs (other columns, or a key column of
   * another type), with a description of the change, by qualified name and source.
   */
  static Map<String, String> rekeyedTables(FlinkPlan before, FlinkPlan after) {
    Map<String, String> rekeyed = new TreeMap<>();
    inBoth(before, after)
        .forEach(
            (key, pair) -> {
              List<String> was = keyColumns(pair[0]);
              List<String> now = keyColumns(pair[1]);
              if (!was.equals(now)) {
                rekeyed.put(
                    key,
                    String.format(
                        "%s: primary key (%s) is now (%s)",
                        pair[1].qualifiedName(), String.join(", ", was), String.join(", ", now)));
              }
            });
    return rekeyed;
  }

  /** The tables read in both plans, each as it was and as it is, by qualified name and source. */
  private static Map<String, StreamTable[]> inBoth(FlinkPlan before, FlinkPlan after) {
    Map<String, StreamTable> was = new TreeMap<>();
    for (SourceStream stream : before.streams()) {
      stream.tables().forEach(t -> was.put(key(stream, t), t));
    }
    Map<String, StreamTable[]> both = new TreeMap<>();
    for (SourceStream stream : after.streams()) {
      for (StreamTable t : stream.tables()) {
        StreamTable old = was.get(key(stream, t));
        if (old != null) {
          both.put(key(stream, t), new StreamTable[] {old, t});
        }
      }
    }
    return both;
  }

  /** A table's key columns, each with its type. */
  private static List<String> keyColumns(StreamTable table) {
    List<String> key = new ArrayList<>();
    for (String name : table.primaryKey()) {
      String type =
          table.columns().stream()
              .filter(c -> c.name().equals(name))
              .map(FlinkColumn::type)
              .findFirst()
              .orElse("?");
      key.add(Quote.pgIdentifier(name) + " " + type);
    }
    return key;
  }

  private static String key(SourceStream stream, StreamTable table) {
    return table.qualifiedName() + " of source " + stream.name().quoted();
  }

  private static String describe(StreamTable old, StreamTable now) {
    Map<String, FlinkColumn> before = new LinkedHashMap<>();
    old.columns().forEach(c -> before.put(c.name(), c));
    Map<String, FlinkColumn> after = new LinkedHashMap<>();
    now.columns().forEach(c -> after.put(c.name(), c));
    List<String> parts = new ArrayList<>();
    for (FlinkColumn c : after.values()) {
      FlinkColumn b = before.get(c.name());
      if (b == null) {
        parts.add("column " + Quote.pgIdentifier(c.name()) + " added");
      } else if (!b.type().equals(c.type())) {
        parts.add(
            "column "
                + Quote.pgIdentifier(c.name())
                + " changed type from "
                + b.type()
                + " to "
                + c.type());
      }
    }
    for (String name : before.keySet()) {
      if (!after.containsKey(name)) {
        parts.add("column " + Quote.pgIdentifier(name) + " dropped");
      }
    }
    return parts.isEmpty() ? "other columns read" : String.join(", ", parts);
  }
}

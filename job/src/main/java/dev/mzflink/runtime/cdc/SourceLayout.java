package dev.mzflink.runtime.cdc;

import dev.mzflink.translate.FlinkPlan.SourceStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The tables of one source, by index, and by upstream name (one upstream table may feed several
 * views).
 */
final class SourceLayout implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The source's replication slot. */
  final String slot;

  /** The source's name, quoted, for messages and the status table. */
  final String source;

  /** The results database, where errors that stop the source are recorded. */
  final String resultsUrl;

  final List<TableLayout> tables;
  private final HashMap<String, List<Integer>> byUpstream = new HashMap<>();
  private final HashMap<String, TableLayout> byId = new HashMap<>();

  SourceLayout(SourceStream stream, String resultsUrl) {
    this.slot = stream.slot();
    this.source = stream.name().quoted();
    this.resultsUrl = resultsUrl;
    List<TableLayout> layouts = new ArrayList<>();
    for (int i = 0; i < stream.tables().size(); i++) {
      TableLayout layout = new TableLayout(i, stream.tables().get(i));
      layouts.add(layout);
      byUpstream
          .computeIfAbsent(upstreamKey(layout.schema, layout.name), k -> new ArrayList<>())
          .add(i);
    }
    this.tables = List.copyOf(layouts);
    for (TableLayout t : tables) {
      TableLayout other = byId.putIfAbsent(t.id, t);
      if (other != null) {
        throw new IllegalStateException(
            "tables "
                + other.qualifiedName
                + " and "
                + t.qualifiedName
                + " have the same state id "
                + t.id);
      }
    }
  }

  static String upstreamKey(String schema, String table) {
    return schema + "\u0000" + table;
  }

  /** The indexes of the tables that read upstream table {@code schema.table}; empty if none. */
  List<Integer> indexesOf(String schema, String table) {
    return byUpstream.getOrDefault(upstreamKey(schema, table), List.of());
  }

  TableLayout table(int index) {
    return tables.get(index);
  }

  /** The table with state id {@code id}, or null if the pipeline no longer reads it. */
  TableLayout tableWithId(String id) {
    return byId.get(id);
  }

  Map<String, List<Integer>> upstreamTables() {
    return Map.copyOf(byUpstream);
  }
}

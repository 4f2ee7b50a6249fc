package dev.mzflink.source;

import dev.mzflink.translate.FlinkPlan.SourceStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Properties;

/**
 * One source as the job reads it: how to connect upstream, its slot and publication, and its
 * tables, by index and by upstream name (one upstream table may feed several views).
 */
public final class SourceLayout implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The source's replication slot. */
  public final String slot;

  /** The source's name, quoted, for messages and the status table. */
  public final String source;

  /** The publication it reads. */
  public final String publication;

  /** pgjdbc's URL of the upstream database. */
  public final String jdbcUrl;

  /** pgjdbc's connection properties, the password included: never printed. */
  private final Properties properties;

  /** The results database, where errors that stop the source are recorded. */
  public final String resultsUrl;

  /** The upstream database. */
  public final String database;

  /** The Flink job name of the run, as the slot registry records it. */
  public final String pipeline;

  /**
   * A token of this run of the pipeline, in the name of every connection it opens upstream, so that
   * its end can tell its own walsenders from another run's.
   */
  public final String run;

  public final List<TableLayout> tables;
  private final HashMap<String, List<Integer>> byUpstream = new HashMap<>();
  private final HashMap<String, TableLayout> byId = new HashMap<>();
  private final HashMap<String, TableLayout> byKeyId = new HashMap<>();

  public SourceLayout(SourceStream stream, String resultsUrl, String pipeline, String run) {
    this.slot = stream.slot();
    this.source = stream.name().quoted();
    this.publication = stream.publication();
    this.jdbcUrl = stream.connection().jdbcUrl();
    this.properties = stream.connection().jdbcProperties();
    this.resultsUrl = resultsUrl;
    this.database = stream.connection().database();
    this.pipeline = pipeline;
    this.run = run;
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
      if (other == null) {
        other = byKeyId.putIfAbsent(t.keyId, t);
      }
      if (other != null) {
        throw new IllegalStateException(
            "tables "
                + other.qualifiedName
                + " and "
                + t.qualifiedName
                + " have the same state id "
                + t.id
                + " or key id "
                + t.keyId);
      }
    }
  }

  private static String upstreamKey(String schema, String table) {
    return schema + "\u0000" + table;
  }

  /** The indexes of the tables that read upstream table {@code schema.table}; empty if none. */
  public List<Integer> indexesOf(String schema, String table) {
    return byUpstream.getOrDefault(upstreamKey(schema, table), List.of());
  }

  public TableLayout table(int index) {
    return tables.get(index);
  }

  /** The table with state id {@code id}, or null if the pipeline no longer reads it. */
  public TableLayout tableWithId(String id) {
    return byId.get(id);
  }

  /** The table whose state keys start with {@code keyId}, or null if the pipeline reads none. */
  public TableLayout tableWithKeyId(String keyId) {
    return byKeyId.get(keyId);
  }

  /**
   * The {@code application_name} of the source's connections for {@code purpose}: {@code mzflink
   * <purpose> <run> <slot>} (PostgreSQL keeps its first 63 bytes, the run token among them).
   */
  public String applicationName(String purpose) {
    return "mzflink " + purpose + " " + run + " " + slot;
  }

  /**
   * A copy of the connection properties for a connection named {@code applicationName} (as {@code
   * pg_stat_activity} shows it).
   */
  public Properties connectionProperties(String applicationName) {
    Properties p = new Properties();
    p.putAll(properties);
    p.setProperty("ApplicationName", applicationName);
    return p;
  }
}

package dev.mzflink.sink;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.dag.Transformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/**
 * Gathers the results tables of one job so that ONE committer commits every checkpoint of all of
 * them in one transaction. {@code mzflink run} opens a group around adding the job's INSERTs and
 * attaches the committer after; without a group (the SQL client) each results table has a committer
 * of its own.
 */
public final class ResultsCommitGroup implements AutoCloseable {
  private static final ThreadLocal<ResultsCommitGroup> CURRENT = new ThreadLocal<>();

  private final StreamExecutionEnvironment env;
  private final String url;
  private final List<DataStream<Marker>> markers = new ArrayList<>();
  private final List<ResultsTableSpec> tables = new ArrayList<>();
  private final List<String> sources = new ArrayList<>();
  private final Map<String, Map<String, String>> copies = new TreeMap<>();

  /** Per results table (quoted), its writers' markers. */
  private final Map<String, DataStream<Marker>> written = new TreeMap<>();

  private ResultsCommitGroup(StreamExecutionEnvironment env, String url) {
    this.env = env;
    this.url = url;
  }

  /**
   * Opens the group the results tables added on this thread join, until it is closed. The committer
   * is added to {@code env}: the planner hands a sink a stand-in environment whose other operators
   * it drops, so only what the sink returns reaches the job from there.
   */
  public static ResultsCommitGroup open(StreamExecutionEnvironment env, String url) {
    if (CURRENT.get() != null) {
      throw new IllegalStateException("a results commit group is open already");
    }
    ResultsCommitGroup group = new ResultsCommitGroup(env, url);
    CURRENT.set(group);
    return group;
  }

  /** The uid of the writers of results table {@code table} (quoted). */
  public static String writerUid(String table) {
    return WRITER_UID_PREFIX + table;
  }

  /** The results table (quoted) whose writers have {@code uid}, if they are a writer's. */
  public static java.util.Optional<String> writerTable(String uid) {
    return uid.startsWith(WRITER_UID_PREFIX)
        ? java.util.Optional.of(uid.substring(WRITER_UID_PREFIX.length()))
        : java.util.Optional.empty();
  }

  private static final String WRITER_UID_PREFIX = "mzflink-results-writer-";

  /** Adds a table's writers to the open group; false when no group is open. */
  static boolean join(String url, ResultsTableSpec table, DataStream<Marker> markers) {
    ResultsCommitGroup group = CURRENT.get();
    if (group == null) {
      return false;
    }
    if (!group.url.equals(url)) {
      throw new IllegalStateException("results tables of one job go to one results database");
    }
    group.markers.add(markers);
    group.tables.add(table);
    group.written.put(table.quoted(), markers);
    return true;
  }

  /**
   * Adds a source's positions (WAL positions before which every upstream transaction was emitted,
   * -1 while not known, and the tables read beside the stream): each commit records the position
   * its results reflect, in the same transaction, as the source's {@code applied_lsn} in the status
   * table.
   */
  public void addPositions(String source, DataStream<SourcePosition> positions) {
    markers.add(
        positions
            .transform(
                "position of " + source,
                TypeInformation.of(Marker.class),
                new PositionMarkers(source))
            .setParallelism(1)
            .setMaxParallelism(1)
            .uid("mzflink-position-" + source));
    sources.add(source);
  }

  /**
   * Records that the results tables {@code tables} maps to are copies of {@code source}'s upstream
   * tables (all quoted): a re-read of such a table is applied to its copy as a difference.
   */
  public void addCopies(String source, Map<String, String> tables) {
    copies.computeIfAbsent(source, s -> new TreeMap<>()).putAll(tables);
  }

  /**
   * Adds the committer of the group's tables (none when the group has none). {@code upstream}: the
   * operators whose output is one upstream table's changes, each with the table's id (the {@code
   * TableLayout} id a source's positions hold it by); a results table reading from one of them
   * waits while that table's snapshot is read beside its source's stream.
   */
  public void attachCommitter(Map<Transformation<?>, String> upstream) {
    if (tables.isEmpty()) {
      return;
    }
    DataStream<Marker> all = new DataStream<>(env, markers.get(0).getTransformation());
    for (int i = 1; i < markers.size(); i++) {
      all = all.union(new DataStream<>(env, markers.get(i).getTransformation()));
    }
    Map<String, Set<String>> readers = new TreeMap<>();
    written.forEach(
        (table, writer) -> {
          Set<Transformation<?>> seen = Collections.newSetFromMap(new IdentityHashMap<>());
          List<Transformation<?>> next = new ArrayList<>(List.of(writer.getTransformation()));
          while (!next.isEmpty()) {
            Transformation<?> t = next.remove(next.size() - 1);
            if (!seen.add(t)) {
              continue;
            }
            String id = upstream.get(t);
            if (id != null) {
              readers.computeIfAbsent(id, k -> new TreeSet<>()).add(table);
            } else {
              next.addAll(t.getInputs());
            }
          }
        });
    attach(all, url, tables, sources, copies, readers, "mzflink-results-committer");
  }

  /**
   * Adds a committer of {@code tables} and the positions of {@code sources} over {@code markers}.
   */
  static org.apache.flink.streaming.api.datastream.DataStreamSink<Void> attach(
      DataStream<Marker> markers,
      String url,
      List<ResultsTableSpec> tables,
      List<String> sources,
      Map<String, Map<String, String>> copies,
      Map<String, Set<String>> readers,
      String uid) {
    return markers
        .transform(
            "commit results",
            TypeInformation.of(Void.class),
            new ResultsCommitter(url, tables, sources, copies, readers))
        .setParallelism(1)
        .setMaxParallelism(1)
        .uid(uid)
        .sinkTo(new DiscardingSink<>())
        .setParallelism(1)
        .uid(uid + "-end");
  }

  @Override
  public void close() {
    CURRENT.remove();
  }
}

package dev.mzflink.runtime;

import dev.mzflink.sink.ResultsCommitGroup;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.apache.flink.api.dag.Transformation;
import org.apache.flink.streaming.api.transformations.PhysicalTransformation;

/**
 * Gives the operators Flink's SQL planner adds to a job uids derived from what each computes: its
 * description (the planner's digest of the operator, such as {@code GroupAggregate(groupBy=[item],
 * select=[item, SUM_RETRACT(price) AS s])}), its output type and, in order, what its inputs are.
 *
 * <p>Left to Flink, those operators get ids from their position in the whole job graph, so adding a
 * table to the pipeline, or a view, moves the ids of every view's operators and a savepoint's join
 * and aggregate state no longer maps. With these uids an operator keeps its id, and its state, as
 * long as it and everything it reads are computed as before; an operator computed otherwise gets a
 * new id (so its old state is never read as if it were its own).
 */
final class StableUids {
  /** The prefix of the uids given here. */
  static final String PREFIX = "mzflink-sql-";

  /** The planner's operator ids in descriptions ("[13]:GroupAggregate(...)"): run-dependent. */
  private static final Pattern NODE_ID = Pattern.compile("^\\[\\d+\\]:");

  /** How the planner describes the scan of a table. */
  private static final String SCAN = "TableSourceScan(";

  /** The columns a scan reads, in its description. */
  private static final Pattern SCAN_FIELDS = Pattern.compile(", fields=\\[[^\\]]*\\]");

  private final Map<Transformation<?>, String> keys = new IdentityHashMap<>();

  private StableUids() {}

  /**
   * Sets the uid of every operator reachable from {@code roots} that has none, and returns, per
   * results table writer's uid ({@link ResultsCommitGroup#writerUid}), the uids of the planner's
   * operators it reads from (through other planner operators, up to mzflink's own).
   */
  static Map<String, Set<String>> assign(List<Transformation<?>> roots) {
    StableUids uids = new StableUids();
    List<Transformation<?>> order = new ArrayList<>();
    Set<Transformation<?>> seen = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    for (Transformation<?> root : roots) {
      visit(root, seen, order);
    }
    Map<String, Integer> used = new HashMap<>();
    Set<String> taken = new HashSet<>();
    for (Transformation<?> t : order) {
      if (t.getUid() != null) {
        taken.add(t.getUid());
      }
    }
    for (Transformation<?> t : order) {
      if (t.getUid() == null && t instanceof PhysicalTransformation) {
        String uid = PREFIX + uids.key(t).substring(0, 32);
        // Two operators computing the same from the same inputs (the planner reuses such
        // operators, so this is rare) are told apart by the order Flink lists them in.
        int n = used.merge(uid, 1, Integer::sum);
        String unique = n == 1 ? uid : uid + "-" + n;
        if (!taken.add(unique)) {
          throw new IllegalStateException("uid " + unique + " is taken");
        }
        t.setUid(unique);
      }
    }
    Map<String, Set<String>> reads = new TreeMap<>();
    for (Transformation<?> t : order) {
      if (t.getUid() != null && ResultsCommitGroup.writerTable(t.getUid()).isPresent()) {
        Set<String> planned = new TreeSet<>();
        for (Transformation<?> input : t.getInputs()) {
          collectPlanned(input, planned);
        }
        reads.put(t.getUid(), planned);
      }
    }
    return reads;
  }

  private static void visit(
      Transformation<?> t, Set<Transformation<?>> seen, List<Transformation<?>> order) {
    if (!seen.add(t)) {
      return;
    }
    for (Transformation<?> input : t.getInputs()) {
      visit(input, seen, order);
    }
    order.add(t);
  }

  private static void collectPlanned(Transformation<?> t, Set<String> planned) {
    String uid = t.getUid();
    if (uid != null && !uid.startsWith(PREFIX)) {
      return;
    }
    if (uid != null) {
      planned.add(uid);
    }
    for (Transformation<?> input : t.getInputs()) {
      collectPlanned(input, planned);
    }
  }

  /**
   * What {@code t} computes, as a hex digest: its own uid when mzflink set one, otherwise its kind,
   * description, output type and its inputs' keys. Side outputs are not told apart by their tag
   * (the router's tags number the tables, which moves when a table is added): the planner's
   * description of the table it scans, which follows, names it.
   */
  private String key(Transformation<?> t) {
    String known = keys.get(t);
    if (known != null) {
      return known;
    }
    String key;
    if (t.getUid() != null && !t.getUid().startsWith(PREFIX)) {
      key = digest("uid\n" + t.getUid());
    } else {
      StringBuilder text = new StringBuilder();
      text.append(t.getClass().getSimpleName()).append('\n');
      String description = t.getDescription() != null ? t.getDescription() : t.getName();
      description = NODE_ID.matcher(description).replaceFirst("");
      if (description.startsWith(SCAN)) {
        // A table is the same table whichever columns the pipeline reads of it: an operator that
        // reads other columns of it says so in its own description or type, and a source refuses
        // to resume a table read otherwise, naming it.
        text.append(SCAN_FIELDS.matcher(description).replaceFirst("")).append('\n');
      } else {
        text.append(description).append('\n');
        text.append(t.getOutputType()).append('\n');
      }
      for (Transformation<?> input : t.getInputs()) {
        text.append(key(input)).append('\n');
      }
      key = digest(text.toString());
    }
    keys.put(t, key);
    return key;
  }

  private static String digest(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

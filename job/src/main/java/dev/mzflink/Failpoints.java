package dev.mzflink;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Named places in the source and the sink where a test can make the job fail once, to prove that a
 * restart at exactly that moment loses and doubles nothing (after Materialize's fail points). A
 * fail point is armed by the JVM system property {@code mzflink.failpoint.<name>}; it fires the
 * first time it is reached in that JVM, and never when the property is not set.
 */
public final class Failpoints {
  /** Right after the first snapshot: the stream is assigned, nothing streamed yet. */
  public static final String AFTER_SNAPSHOT = "after-snapshot";

  /** In the first second of streaming: after the stream's first transaction was handed over. */
  public static final String FIRST_TRANSACTION = "first-transaction";

  /** In the middle of a large transaction's records (after 10,000 of them). */
  public static final String INSIDE_TRANSACTION = "inside-transaction";

  /**
   * In the middle of a snapshot range: after 10,000 of its rows, once a checkpoint completed with
   * some of them (the reader holds the range's next rows back until one has).
   */
  public static final String INSIDE_SNAPSHOT = "inside-snapshot";

  /** Steady state: after two checkpoints of the stream completed and 100 transactions. */
  public static final String STEADY_STATE = "steady-state";

  /**
   * In the results sink, a writer that staged rows for a checkpoint fails right after it sent the
   * checkpoint's marker: the checkpoint never completes and its staged rows belong to none.
   */
  public static final String SINK_STAGED = "sink-staged";

  /**
   * In the results sink, the committer fails when it hears that a checkpoint with staged rows
   * completed, before it commits it: the checkpoint is complete, its rows are not in the results.
   */
  public static final String SINK_COMPLETED = "sink-completed";

  /** In the results sink, the commit fails after it applied one table, before it commits. */
  public static final String SINK_INSIDE_COMMIT = "sink-inside-commit";

  private static final Set<String> FIRED = ConcurrentHashMap.newKeySet();

  private Failpoints() {}

  /** Arms fail point {@code name} in this JVM (a local run's tasks run here): it fires once. */
  public static void arm(String name) {
    FIRED.remove(name);
    System.setProperty("mzflink.failpoint." + name, "true");
  }

  /** Disarms fail point {@code name}. */
  public static void disarm(String name) {
    System.clearProperty("mzflink.failpoint." + name);
  }

  /** Whether fail point {@code name} fired since it was armed. */
  public static boolean fired(String name) {
    return FIRED.contains(name);
  }

  /** Whether fail point {@code name} is armed and has not fired yet. */
  public static boolean pending(String name) {
    return Boolean.getBoolean("mzflink.failpoint." + name) && !FIRED.contains(name);
  }

  /** Fails here, once, if the fail point {@code name} is armed. */
  public static void hit(String name) {
    if (Boolean.getBoolean("mzflink.failpoint." + name) && FIRED.add(name)) {
      throw new InjectedFailure(name);
    }
  }

  /** The failure a fail point injects. */
  public static final class InjectedFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    InjectedFailure(String name) {
      super("fail point " + name + " was hit");
    }
  }
}

package dev.mzflink.sink;

import java.util.Map;

/**
 * The run of a pipeline that results rows come from. {@code mzflink run} starts a new lineage at
 * each fresh start (the time, then an id) and hands it to the job's writers; a resume continues its
 * savepoint's, kept in the writers' state. Lineages of {@code run} compare by when they started, so
 * a resume from a savepoint older than a later fresh start is recognised. A job the SQL client
 * started has its job's lineage, and every other run's rows give way to it.
 */
public final class Lineage {
  /** The job parameter that carries the lineage of a fresh start. */
  public static final String PARAMETER = "mzflink.lineage";

  private static final String UNTIMED = "0000000000000-";

  private Lineage() {}

  /** A new lineage, later than every lineage started before. */
  public static String next() {
    return String.format("%013d-%s", System.currentTimeMillis(), java.util.UUID.randomUUID());
  }

  /** The lineage of writers that start without state in job {@code jobId}. */
  static String of(Map<String, String> jobParameters, String jobId) {
    String given = jobParameters.get(PARAMETER);
    return given != null ? given : UNTIMED + jobId;
  }

  /** Whether rows of lineage {@code written} are of a later run than {@code lineage}. */
  static boolean later(String written, String lineage) {
    return !lineage.startsWith(UNTIMED)
        && !written.startsWith(UNTIMED)
        && written.compareTo(lineage) > 0;
  }
}

package dev.mzflink.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * CPU seconds from {@code /proc}: of this JVM, of the processes it started and waited for (psql,
 * pg_recvlogical), and of a PostgreSQL server (the postmaster, its live backends, and every backend
 * that has exited, which the postmaster's {@code cutime}/{@code cstime} count once reaped).
 */
final class ProcCpu {
  /** USER_HZ: clock ticks per second in {@code /proc/<pid>/stat} (100 on every Linux target). */
  private static final double TICKS = 100.0;

  private final long postmaster;

  ProcCpu(long postmaster) {
    this.postmaster = postmaster;
  }

  /** {@code utime, stime, cutime, cstime, ppid} of a process, or null if it is gone. */
  private static long[] stat(Path statFile) {
    String text;
    try {
      text = Files.readString(statFile);
    } catch (IOException e) {
      return null;
    }
    // Fields after the command name, which is in parentheses and may contain spaces.
    String[] f = text.substring(text.lastIndexOf(')') + 2).split(" ");
    // f[0] is field 3 (state): ppid is field 4, utime..cstime fields 14..17.
    return new long[] {
      Long.parseLong(f[11]),
      Long.parseLong(f[12]),
      Long.parseLong(f[13]),
      Long.parseLong(f[14]),
      Long.parseLong(f[1])
    };
  }

  /** CPU seconds this JVM has used. */
  static double jvmSeconds() {
    long[] s = stat(Path.of("/proc/self/stat"));
    return (s[0] + s[1]) / TICKS;
  }

  /** CPU seconds of this JVM's child processes that have ended and been waited for. */
  static double childSeconds() {
    long[] s = stat(Path.of("/proc/self/stat"));
    return (s[2] + s[3]) / TICKS;
  }

  /** CPU seconds of the PostgreSQL server: postmaster, live backends, reaped backends. */
  double postgresSeconds() {
    long ticks = 0;
    long[] p = stat(Path.of("/proc/" + postmaster + "/stat"));
    if (p != null) {
      ticks += p[0] + p[1] + p[2] + p[3];
    }
    for (long[] child : children().values()) {
      ticks += child[0] + child[1] + child[2] + child[3];
    }
    return ticks / TICKS;
  }

  /** CPU seconds used so far by each live walsender, by pid. */
  Map<Long, Double> walsenders() {
    Map<Long, Double> result = new HashMap<>();
    children()
        .forEach(
            (pid, s) -> {
              try {
                String cmd =
                    Files.readString(Path.of("/proc/" + pid + "/cmdline")).replace('\0', ' ');
                if (cmd.startsWith("postgres: walsender")) {
                  result.put(pid, (s[0] + s[1]) / TICKS);
                }
              } catch (IOException e) {
                // ended meanwhile
              }
            });
    return result;
  }

  /**
   * Sum of the walsenders' CPU seconds from {@code before} to now (walsenders alive at the end).
   */
  static double walsenderDelta(Map<Long, Double> before, Map<Long, Double> after) {
    double sum = 0;
    for (Map.Entry<Long, Double> e : after.entrySet()) {
      sum += e.getValue() - before.getOrDefault(e.getKey(), 0.0);
    }
    return sum;
  }

  private Map<Long, long[]> children() {
    Map<Long, long[]> result = new HashMap<>();
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      procs
          .filter(d -> d.getFileName().toString().chars().allMatch(Character::isDigit))
          .forEach(
              d -> {
                long[] s = stat(d.resolve("stat"));
                if (s != null && s[4] == postmaster) {
                  result.put(Long.parseLong(d.getFileName().toString()), s);
                }
              });
    } catch (IOException e) {
      throw new IllegalStateException("cannot list /proc", e);
    }
    return result;
  }
}

package dev.mzflink.testing;

import dev.mzflink.demo.EmbeddedPostgresServer;
import java.sql.Connection;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A thread that does one step again and again on a connection of its own (a writer upstream, a
 * reader of the results) until it is stopped; {@link #stop} throws what made it fail, so a test
 * cannot pass on a loop that died early.
 */
public final class Loop {
  /** What a loop does once, its {@code i}th time, on its connection. */
  public interface Step {
    void run(Connection c, int i) throws Exception;
  }

  private final AtomicBoolean on = new AtomicBoolean(true);
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  private final Thread thread;

  private Loop(String name, EmbeddedPostgresServer server, String database, Step step) {
    thread =
        new Thread(
            () -> {
              try (Connection c = server.connect(database)) {
                for (int i = 0; on.get(); i++) {
                  step.run(c, i);
                }
              } catch (Throwable e) {
                failure.set(e);
              }
            },
            name);
    thread.setDaemon(true);
  }

  /** Starts {@code step} in a loop on a connection to {@code database}. */
  public static Loop start(String name, EmbeddedPostgresServer server, String database, Step step) {
    Loop loop = new Loop(name, server, database, step);
    loop.thread.start();
    return loop;
  }

  /**
   * Stops the loop after its current step and waits for it; throws what made it fail (once: a stop
   * again, in a finally block, does not hide the exception of its try block with it).
   */
  public void stop() throws Exception {
    on.set(false);
    thread.join();
    Throwable e = failure.getAndSet(null);
    if (e != null) {
      throw new AssertionError("loop " + thread.getName() + " failed: " + e, e);
    }
  }
}

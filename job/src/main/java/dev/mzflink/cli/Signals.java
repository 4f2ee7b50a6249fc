package dev.mzflink.cli;

import sun.misc.Signal;

/**
 * Ctrl-C and SIGTERM handling that runs before the JVM's shutdown hooks, so that the job is
 * cancelled and the replication slots are dropped while Flink is still up.
 */
final class Signals {
  private Signals() {}

  static void onInterrupt(Runnable action) {
    for (String name : new String[] {"INT", "TERM"}) {
      try {
        Signal.handle(new Signal(name), signal -> action.run());
      } catch (IllegalArgumentException e) {
        // the signal is not available on this platform
      }
    }
  }
}

package dev.mzflink.cli;

import dev.mzflink.compile.CompileContext;
import dev.mzflink.pg.PasswordFiles;
import dev.mzflink.pg.PgIntrospector;

/** What compiling a script takes from this process: its environment, user, and the servers. */
final class ProcessContext {
  private ProcessContext() {}

  /** The environment, the OS user, password files (warnings on standard error), the servers. */
  static CompileContext compile() {
    return new CompileContext(
        System.getenv(),
        System.getProperty("user.name", "postgres"),
        new PasswordFiles(System.err),
        PgIntrospector::serverFacts);
  }
}

package dev.mzflink.testing;

import dev.mzflink.compile.Compilation;
import dev.mzflink.compile.CompileContext;
import dev.mzflink.compile.ScriptCompiler;
import dev.mzflink.pg.PasswordFiles;
import dev.mzflink.pg.PgIntrospector;
import dev.mzflink.translate.SourceReading;
import dev.mzflink.translate.TranslateOptions;
import java.util.Optional;

/** Compiles scripts in tests as mzflink's commands do, against the real servers they name. */
public final class Scripts {
  private Scripts() {}

  /** What compiling takes from the test process: its environment, user and the servers. */
  public static CompileContext context() {
    return new CompileContext(
        System.getenv(),
        System.getProperty("user.name", "postgres"),
        new PasswordFiles(System.err),
        PgIntrospector::serverFacts);
  }

  /** {@code script} compiled to write to {@code resultsUrl}, read as {@code run} reads it. */
  public static Compilation compile(String script, String resultsUrl) {
    return compile(script, resultsUrl, SourceReading.ONE_SLOT_PER_SOURCE);
  }

  /**
   * {@code script} compiled to write to {@code resultsUrl}, its sources read as {@code reading}.
   */
  public static Compilation compile(String script, String resultsUrl, SourceReading reading) {
    return ScriptCompiler.compile(
        script, new TranslateOptions(resultsUrl, Optional.empty()), reading, context());
  }
}

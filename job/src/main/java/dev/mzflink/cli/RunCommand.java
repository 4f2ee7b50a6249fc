package dev.mzflink.cli;

import dev.mzflink.Redaction;
import dev.mzflink.compile.Compilation;
import dev.mzflink.compile.ScriptCompiler;
import dev.mzflink.doctor.Problem;
import dev.mzflink.plan.ShowOutput;
import dev.mzflink.runtime.OwnedSlots;
import dev.mzflink.runtime.PipelineRunner;
import dev.mzflink.runtime.PublicationFollower;
import dev.mzflink.runtime.RunOptions;
import dev.mzflink.runtime.RunningPipeline;
import dev.mzflink.sink.ResultsOutage;
import dev.mzflink.status.SourceStatuses;
import dev.mzflink.translate.FlinkPlan;
import dev.mzflink.translate.FlinkPlan.ReplicationSlot;
import dev.mzflink.translate.FlinkPlan.UpstreamSource;
import dev.mzflink.translate.SourceReading;
import dev.mzflink.translate.TranslateOptions;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code mzflink run SCRIPT --results-url URL}: runs a script's pipeline until Ctrl-C. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description =
        "Runs a script: replicates its sources and keeps the results database up to date until stopped.")
final class RunCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin ScriptSource script;

  @Option(
      names = "--results-url",
      required = true,
      paramLabel = "JDBC_URL",
      description =
          "JDBC URL of the results database, e.g. jdbc:postgresql://localhost:5432/results?user=postgres")
  String resultsUrl;

  @Option(
      names = "--checkpoint-dir",
      paramLabel = "URI",
      description =
          "Where checkpoints are kept (retained on cancel), e.g. file:///var/lib/mzflink. Default: a temporary directory removed at exit.")
  Optional<String> checkpointDirectory;

  @Option(
      names = "--checkpoint-interval",
      paramLabel = "DURATION",
      defaultValue = "2s",
      description =
          "How often state is checkpointed and results committed (default: ${DEFAULT-VALUE}).")
  String checkpointInterval;

  @Option(
      names = "--parallelism",
      paramLabel = "N",
      defaultValue = "1",
      description = "Default parallelism of the job (default: ${DEFAULT-VALUE}).")
  int parallelism;

  @Option(
      names = "--from-savepoint",
      paramLabel = "PATH",
      description = "Resume from a savepoint or retained checkpoint.")
  Optional<String> fromSavepoint;

  @Option(
      names = "--slot-suffix",
      paramLabel = "SUFFIX",
      description = "Appended to replication slot names, to run two pipelines on one database.")
  Optional<String> slotSuffix;

  @Option(
      names = "--per-table-slots",
      description =
          "Run the translated Flink SQL as is (what the SQL client runs): one postgres-cdc table, replication slot and walsender per"
              + " upstream table, without mzflink's normalizer (no TRUNCATE or TOAST handling). Default: one slot per source.")
  boolean perTableSlots;

  @Option(
      names = "--wal-warning",
      paramLabel = "SIZE",
      defaultValue = "1GB",
      description =
          "A source whose replication slot retains more WAL than this is reported stalled in mzflink.mz_source_statuses"
              + " (default: ${DEFAULT-VALUE}; units kB, MB, GB).")
  String walWarning;

  @Option(
      names = "--stall-after",
      paramLabel = "DURATION",
      description =
          "When no checkpoint completes for this long, or a completed one waits this long for its commit, the sources' status"
              + " becomes stalled with the reason, and run prints it (default: three checkpoint intervals plus the 5 min"
              + " checkpoint timeout).")
  Optional<String> stallAfter;

  @Option(
      names = "--jobmanager",
      paramLabel = "HOST:PORT",
      description =
          "Submit the job to the Flink cluster whose REST API is at HOST:PORT and return its job id, instead of running it in a"
              + " local MiniCluster until Ctrl-C.")
  Optional<String> jobManager;

  @Option(
      names = "--follow-publications",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description =
          "While the pipeline runs locally, watch its publications: a table added to one that CREATE VIEWS takes (no list)"
              + " restarts the pipeline from a savepoint with the table, which is snapshotted at its own point while every"
              + " other table and view goes on from the savepoint's state (default: on; not with --jobmanager or"
              + " --per-table-slots).")
  boolean followPublications;

  @Override
  public Integer call() throws Exception {
    // The options' values first: a wrong one is refused before anything connects.
    Duration interval = Durations.parse("--checkpoint-interval", checkpointInterval);
    long walWarningBytes = Sizes.parse("--wal-warning", walWarning);
    Optional<Duration> stallAfterDuration =
        stallAfter.map(d -> Durations.parse("--stall-after", d));
    if (parallelism < 1 || parallelism > RunOptions.MAX_PARALLELISM) {
      throw dev.mzflink.UserError.of(String.format("--parallelism %d is out of range", parallelism))
          .withHint(
              "Give a parallelism from 1 to "
                  + RunOptions.MAX_PARALLELISM
                  + " (the job's key groups; more than the cores of the TaskManagers only adds"
                  + " overhead).");
    }
    String text = script.read();
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    SourceReading reading =
        perTableSlots ? SourceReading.PER_TABLE_SQL : SourceReading.ONE_SLOT_PER_SOURCE;
    Compilation compiled =
        ScriptCompiler.compile(
            text, new TranslateOptions(resultsUrl, slotSuffix), reading, ProcessContext.compile());
    // The prerequisites first: every problem at once, errors stop here, warnings are printed.
    if (!compiled.problems().isEmpty()) {
      err.println(Problem.renderAll(compiled.problems()));
      err.flush();
    }
    if (compiled.hasErrors()) {
      return Errors.USER_ERROR;
    }
    FlinkPlan plan = compiled.flinkPlan();
    compiled.plan().notices().forEach(n -> err.println("NOTICE: " + n));
    for (ShowOutput show : compiled.plan().outputs()) {
      out.println(show.render());
    }
    RunOptions options =
        new RunOptions(
            resultsUrl,
            checkpointDirectory,
            interval,
            parallelism,
            fromSavepoint,
            "mzflink " + script.name(),
            reading,
            jobManager,
            walWarningBytes,
            stallAfterDuration);
    // Before anything writes to the results database (the status rows of dropped sources too).
    PipelineRunner.checkResultsDatabase(resultsUrl, plan);
    dropSources(plan, out, err);
    if (plan.inserts().isEmpty() && !plan.droppedSources().isEmpty()) {
      out.flush();
      return Errors.OK;
    }
    RunningPipeline pipeline = PipelineRunner.startChecked(plan, options);
    if (!pipeline.isLocal()) {
      out.printf("Submitted Flink job %s.%n", pipeline.jobId());
      out.printf(
          "Results: %s (%d tables)%n", Redaction.url(resultsUrl), plan.resultsTables().size());
      out.printf("Checkpoints: %s%n", pipeline.checkpointDirectory());
      out.println(
          "The job runs on the cluster. Stop it with a savepoint (its replication slots stay, for --from-savepoint):");
      out.printf("  deploy/flink.sh stop --savepointPath <dir> %s%n", pipeline.jobId());
      out.println(
          "When you cancel it instead, drop its replication slots upstream, or they keep WAL forever:");
      out.printf("  deploy/flink.sh cancel %s%n", pipeline.jobId());
      for (ReplicationSlot slot : pipeline.slots()) {
        out.printf(
            "  %s%n",
            OwnedSlots.dropCommand(slot.connection(), Optional.of(resultsUrl), slot.name()));
      }
      out.flush();
      return Errors.OK;
    }
    out.printf("Started Flink job %s.%n", pipeline.jobId());
    out.printf("Results: %s (%d tables)%n", Redaction.url(resultsUrl), plan.resultsTables().size());
    out.printf("Checkpoints: %s%n", pipeline.checkpointDirectory());
    out.println(
        "Press Ctrl-C to stop; the pipeline's replication slots are dropped on the way out.");
    out.flush();
    List<String> sources = plan.streams().stream().map(st -> st.name().quoted()).toList();
    // The status table lives in the results database: when that is down, the console says so.
    ResultsOutage.listen(
        message -> {
          err.println(message);
          err.flush();
        });
    if (!perTableSlots) {
      SnapshotProgress.startInBackground(resultsUrl, sources, out, err);
    }
    if (perTableSlots || !followPublications) {
      return Interrupts.runUntilInterrupted(
          pipeline, out, err, resultsUrl, sources, checkpointDirectory.isPresent());
    }
    try (PublicationFollower follower =
        PublicationFollower.start(
            pipeline,
            plan,
            options,
            text,
            script -> recompile(script, reading),
            message -> {
              out.println(message);
              out.flush();
            },
            FOLLOW_EVERY)) {
      return Interrupts.runUntilInterrupted(
          pipeline, out, err, resultsUrl, sources, checkpointDirectory.isPresent());
    }
  }

  /** How often a local pipeline looks for tables added to its publications. */
  static final Duration FOLLOW_EVERY = Duration.ofSeconds(5);

  /** The script compiled again against upstream as it is now. */
  private FlinkPlan recompile(String text, SourceReading reading) {
    Compilation again =
        ScriptCompiler.compile(
            text, new TranslateOptions(resultsUrl, slotSuffix), reading, ProcessContext.compile());
    if (again.hasErrors()) {
      dev.mzflink.UserError error =
          dev.mzflink.UserError.of("the script no longer compiles")
              .withDetail(Problem.renderAll(again.problems()));
      // Where the planner's error is: the follower leaves out a view that no longer compiles.
      java.util.Optional<dev.mzflink.SourcePosition> at =
          again.error().flatMap(dev.mzflink.UserError::position);
      throw at.isPresent() ? error.withPosition(at.get()) : error;
    }
    return again.flinkPlan();
  }

  /**
   * DROP SOURCE in a script: the source's replication slots go upstream (the per-source slot of run
   * and the per-table slots of the translated SQL) when the results database's slot registry
   * records them as this pipeline's, and its status rows say dropped. Other slots of those names,
   * and slots a walsender reads, are left in place with a notice.
   */
  private void dropSources(FlinkPlan plan, PrintWriter out, PrintWriter err) {
    for (UpstreamSource source : plan.droppedSources()) {
      List<ReplicationSlot> slots =
          source.allSlots().stream()
              .map(name -> new ReplicationSlot(name, source.name(), source.connection()))
              .toList();
      OwnedSlots.Dropping dropping =
          OwnedSlots.drop(
              slots,
              resultsUrl,
              Duration.ofSeconds(2),
              reader -> false,
              // The source's own slot is created by mzflink's source; the per-table ones by Flink
              // CDC.
              name -> name.equals(source.slot()));
      out.printf(
          "DROP SOURCE %s: %s%n",
          source.name().quoted(),
          dropping.dropped().isEmpty()
              ? "it had no replication slot of its own upstream"
              : "dropped replication slots " + String.join(", ", dropping.dropped()));
      for (String left : dropping.left()) {
        err.printf(
            "NOTICE: DROP SOURCE %s left replication slot %s%n", source.name().quoted(), left);
      }
      SourceStatuses.mark(
          resultsUrl,
          source.name().quoted(),
          List.of(),
          SourceStatuses.Status.DROPPED,
          "DROP SOURCE");
    }
  }

  /** Waiting for a job, and stopping it cleanly on Ctrl-C or SIGTERM. */
  static final class Interrupts {
    private Interrupts() {}

    static int runUntilInterrupted(
        RunningPipeline pipeline,
        PrintWriter out,
        PrintWriter err,
        String resultsUrl,
        List<String> sources,
        boolean resumable)
        throws Exception {
      CountDownLatch interrupted = new CountDownLatch(1);
      Signals.onInterrupt(interrupted::countDown);
      java.util.concurrent.atomic.AtomicBoolean ended =
          new java.util.concurrent.atomic.AtomicBoolean();
      Thread waiter =
          new Thread(
              () -> {
                try {
                  pipeline.await();
                } catch (Exception e) {
                  // reported below
                }
                // The job ended by itself: asking the local cluster about it now fails, since it
                // shuts down with its job.
                ended.set(true);
                interrupted.countDown();
              },
              "mzflink-job-waiter");
      waiter.setDaemon(true);
      waiter.start();
      interrupted.await();
      if (ended.get()) {
        try {
          pipeline.await();
        } catch (Exception failure) {
          return failed(pipeline, failure, out, err, resultsUrl, sources, resumable);
        }
        pipeline.stop();
        out.println("The job finished.");
        return Errors.OK;
      }
      out.println();
      out.println("Stopping...");
      out.flush();
      List<String> dropped = pipeline.stop();
      for (String source : sources) {
        SourceStatuses.mark(
            resultsUrl,
            source,
            List.of(),
            SourceStatuses.Status.DROPPED,
            "the pipeline was stopped and its replication slot dropped");
      }
      out.println(
          dropped.isEmpty()
              ? "Stopped."
              : "Stopped; dropped replication slots: " + String.join(", ", dropped));
      out.flush();
      printSlotsLeft(pipeline, err);
      return Errors.OK;
    }

    /**
     * The job failed: reports why (an error mzflink raised, such as a schema change, is a user
     * error), records it in the status table, and drops the slots unless retained checkpoints could
     * resume the job.
     */
    private static int failed(
        RunningPipeline pipeline,
        Exception failure,
        PrintWriter out,
        PrintWriter err,
        String resultsUrl,
        List<String> sources,
        boolean resumable) {
      Throwable suppressed = failure;
      while (suppressed != null && !(suppressed instanceof SuppressRestartsException)) {
        suppressed = suppressed.getCause();
      }
      Throwable cause =
          suppressed != null && suppressed.getCause() != null
              ? suppressed.getCause()
              : rootCause(failure);
      String message =
          Redaction.text(cause.getMessage() == null ? cause.toString() : cause.getMessage());
      for (String source : sources) {
        SourceStatuses.mark(
            resultsUrl, source, List.of(""), SourceStatuses.Status.ERRORED, message);
      }
      List<String> slots = resumable ? pipeline.stopKeepingSlots() : pipeline.stop();
      err.println("error: the job failed: " + message);
      err.println(
          resumable
              ? "HINT: Its replication slots were kept ("
                  + String.join(", ", slots)
                  + "): after fixing the cause, resume with"
                  + " --from-savepoint and the same --checkpoint-dir, or drop them with mzflink slots drop."
              : "HINT: Its replication slots were dropped"
                  + (slots.isEmpty() ? "." : ": " + String.join(", ", slots) + "."));
      if (!resumable) {
        printSlotsLeft(pipeline, err);
      }
      err.flush();
      out.flush();
      return suppressed != null ? Errors.USER_ERROR : Errors.INTERNAL_ERROR;
    }

    /** Says which replication slots the pipeline's stop left in place, and why. */
    static void printSlotsLeft(RunningPipeline pipeline, PrintWriter err) {
      for (String left : pipeline.slotsLeft()) {
        err.println("NOTICE: replication slot left in place: " + left);
      }
      err.flush();
    }

    private static Throwable rootCause(Throwable t) {
      Throwable cause = t;
      while (cause.getCause() != null && cause.getCause() != cause) {
        cause = cause.getCause();
      }
      return cause;
    }
  }

  /** Parses sizes like 512MB, 1GB (units of 1024), the value of {@code flag}. */
  static final class Sizes {
    private Sizes() {}

    static long parse(String flag, String text) {
      java.util.regex.Matcher m =
          java.util.regex.Pattern.compile("(?i)(\\d+)\\s*(b|kb|mb|gb|tb)?").matcher(text.trim());
      if (!m.matches()) {
        throw dev.mzflink.UserError.of(String.format("invalid %s \"%s\"", flag, text))
            .withHint("Write a number and a unit: 512MB, 1GB.");
      }
      String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(java.util.Locale.ROOT);
      int shift =
          switch (unit) {
            case "kb" -> 10;
            case "mb" -> 20;
            case "gb" -> 30;
            case "tb" -> 40;
            default -> 0;
          };
      java.math.BigInteger bytes = new java.math.BigInteger(m.group(1)).shiftLeft(shift);
      if (bytes.signum() < 1) {
        throw dev.mzflink.UserError.of(String.format("%s \"%s\" is too small", flag, text))
            .withHint("Use 1MB or more.");
      }
      if (bytes.compareTo(java.math.BigInteger.ONE.shiftLeft(62)) > 0) {
        throw dev.mzflink.UserError.of(String.format("%s \"%s\" is too large", flag, text))
            .withHint("Use at most 4194304TB.");
      }
      return bytes.longValueExact();
    }
  }

  /** Parses durations like 500ms, 2s, 1min, the value of {@code flag}: 100 ms to 365 days. */
  static final class Durations {
    static final Duration LONGEST = Duration.ofDays(365);

    private Durations() {}

    static Duration parse(String flag, String text) {
      java.util.regex.Matcher m =
          java.util.regex.Pattern.compile("(\\d+)\\s*(ms|s|min|m|h)").matcher(text.trim());
      if (!m.matches()) {
        throw dev.mzflink.UserError.of(String.format("invalid %s \"%s\"", flag, text))
            .withHint("Write a number and a unit: 500ms, 2s, 1min.");
      }
      java.math.BigInteger n = new java.math.BigInteger(m.group(1));
      long unitMillis =
          switch (m.group(2)) {
            case "ms" -> 1;
            case "s" -> 1000;
            case "min", "m" -> 60_000;
            default -> 3_600_000;
          };
      java.math.BigInteger millis = n.multiply(java.math.BigInteger.valueOf(unitMillis));
      if (millis.compareTo(java.math.BigInteger.valueOf(LONGEST.toMillis())) > 0) {
        throw dev.mzflink.UserError.of(String.format("%s \"%s\" is too long", flag, text))
            .withHint("Use at most 8760h (365 days).");
      }
      Duration d = Duration.ofMillis(millis.longValueExact());
      if (d.toMillis() < 100) {
        throw dev.mzflink.UserError.of(String.format("%s \"%s\" is too short", flag, text))
            .withHint("Use 100ms or more.");
      }
      return d;
    }
  }
}

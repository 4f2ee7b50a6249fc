package dev.mzflink.cli;

import dev.mzflink.catalog.ShowOutput;
import dev.mzflink.runtime.PipelineRunner;
import dev.mzflink.runtime.RunOptions;
import dev.mzflink.runtime.RunningPipeline;
import dev.mzflink.translate.TranslateOptions;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code mzflink run SCRIPT --results-url URL}: runs a script's pipeline until Ctrl-C. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = "Runs a script: replicates its sources and keeps the results database up to date until stopped.")
final class RunCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin ScriptSource script;

  @Option(names = "--results-url", required = true, paramLabel = "JDBC_URL", description = "JDBC URL of the results database, e.g. jdbc:postgresql://localhost:5432/results?user=postgres")
  String resultsUrl;

  @Option(names = "--checkpoint-dir", paramLabel = "URI", description = "Where checkpoints are kept (retained on cancel), e.g. file:///var/lib/mzflink. Default: a temporary directory removed at exit.")
  Optional<String> checkpointDirectory;

  @Option(names = "--checkpoint-interval", paramLabel = "DURATION", defaultValue = "2s", description = "How often state is checkpointed and results committed (default: ${DEFAULT-VALUE}).")
  String checkpointInterval;

  @Option(names = "--parallelism", paramLabel = "N", defaultValue = "1", description = "Default parallelism of the job (default: ${DEFAULT-VALUE}).")
  int parallelism;

  @Option(names = "--from-savepoint", paramLabel = "PATH", description = "Resume from a savepoint or retained checkpoint.")
  Optional<String> fromSavepoint;

  @Option(names = "--slot-suffix", paramLabel = "SUFFIX", description = "Appended to replication slot names, to run two pipelines on one database.")
  Optional<String> slotSuffix;

  @Option(
      names = "--per-table-slots",
      description =
          "Run the translated Flink SQL as is (what the SQL client runs): one postgres-cdc table, replication slot and walsender per"
              + " upstream table, without mzflink's normalizer (no TRUNCATE or TOAST handling). Default: one slot per source.")
  boolean perTableSlots;

  @Option(
      names = "--jobmanager",
      paramLabel = "HOST:PORT",
      description =
          "Submit the job to the Flink cluster whose REST API is at HOST:PORT and return its job id, instead of running it in a"
              + " local MiniCluster until Ctrl-C.")
  Optional<String> jobManager;

  @Override
  public Integer call() throws Exception {
    String text = script.read();
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    CompiledScript compiled = CompiledScript.compile(text, new TranslateOptions(resultsUrl, slotSuffix));
    compiled.plan().notices().forEach(n -> err.println("NOTICE: " + n));
    for (ShowOutput show : compiled.plan().outputs()) {
      out.println(show.render());
    }
    RunOptions options =
        new RunOptions(
            resultsUrl,
            checkpointDirectory,
            Durations.parse(checkpointInterval),
            parallelism,
            fromSavepoint,
            "mzflink " + script.name(),
            perTableSlots ? RunOptions.SourceReading.PER_TABLE_SQL : RunOptions.SourceReading.ONE_SLOT_PER_SOURCE,
            jobManager);
    RunningPipeline pipeline = PipelineRunner.start(compiled.flinkPlan(), compiled.sources(), options);
    if (!pipeline.isLocal()) {
      out.printf("Submitted Flink job %s.%n", pipeline.jobId());
      out.printf("Results: %s (%d tables)%n", PipelineRunner.redactUrl(resultsUrl), compiled.flinkPlan().resultsTables().size());
      out.printf("Checkpoints: %s%n", pipeline.checkpointDirectory());
      out.println("The job runs on the cluster. Stop it with a savepoint (its replication slots stay, for --from-savepoint):");
      out.printf("  deploy/flink.sh stop --savepointPath <dir> %s%n", pipeline.jobId());
      out.println("When you cancel it instead, drop its replication slots upstream, or they keep WAL forever:");
      out.printf("  deploy/flink.sh cancel %s%n", pipeline.jobId());
      for (String slot : pipeline.slotNames()) {
        out.printf("  psql ... -c \"SELECT pg_drop_replication_slot('%s')\"%n", slot);
      }
      out.flush();
      return Errors.OK;
    }
    out.printf("Started Flink job %s.%n", pipeline.jobId());
    out.printf("Results: %s (%d tables)%n", PipelineRunner.redactUrl(resultsUrl), compiled.flinkPlan().resultsTables().size());
    out.printf("Checkpoints: %s%n", pipeline.checkpointDirectory());
    out.println("Press Ctrl-C to stop; the pipeline's replication slots are dropped on the way out.");
    out.flush();
    return Interrupts.runUntilInterrupted(pipeline, out);
  }

  /** Waiting for a job, and stopping it cleanly on Ctrl-C or SIGTERM. */
  static final class Interrupts {
    private Interrupts() {}

    static int runUntilInterrupted(RunningPipeline pipeline, PrintWriter out) throws Exception {
      CountDownLatch interrupted = new CountDownLatch(1);
      Signals.onInterrupt(interrupted::countDown);
      Thread waiter =
          new Thread(
              () -> {
                try {
                  pipeline.await();
                } catch (Exception e) {
                  // reported below
                }
                interrupted.countDown();
              },
              "mzflink-job-waiter");
      waiter.setDaemon(true);
      waiter.start();
      interrupted.await();
      boolean jobEnded = pipeline.status().isGloballyTerminalState();
      if (jobEnded) {
        try {
          pipeline.await();
          out.println("The job finished.");
        } finally {
          pipeline.stop();
        }
        return Errors.OK;
      }
      out.println();
      out.println("Stopping...");
      out.flush();
      List<String> dropped = pipeline.stop();
      out.println(dropped.isEmpty() ? "Stopped." : "Stopped; dropped replication slots: " + String.join(", ", dropped));
      out.flush();
      return Errors.OK;
    }
  }

  /** Parses durations like 500ms, 2s, 1min. */
  static final class Durations {
    private Durations() {}

    static Duration parse(String text) {
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)\\s*(ms|s|min|m|h)").matcher(text.trim());
      if (!m.matches()) {
        throw dev.mzflink.UserError.of(String.format("invalid duration \"%s\"", text))
            .withHint("Write a number and a unit: 500ms, 2s, 1min.");
      }
      long n = Long.parseLong(m.group(1));
      Duration d =
          switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "min", "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
          };
      if (d.toMillis() < 100) {
        throw dev.mzflink.UserError.of(String.format("duration \"%s\" is too short", text)).withHint("Use 100ms or more.");
      }
      return d;
    }
  }
}

package dev.mzflink.cli;

import dev.mzflink.Redaction;
import dev.mzflink.UserError;
import dev.mzflink.compile.Compilation;
import dev.mzflink.compile.ScriptCompiler;
import dev.mzflink.doctor.Problem;
import dev.mzflink.runtime.OwnedSlots;
import dev.mzflink.runtime.PipelineRunner;
import dev.mzflink.translate.FlinkPlan.ReplicationSlot;
import dev.mzflink.translate.SourceReading;
import dev.mzflink.translate.TranslateOptions;
import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code mzflink slots adopt SCRIPT --results-url URL --slot NAME}: records an existing replication
 * slot, which an mzflink version before the slot registry created and nobody recorded, as the
 * pipeline's own in the registry of its results database, so that {@code run --from-savepoint}
 * resumes from it. The pipeline is named exactly as {@code run} names it: by the script (its
 * source, upstream database and slot names, with the same {@code --slot-suffix} and {@code
 * --per-table-slots}) and the results database.
 */
@Command(
    name = "adopt",
    mixinStandardHelpOptions = true,
    description =
        "Records an existing replication slot that no one reads, left by an mzflink version before the slot registry, as"
            + " the own slot of the script's pipeline in the results database, so that run --from-savepoint resumes"
            + " from it. Give the script and options as to run.")
final class SlotsAdoptCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin ScriptSource script;

  @Option(
      names = "--results-url",
      required = true,
      paramLabel = "JDBC_URL",
      description = "The pipeline's results database, whose slot registry records the slot.")
  String resultsUrl;

  @Option(
      names = "--slot",
      required = true,
      paramLabel = "NAME",
      description = "The replication slot to adopt (materialize_...).")
  String slot;

  @Option(
      names = "--slot-suffix",
      paramLabel = "SUFFIX",
      description = "As for run: appended to replication slot names.")
  Optional<String> slotSuffix;

  @Option(
      names = "--per-table-slots",
      description = "As for run: the slot is one of the per-table Flink SQL's.")
  boolean perTableSlots;

  @Override
  public Integer call() throws Exception {
    if (!slot.startsWith("materialize_")) {
      throw UserError.of(String.format("replication slot \"%s\" is not mzflink's", slot))
          .withDetail("mzflink's replication slots are named materialize_...; it adopts no other.");
    }
    String text = script.read();
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    SourceReading reading =
        perTableSlots ? SourceReading.PER_TABLE_SQL : SourceReading.ONE_SLOT_PER_SOURCE;
    Compilation compiled =
        ScriptCompiler.compile(
            text, new TranslateOptions(resultsUrl, slotSuffix), reading, ProcessContext.compile());
    if (compiled.hasErrors()) {
      err.println(Problem.renderAll(compiled.problems()));
      err.flush();
      return Errors.USER_ERROR;
    }
    List<ReplicationSlot> slots = compiled.flinkPlan().slots(reading);
    ReplicationSlot target =
        slots.stream()
            .filter(s -> s.name().equals(slot))
            .findFirst()
            .orElseThrow(
                () ->
                    UserError.of(
                            String.format(
                                "%s does not use replication slot \"%s\"",
                                script.file.isPresent() ? "script " + script.name() : "the script",
                                slot))
                        .withDetail(
                            slots.isEmpty()
                                ? "It reads no source."
                                : "Its slots"
                                    + (slotSuffix.isPresent() ? "" : " (without --slot-suffix)")
                                    + (perTableSlots ? " on the per-table path" : "")
                                    + ": "
                                    + String.join(
                                        ", ", slots.stream().map(ReplicationSlot::name).toList())
                                    + ".")
                        .withHint(
                            "Give the script and the --slot-suffix and --per-table-slots options"
                                + " that the pipeline runs with."));
    String pipeline = "mzflink " + script.name();
    switch (OwnedSlots.adopt(target, resultsUrl, pipeline, PipelineRunner.createsSlots(reading))) {
      case ADOPTED ->
          out.printf(
              "Adopted replication slot %s: %s records it as source %s's (%s).%n",
              slot, Redaction.url(resultsUrl), target.source().quoted(), pipeline);
      case ALREADY_RECORDED ->
          out.printf(
              "Replication slot %s is already recorded as source %s's in %s: nothing to do.%n",
              slot, target.source().quoted(), Redaction.url(resultsUrl));
    }
    out.flush();
    return Errors.OK;
  }
}

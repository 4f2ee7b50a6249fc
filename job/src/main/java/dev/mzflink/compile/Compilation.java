package dev.mzflink.compile;

import static java.util.Objects.requireNonNull;

import dev.mzflink.UserError;
import dev.mzflink.doctor.Problem;
import dev.mzflink.plan.PlanResult;
import dev.mzflink.sql.Statement;
import dev.mzflink.translate.FlinkPlan;
import java.util.List;
import java.util.Optional;

/**
 * A compiled script: its statements, what was read for each source, every problem the prerequisite
 * doctor found, and the plan and pipeline when the script could be planned.
 *
 * @param text the script
 * @param statements its statements
 * @param sources what was read for each CREATE SOURCE, in script order
 * @param problems every problem found, errors and warnings (a server that could not be read, a
 *     failed prerequisite, a planning error)
 * @param planned the plan, when the script could be planned
 * @param pipeline the pipeline, when the script could be planned
 * @param error why the script could not be planned
 */
public record Compilation(
    String text,
    List<Statement> statements,
    List<SourceRead> sources,
    List<Problem> problems,
    Optional<PlanResult> planned,
    Optional<FlinkPlan> pipeline,
    Optional<UserError> error) {
  public Compilation {
    requireNonNull(text, "text is null");
    statements = List.copyOf(requireNonNull(statements, "statements is null"));
    sources = List.copyOf(requireNonNull(sources, "sources is null"));
    problems = List.copyOf(requireNonNull(problems, "problems is null"));
    requireNonNull(planned, "planned is null");
    requireNonNull(pipeline, "pipeline is null");
    requireNonNull(error, "error is null");
    if (pipeline.isPresent() == error.isPresent()) {
      throw new IllegalArgumentException("a script is either planned or failed");
    }
  }

  /** The plan; the planning error when the script could not be planned. */
  public PlanResult plan() {
    return planned.orElseThrow(error::get);
  }

  /** The pipeline; the planning error when the script could not be planned. */
  public FlinkPlan flinkPlan() {
    return pipeline.orElseThrow(error::get);
  }

  /** Whether a problem is an error, which stops {@code run}. */
  public boolean hasErrors() {
    return problems.stream().anyMatch(Problem::isError);
  }
}

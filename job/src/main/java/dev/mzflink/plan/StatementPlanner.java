package dev.mzflink.plan;

import dev.mzflink.sql.Statement;

/**
 * Plans one kind of statement against the state of the script planned so far, as Flink's {@code
 * SqlNodeConverter} converts one kind of node.
 *
 * @param <S> the kind of statement
 */
interface StatementPlanner<S extends Statement> {
  void plan(S statement, PlanningState state);
}

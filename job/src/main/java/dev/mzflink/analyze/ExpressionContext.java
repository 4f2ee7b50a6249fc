package dev.mzflink.analyze;

/**
 * Where an expression is bound: what its names resolve to, and what it may contain there.
 *
 * @param scope what names resolve to
 * @param clause the clause being analyzed
 * @param inAggregate inside an aggregate's argument
 * @param condition a condition of WHERE combined with AND and NOT only: where EXISTS and IN (SELECT
 *     ...) may appear
 */
record ExpressionContext(Scope scope, Clause clause, boolean inAggregate, boolean condition) {
  /** Where an expression is, for error messages and what it may contain. */
  enum Clause {
    SELECT("the select list"),
    WHERE("WHERE"),
    GROUP_BY("GROUP BY"),
    HAVING("HAVING"),
    ON("JOIN conditions");

    final String text;

    Clause(String text) {
      this.text = text;
    }
  }

  /** The context of an operand: no longer a condition where EXISTS may appear. */
  ExpressionContext nested() {
    return condition ? new ExpressionContext(scope, clause, inAggregate, false) : this;
  }

  ExpressionContext aggregateArgument() {
    return new ExpressionContext(scope, clause, true, false);
  }

  boolean aggregatesAllowed() {
    return clause == Clause.SELECT || clause == Clause.HAVING;
  }
}

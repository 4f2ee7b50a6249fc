/**
 * Planning, after Materialize: a pure planner that applies the statements of a script in order to a
 * catalog, one small {@link dev.mzflink.plan.StatementPlanner} per kind of statement, from what was
 * read upstream for each source (its {@link dev.mzflink.plan.PurifiedSource}).
 */
package dev.mzflink.plan;

/**
 * Planning, after Materialize: purification ({@link dev.mzflink.plan.Purifier}), the one step that
 * reads the upstream publications, then a pure planner that applies the statements of a script in
 * order to a catalog, one small {@link dev.mzflink.plan.StatementPlanner} per kind of statement.
 */
package dev.mzflink.plan;

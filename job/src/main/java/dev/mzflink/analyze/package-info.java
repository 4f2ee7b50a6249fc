/**
 * The view analyzer: resolves, types and binds the SELECT of a view against the catalog as
 * PostgreSQL would (scopes and names, typing rules and casts, functions and aggregates), into the
 * bound queries of the catalog model. Pure.
 */
package dev.mzflink.analyze;

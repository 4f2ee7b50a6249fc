/**
 * How {@code mzflink run} turns a source's changes into the tables the views read: the source of
 * {@link dev.mzflink.source} per source, a state-backed normalizer that makes an exact changelog
 * per table (keys, duplicates, TOAST, TRUNCATE), the router that registers each table under its
 * view's name, and the status reporter of {@code mzflink.mz_source_statuses}. The value conversions
 * of Flink CDC's connector ({@link dev.mzflink.runtime.cdc.PgTextConverter}) serve the per-table
 * SQL of {@code translate} and {@code run --per-table-slots}.
 */
package dev.mzflink.runtime.cdc;

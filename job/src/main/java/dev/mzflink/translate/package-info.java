/**
 * Statements and a catalog snapshot in, Flink SQL out: the Flink tables, views, sinks and INSERTs
 * of a pipeline as values ({@link dev.mzflink.translate.FlinkPlan}), and their rendering as a Flink
 * SQL file. Pure: no Flink classes, no JDBC, no I/O.
 */
package dev.mzflink.translate;

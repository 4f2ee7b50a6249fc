/**
 * Values between PostgreSQL and Flink: PostgreSQL's text of a value in one canonical spelling
 * ({@link dev.mzflink.values.CanonicalText}), Flink's internal value for it ({@link
 * dev.mzflink.values.FlinkValues}, and straight from the bytes of COPY text and pgoutput tuples:
 * {@link dev.mzflink.values.CopyTextReader}, {@link dev.mzflink.values.PgTextDecoder}, {@link
 * dev.mzflink.values.PgRowDecoder}), and back to PostgreSQL's text ({@link
 * dev.mzflink.values.PgText}). No connections and no I/O of its own.
 */
package dev.mzflink.values;

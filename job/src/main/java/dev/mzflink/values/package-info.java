/**
 * Values between PostgreSQL's text and Flink's internal data: the canonical text of every supported
 * type, the Flink value of that text, the text of a Flink value for the results database, and the
 * COPY text format. Pure: no JDBC, no I/O.
 */
package dev.mzflink.values;

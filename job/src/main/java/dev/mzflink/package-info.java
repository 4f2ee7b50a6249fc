/**
 * mzflink runs Materialize's PostgreSQL-source SQL on Apache Flink. This package holds what every
 * layer shares: user-facing errors and script positions.
 */
package dev.mzflink;

/**
 * The results database: the tables mzflink creates there and the Flink sink connector ({@code
 * 'connector' = 'mzflink-results'}) that keeps them equal to the views, committing each
 * checkpoint's changes in one PostgreSQL transaction exactly once.
 */
package dev.mzflink.sink;

/**
 * The results database: the tables mzflink creates there and the Flink sink connector ({@code
 * 'connector' = 'mzflink-results'}) that keeps them equal to the views. Writers stage changes by
 * COPY as they arrive ({@link dev.mzflink.sink.StagedWriter}); one committer per job applies each
 * completed checkpoint of every results table in one PostgreSQL transaction, exactly once ({@link
 * dev.mzflink.sink.ResultsCommitter}), waits out a results database that is down, and reports a
 * stall ({@link dev.mzflink.sink.StallWatch}).
 */
package dev.mzflink.sink;

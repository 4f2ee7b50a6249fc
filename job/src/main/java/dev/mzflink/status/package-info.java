/**
 * The status table {@code mzflink.mz_source_statuses}, the pipeline health the results committer
 * reports ({@code mzflink.mz_pipeline_health}) and mzflink's bookkeeping schema in the results
 * database, shared by the runtime (which reports) and the sink.
 */
package dev.mzflink.status;

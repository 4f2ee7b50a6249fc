/**
 * The status table {@code mzflink.mz_source_statuses} and mzflink's bookkeeping schema in the
 * results database, shared by the runtime (which reports) and the sink.
 */
package dev.mzflink.status;

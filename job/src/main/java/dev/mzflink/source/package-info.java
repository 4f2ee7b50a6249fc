/**
 * mzflink's own PostgreSQL source for {@code mzflink run} (a FLIP-27 source): one replication
 * connection per source streaming pgoutput, snapshots by COPY in parallel in the slot's exported
 * snapshot without table locks, checkpoints only between upstream transactions, and the slot's
 * confirmed position moved only by completed checkpoints. The enumerator ({@link
 * dev.mzflink.source.PgSplitEnumerator}) decides what is read; readers ({@link
 * dev.mzflink.source.PgSourceReader}) run a COPY or the stream on threads of their own.
 */
package dev.mzflink.source;

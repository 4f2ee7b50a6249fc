/**
 * The prerequisite doctor: pure checks of what was read from the upstream servers ({@link
 * dev.mzflink.catalog.PgServerFacts}) against what a script will replicate, each problem naming the
 * object and the SQL that fixes it.
 */
package dev.mzflink.doctor;

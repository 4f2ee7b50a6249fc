/**
 * The demo and the test harness's PostgreSQL: an embedded PostgreSQL server from Maven artifacts
 * with logical replication enabled, and a small shop whose data keeps changing.
 */
package dev.mzflink.demo;

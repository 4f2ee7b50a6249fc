/**
 * The one way from a script to a pipeline, for run, check and translate: parse once, read each
 * source's server once through {@link dev.mzflink.compile.UpstreamReader}, then the prerequisite
 * doctor, the planner and the translator all work on that reading. Pure apart from the reader.
 */
package dev.mzflink.compile;

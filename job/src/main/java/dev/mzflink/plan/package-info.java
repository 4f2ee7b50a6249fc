/**
 * Planning: a pure function of a script's statements and what was read for its sources. One
 * small planner per statement kind builds the catalog, the notices and the SHOW output.
 */
package dev.mzflink.plan;

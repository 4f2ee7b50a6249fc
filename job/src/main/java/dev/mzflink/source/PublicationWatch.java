package dev.mzflink.source;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the source's publication for tables removed from it while the pipeline runs. pgoutput
 * simply stops sending the changes of such a table, so without this its results would go stale
 * unnoticed; a removed table is reported {@code dropped} and stops replicating (also should it be
 * added back: the changes in between are lost, and {@code mzflink refresh} reads it again).
 */
final class PublicationWatch {
  private static final Logger LOG = LoggerFactory.getLogger(PublicationWatch.class);

  /** How often the publication is looked at. */
  static final long POLL_MILLIS = 5000;

  private final SourceLayout layout;

  /** The tables reported removed; one added back leaves it, to be reported again if removed. */
  private final Set<String> reported = new HashSet<>();

  /** The upstream database, where the publication is. */
  private final KeptConnection upstream;

  PublicationWatch(SourceLayout layout) {
    this.layout = layout;
    this.upstream = new KeptConnection("upstream", () -> PgReplication.connect(layout, "catalog"));
  }

  /** Closes the connection upstream. */
  void close() {
    upstream.close();
  }

  /**
   * Per table id, the source's tables no longer in its publication, with what to report (I/O, on
   * the enumerator's worker thread); none when upstream does not answer. Partitioned tables are
   * left out: a publication may list their partitions instead.
   */
  Map<String, String> unpublished() {
    Map<String, String> gone = new TreeMap<>();
    Set<String> published;
    try {
      published = upstream.use(this::published);
    } catch (SQLException e) {
      LOG.debug("Source {}: publication not read: {}", layout.source, e.getMessage());
      return gone;
    }
    for (TableLayout t : layout.tables) {
      if (!t.partitioned && !published.contains(t.schema + "\u0000" + t.name)) {
        gone.put(
            t.id,
            String.format(
                "table %s was removed from publication %s: its changes are no longer replicated;"
                    + " its results table and the views over it keep their rows from before. Add it"
                    + " back (ALTER PUBLICATION %s ADD TABLE %s;) and run mzflink refresh to read"
                    + " it again, or start the pipeline from scratch without it",
                t.qualifiedName,
                layout.publication,
                dev.mzflink.sql.Quote.pgIdentifier(layout.publication),
                t.qualifiedName));
      }
    }
    return gone;
  }

  private Set<String> published(Connection c) throws SQLException {
    Set<String> published = new HashSet<>();
    try (PreparedStatement p =
        c.prepareStatement(
            "SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = ?")) {
      p.setString(1, layout.publication);
      try (ResultSet r = p.executeQuery()) {
        while (r.next()) {
          published.add(r.getString(1) + "\u0000" + r.getString(2));
        }
      }
    }
    return published;
  }

  /**
   * Of {@code gone}, the tables not reported yet, now counted as reported when {@code reporting}
   * (on the enumerator's thread).
   */
  Map<String, String> news(Map<String, String> gone, boolean reporting) {
    Map<String, String> news = new TreeMap<>();
    if (gone == null) {
      return news;
    }
    reported.retainAll(gone.keySet());
    gone.forEach(
        (id, message) -> {
          if (!reported.contains(id)) {
            news.put(id, message);
          }
        });
    if (reporting) {
      reported.addAll(news.keySet());
      news.forEach((id, message) -> LOG.warn("Source {}: {}", layout.source, message));
    }
    return news;
  }
}

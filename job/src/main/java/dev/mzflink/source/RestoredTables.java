package dev.mzflink.source;

import dev.mzflink.status.SourceStatuses;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.flink.runtime.execution.SuppressRestartsException;

/** What the enumerator checks of the tables its restored state read. */
final class RestoredTables {
  private RestoredTables() {}

  /**
   * Refuses to snapshot {@code table} when the restored state read the same table for the same view
   * under another id (other columns or types: the upstream table or the views changed while the
   * pipeline was stopped): its old rows are in the state and in the views' state, and a new
   * snapshot beside them would count every row twice.
   */
  static void refuseReadOtherwise(
      SourceLayout layout, Map<String, String> restoredNames, TableLayout table) {
    Set<String> ids = new TreeSet<>();
    layout.tables.forEach(t -> ids.add(t.id));
    for (Map.Entry<String, String> saved : restoredNames.entrySet()) {
      if (saved.getValue().equals(table.name()) && !ids.contains(saved.getKey())) {
        String message =
            String.format(
                "cannot resume source %s: table %s was read with other columns or types when the"
                    + " saved state was taken (the upstream table or the script's views changed"
                    + " since). Its rows in the saved state cannot be matched with the table as it"
                    + " is read now, and reading it again beside them would count them twice."
                    + " Start the pipeline from scratch (without --from-savepoint), or resume with"
                    + " the script and upstream table as they were",
                layout.source, table.name());
        SourceStatuses.mark(
            layout.resultsUrl,
            layout.source,
            List.of(table.qualifiedName),
            SourceStatuses.Status.ERRORED,
            message);
        throw new SuppressRestartsException(new IllegalStateException(message));
      }
    }
  }
}

package dev.mzflink.sink;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PositionHoldsTest {
  private static SourcePosition at(long lsn, String held) {
    return new SourcePosition(lsn, held);
  }

  @Test
  void aFirstRunWaitsForItsWholeSnapshotThenCountsFromTheCheckpointAfterTheFirstPosition() {
    PositionHolds holds = new PositionHolds(-1);
    assertThat(holds.mark()).isEqualTo(new PositionHolds.Mark(-1, ""));
    // Tables read beside the stream before the results hold any position of the source.
    holds.accept(at(100, "a"));
    assertThat(holds.mark()).isEqualTo(new PositionHolds.Mark(-1, ""));
    holds.accept(at(200, ""));
    // The snapshot's last rows may cross this checkpoint's barrier.
    assertThat(holds.mark()).isEqualTo(new PositionHolds.Mark(-1, ""));
    assertThat(holds.mark()).isEqualTo(new PositionHolds.Mark(200, ""));
    holds.accept(at(300, ""));
    assertThat(holds.mark()).isEqualTo(new PositionHolds.Mark(300, ""));
    assertThat(holds.marked()).isEqualTo(300);
  }

  @Test
  void aRestoredStreamHoldsOnlyTheTablesItReadsAndReleasesEachACheckpointLate() {
    PositionHolds holds = new PositionHolds(50);
    // Nothing from the restored stream yet: it may be snapshotting anything.
    assertThat(holds.mark()).isEqualTo(new PositionHolds.Mark(-1, ""));
    holds.accept(at(60, "a,b"));
    assertThat(holds.mark()).isEqualTo(new PositionHolds.Mark(60, "a,b"));
    holds.accept(at(70, "b"));
    holds.accept(at(80, "b"));
    // a's last snapshot rows may cross this barrier: held once more.
    assertThat(holds.mark()).isEqualTo(new PositionHolds.Mark(80, "a,b"));
    assertThat(holds.mark()).isEqualTo(new PositionHolds.Mark(80, "b"));
    holds.accept(at(90, ""));
    assertThat(holds.mark()).isEqualTo(new PositionHolds.Mark(90, "b"));
    assertThat(holds.mark()).isEqualTo(new PositionHolds.Mark(90, ""));
  }

  @Test
  void anUnknownPositionHoldsEverythingUntilTheCheckpointAfterTheNextKnownOne() {
    PositionHolds holds = new PositionHolds(50);
    holds.accept(at(60, ""));
    assertThat(holds.mark()).isEqualTo(new PositionHolds.Mark(60, ""));
    // A re-read on request holds the whole source.
    holds.accept(at(-1, ""));
    assertThat(holds.mark()).isEqualTo(new PositionHolds.Mark(-1, ""));
    holds.accept(at(70, ""));
    assertThat(holds.mark()).isEqualTo(new PositionHolds.Mark(-1, ""));
    assertThat(holds.mark()).isEqualTo(new PositionHolds.Mark(70, ""));
    // Once the results hold a position, tables read beside the stream hold only theirs.
    holds.accept(at(75, "c"));
    assertThat(holds.mark()).isEqualTo(new PositionHolds.Mark(75, "c"));
  }
}

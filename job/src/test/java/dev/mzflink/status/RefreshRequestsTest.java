package dev.mzflink.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mzflink.status.RefreshRequests.Names;
import org.junit.jupiter.api.Test;

/** How refresh requests name sources and tables: as mzflink status shows them, or as SQL would. */
class RefreshRequestsTest {
  @Test
  void partsAreUnquotedOrFoldedToLowerCase() {
    assertThat(Names.parts("\"public\".\"Mixed Case\"")).containsExactly("public", "Mixed Case");
    assertThat(Names.parts("Public.Items")).containsExactly("public", "items");
    assertThat(Names.parts(" src ")).containsExactly("src");
    assertThat(Names.parts("\"a\"\"b\".\"x.y\"")).containsExactly("a\"b", "x.y");
    assertThat(Names.parts("public.")).containsExactly("public", "");
  }

  @Test
  void aNameMatchesAllPartsOrTheLastOnes() {
    String quoted = "\"public\".\"orders\"";
    assertThat(Names.matches("orders", quoted)).isTrue();
    assertThat(Names.matches("ORDERS", quoted)).isTrue();
    assertThat(Names.matches("public.orders", quoted)).isTrue();
    assertThat(Names.matches(quoted, quoted)).isTrue();
    assertThat(Names.matches("\"ORDERS\"", quoted)).isFalse();
    assertThat(Names.matches("other.orders", quoted)).isFalse();
    assertThat(Names.matches("x.public.orders", quoted)).isFalse();
    assertThat(Names.matches("public.", quoted)).isFalse();
    assertThat(Names.matches("Mixed Case", "\"public\".\"Mixed Case\"")).isFalse();
    assertThat(Names.matches("\"Mixed Case\"", "\"public\".\"Mixed Case\"")).isTrue();
  }
}

package dev.mzflink.sink;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class EnumColumnsTest {
  @Test
  void arrayTextGivesItsElements() {
    assertThat(EnumColumns.arrayElements("{}")).isEmpty();
    assertThat(EnumColumns.arrayElements("{sad,ecstatic}")).containsExactly("sad", "ecstatic");
    assertThat(EnumColumns.arrayElements("{ecstatic,NULL,happy}"))
        .isEqualTo(Arrays.asList("ecstatic", null, "happy"));
    assertThat(EnumColumns.arrayElements("[0:2]={\"a b\",\"NULL\",\"x,\\\"y\\\\\"}"))
        .containsExactly("a b", "NULL", "x,\"y\\");
  }
}

package dev.mzflink.runtime.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.types.logical.BigIntType;
import org.apache.flink.table.types.logical.BooleanType;
import org.apache.flink.table.types.logical.DecimalType;
import org.apache.flink.table.types.logical.DoubleType;
import org.apache.flink.table.types.logical.FloatType;
import org.apache.flink.table.types.logical.IntType;
import org.apache.flink.table.types.logical.SmallIntType;
import org.apache.flink.table.types.logical.VarCharType;
import org.junit.jupiter.api.Test;

/** How a stored value of a column whose type changed is retracted in the new type. */
class StoredShapesTest {
  @Test
  void widenedValuesKeepTheirValue() {
    assertThat(StoredShapes.convert(7, new IntType(), new BigIntType())).isEqualTo(7L);
    assertThat(StoredShapes.convert((short) -3, new SmallIntType(), new IntType())).isEqualTo(-3);
    assertThat(StoredShapes.convert(1.5f, new FloatType(), new DoubleType())).isEqualTo(1.5d);
    assertThat(StoredShapes.convert(12, new IntType(), new DecimalType(10, 2)))
        .isEqualTo(DecimalData.fromBigDecimal(new BigDecimal("12.00"), 10, 2));
    assertThat(
            StoredShapes.convert(
                DecimalData.fromBigDecimal(new BigDecimal("1.25"), 5, 2),
                new DecimalType(5, 2),
                new DecimalType(12, 4)))
        .isEqualTo(DecimalData.fromBigDecimal(new BigDecimal("1.2500"), 12, 4));
    StringData text = StringData.fromString("x");
    assertThat(StoredShapes.convert(text, new VarCharType(10), new VarCharType(20))).isSameAs(text);
    // Nullability is no change.
    assertThat(StoredShapes.convert(5L, new BigIntType(false), new BigIntType(true))).isEqualTo(5L);
  }

  @Test
  void otherChangesHaveNoValue() {
    assertThat(StoredShapes.convertible(new BigIntType(), new IntType())).isFalse();
    assertThat(StoredShapes.convert(7L, new BigIntType(), new IntType())).isNull();
    assertThat(StoredShapes.convertible(new IntType(), new VarCharType(10))).isFalse();
    assertThat(StoredShapes.convertible(new BooleanType(), new IntType())).isFalse();
    assertThat(StoredShapes.convertible(new DoubleType(), new FloatType())).isFalse();
    assertThat(StoredShapes.convert(null, new IntType(), new BigIntType())).isNull();
  }
}

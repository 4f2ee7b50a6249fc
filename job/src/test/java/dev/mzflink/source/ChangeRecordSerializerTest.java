package dev.mzflink.source;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mzflink.runtime.cdc.TableChange;
import dev.mzflink.runtime.cdc.TableChangeSerializer;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

class ChangeRecordSerializerTest {
  private static <T> T roundTrip(TypeSerializer<T> serializer, T value) throws Exception {
    DataOutputSerializer out = new DataOutputSerializer(64);
    serializer.serialize(value, out);
    serializer.serialize(value, out);
    // copy(in, out) moves one record from one view to another unchanged.
    DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
    DataOutputSerializer copied = new DataOutputSerializer(64);
    serializer.copy(in, copied);
    serializer.copy(in, copied);
    assertThat(copied.getCopyOfBuffer()).isEqualTo(out.getCopyOfBuffer());
    DataInputDeserializer again = new DataInputDeserializer(copied.getCopyOfBuffer());
    T first = serializer.deserialize(again);
    T second = serializer.deserialize(serializer.createInstance(), again);
    assertThat(again.available()).isZero();
    assertThat(second).usingRecursiveComparison().isEqualTo(first);
    assertThat(serializer.copy(first))
        .isNotSameAs(first)
        .usingRecursiveComparison()
        .isEqualTo(first);
    return first;
  }

  @Test
  void everyFieldOfAChangeRecordSurvivesTheWire() throws Exception {
    ChangeRecord full = new ChangeRecord(3, ChangeRecord.UPDATE, new byte[] {1, 0, -1}, 77L, 42L);
    full.unchangedToast = 0b101;
    full.key = "3:ключ\u0000\"x\"";
    full.commitMillis = 1_700_000_000_123L;
    full.error = "column \"é\" changed";
    full.count = Long.MAX_VALUE;
    assertThat(roundTrip(ChangeRecordSerializer.INSTANCE, full))
        .usingRecursiveComparison()
        .isEqualTo(full);

    ChangeRecord empty = new ChangeRecord(-1, ChangeRecord.RESET, null, 0, Long.MIN_VALUE);
    assertThat(roundTrip(ChangeRecordSerializer.INSTANCE, empty))
        .usingRecursiveComparison()
        .isEqualTo(empty);

    ChangeRecord big = new ChangeRecord(0, ChangeRecord.SNAPSHOT, new byte[200_000], 1, 1);
    big.key = "k".repeat(100_000);
    assertThat(roundTrip(ChangeRecordSerializer.INSTANCE, big))
        .usingRecursiveComparison()
        .isEqualTo(big);
  }

  @Test
  void aTableChangeSurvivesTheWire() throws Exception {
    TableChange change = new TableChange();
    change.table = 7;
    change.kind = 3;
    change.row = new byte[] {9, 8, 7};
    assertThat(roundTrip(TableChangeSerializer.INSTANCE, change))
        .usingRecursiveComparison()
        .isEqualTo(change);
    TableChange empty = new TableChange();
    assertThat(roundTrip(TableChangeSerializer.INSTANCE, empty))
        .usingRecursiveComparison()
        .isEqualTo(empty);
  }

  @Test
  void flinkPicksTheseSerializersNotItsPojoSerializer() {
    assertThat(TypeInformation.of(ChangeRecord.class).createSerializer(new SerializerConfigImpl()))
        .isSameAs(ChangeRecordSerializer.INSTANCE);
    assertThat(TypeInformation.of(TableChange.class).createSerializer(new SerializerConfigImpl()))
        .isSameAs(TableChangeSerializer.INSTANCE);
  }
}

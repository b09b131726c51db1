package dev.graft.vision.internal.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.vision.weights.WeightImportException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsSourceTest {
    @TempDir
    Path dir;

    private Path file(String header, byte[] data) throws Exception {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        return Files.write(dir.resolve("t.safetensors"), b.array());
    }

    @Test
    void halfBfloatAndDoublePrecisionTensorsReadAsFloat32() throws Exception {
        ByteBuffer d = ByteBuffer.allocate(2 * 3 + 2 * 2 + 8).order(ByteOrder.LITTLE_ENDIAN);
        // F16: 1.0 = 0x3C00, -2.5 = 0xC100, 2^-24 (smallest subnormal) = 0x0001
        d.putShort((short) 0x3C00).putShort((short) 0xC100).putShort((short) 0x0001);
        // BF16: upper halves of float32 bits
        d.putShort((short) (Float.floatToIntBits(3.0f) >>> 16)).putShort((short) (Float.floatToIntBits(-0.15625f) >>> 16));
        d.putDouble(0.1);
        Path f = file("{\"h\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[0,6]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[6,10]},"
                + "\"d\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[10,18]}}", d.array());
        try (SafetensorsSource s = new SafetensorsSource(f)) {
            assertThat(s.read("h")).containsExactly(1.0f, -2.5f, (float) Math.pow(2, -24));
            assertThat(s.read("b")).containsExactly(3.0f, -0.15625f);
            assertThat(s.read("d")).containsExactly(0.1f);
            assertThat(s.shapes().get("h")).containsExactly(3);
        }
    }

    @Test
    void sizeThatDisagreesWithShapeIsRejectedNamingTheTensor() throws Exception {
        Path f = file("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", new byte[8]);
        assertThatThrownBy(() -> new SafetensorsSource(f)).isInstanceOf(WeightImportException.class)
                .hasMessageContaining("tensor 'w'").hasMessageContaining(f.toString());
    }
}

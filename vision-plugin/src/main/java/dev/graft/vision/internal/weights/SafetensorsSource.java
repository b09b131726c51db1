package dev.graft.vision.internal.weights;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.graft.vision.weights.WeightImportException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads Hugging Face safetensors files as PyTorch writes them: besides F32, also F16, BF16 and F64
 * (converted to float32) and integer tensors such as BatchNorm's I64 {@code num_batches_tracked}
 * (listed, never read as weights). Offsets and sizes are validated before anything is read.
 */
public final class SafetensorsSource implements TensorSource {
    private static final long MAX_HEADER = 100L * 1024 * 1024;
    private final Path file;
    private final FileChannel ch;
    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    private record Entry(String dtype, long[] shape, long begin, long end) {
    }

    public SafetensorsSource(Path file) {
        this.file = file;
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ);
            readHeader();
        } catch (IOException e) {
            throw new WeightImportException("cannot read safetensors file " + file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private void readHeader() throws IOException {
        long size = ch.size();
        if (size < 8) {
            throw bad("file is " + size + " bytes, too short for a safetensors header");
        }
        ByteBuffer lb = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        ch.read(lb, 0);
        long n = lb.flip().getLong();
        if (n <= 0 || n > MAX_HEADER || n > size - 8) {
            throw bad("header length " + n + " is invalid for a file of " + size + " bytes");
        }
        ByteBuffer hb = ByteBuffer.allocate((int) n);
        ch.read(hb, 8);
        JsonObject root;
        try {
            root = JsonParser.parseString(StandardCharsets.UTF_8.decode(hb.flip()).toString()).getAsJsonObject();
        } catch (RuntimeException e) {
            throw bad("header is not a JSON object: " + e.getMessage());
        }
        long dataLen = size - 8 - n;
        for (Map.Entry<String, JsonElement> e : root.entrySet()) {
            if (e.getKey().equals("__metadata__")) {
                e.getValue().getAsJsonObject().entrySet().forEach(m -> metadata.put(m.getKey(), m.getValue().getAsString()));
                continue;
            }
            try {
                JsonObject t = e.getValue().getAsJsonObject();
                String dtype = t.get("dtype").getAsString();
                var sh = t.getAsJsonArray("shape");
                long[] shape = new long[sh.size()];
                long count = 1;
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = sh.get(i).getAsLong();
                    if (shape[i] < 0) {
                        throw bad("tensor '" + e.getKey() + "' has a negative dimension");
                    }
                    count = Math.multiplyExact(count, shape[i]);
                }
                var off = t.getAsJsonArray("data_offsets");
                long begin = off.get(0).getAsLong();
                long end = off.get(1).getAsLong();
                if (begin < 0 || end < begin || end > dataLen) {
                    throw bad("tensor '" + e.getKey() + "' has offsets [" + begin + ", " + end + "] outside the "
                            + dataLen + "-byte data section");
                }
                int width = width(dtype);
                if (width > 0 && end - begin != count * width) {
                    throw bad("tensor '" + e.getKey() + "' is " + dtype + " " + java.util.Arrays.toString(shape)
                            + " = " + count * width + " bytes but its offsets span " + (end - begin));
                }
                entries.put(e.getKey(), new Entry(dtype, shape, 8 + n + begin, 8 + n + end));
            } catch (WeightImportException ex) {
                throw ex;
            } catch (RuntimeException ex) {
                throw bad("tensor '" + e.getKey() + "' has a malformed header entry: " + ex.getMessage());
            }
        }
    }

    private static int width(String dtype) {
        return switch (dtype) {
            case "F64", "I64", "U64" -> 8;
            case "F32", "I32", "U32" -> 4;
            case "F16", "BF16", "I16", "U16" -> 2;
            case "I8", "U8", "BOOL" -> 1;
            default -> -1;
        };
    }

    private WeightImportException bad(String msg) {
        return new WeightImportException("safetensors file " + file + ": " + msg, (dev.graft.vision.weights.ImportReport) null);
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    @Override
    public String description() {
        return file.toString();
    }

    @Override
    public Map<String, long[]> shapes() {
        Map<String, long[]> out = new LinkedHashMap<>();
        entries.forEach((k, v) -> out.put(k, v.shape().clone()));
        return out;
    }

    /** The dtype code of a tensor as written in the header. */
    public String dtype(String name) {
        return entries.get(name).dtype();
    }

    @Override
    public float[] read(String name) {
        Entry e = entries.get(name);
        if (e == null) {
            throw new IllegalArgumentException("no tensor '" + name + "' in " + file);
        }
        long bytes = e.end() - e.begin();
        if (bytes > Integer.MAX_VALUE - 16) {
            throw bad("tensor '" + name + "' is too large for one buffer (" + bytes + " bytes)");
        }
        ByteBuffer buf = ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
        try {
            long pos = e.begin();
            while (buf.hasRemaining()) {
                int r = ch.read(buf, pos);
                if (r < 0) {
                    throw bad("truncated while reading tensor '" + name + "'");
                }
                pos += r;
            }
        } catch (IOException ex) {
            throw new WeightImportException("cannot read tensor '" + name + "' from " + file + ": " + ex.getMessage(), ex);
        }
        buf.flip();
        int n = (int) (bytes / Math.max(1, width(e.dtype())));
        float[] out = new float[n];
        switch (e.dtype()) {
            case "F32" -> buf.asFloatBuffer().get(out);
            case "F64" -> {
                for (int i = 0; i < n; i++) {
                    out[i] = (float) buf.getDouble(i * 8);
                }
            }
            case "F16" -> {
                for (int i = 0; i < n; i++) {
                    out[i] = Float.intBitsToFloat(halfToFloatBits(buf.getShort(i * 2)));
                }
            }
            case "BF16" -> {
                for (int i = 0; i < n; i++) {
                    out[i] = Float.intBitsToFloat((buf.getShort(i * 2) & 0xffff) << 16);
                }
            }
            default -> throw bad("tensor '" + name + "' is " + e.dtype() + ", not a floating-point weight");
        }
        return out;
    }

    static int halfToFloatBits(short h) {
        int s = (h >> 15) & 1;
        int exp = (h >> 10) & 0x1f;
        int man = h & 0x3ff;
        if (exp == 0) {
            if (man == 0) {
                return s << 31;
            }
            while ((man & 0x400) == 0) {
                man <<= 1;
                exp--;
            }
            exp++;
            man &= 0x3ff;
        } else if (exp == 31) {
            return (s << 31) | 0x7f800000 | (man << 13);
        }
        return (s << 31) | ((exp + 112) << 23) | (man << 13);
    }

    @Override
    public void close() {
        try {
            if (ch != null) {
                ch.close();
            }
        } catch (IOException ignored) {
            // read-only channel
        }
    }
}

package dev.graft.engine.spi;

/** Element types that networks, parameters and host tensors use. */
public enum DType {
    FLOAT32(4, "F32"),
    INT32(4, "I32");

    private final int byteSize;
    private final String safetensorsName;

    DType(int byteSize, String safetensorsName) {
        this.byteSize = byteSize;
        this.safetensorsName = safetensorsName;
    }

    public int byteSize() {
        return byteSize;
    }

    /** The dtype code used in safetensors headers. */
    public String safetensorsName() {
        return safetensorsName;
    }

    public static DType fromSafetensors(String code) {
        for (DType t : values()) {
            if (t.safetensorsName.equals(code)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unsupported safetensors dtype '" + code + "' (supported: F32, I32)");
    }
}

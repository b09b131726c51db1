package dev.graft.core.spi;

import java.util.List;

/**
 * Where a backbone's pretrained weights come from, as {@code graft list} shows it and as a run
 * warns about: shipped with the plugin, expected from the user's own files (in which formats), or
 * none at all (random initialisation).
 *
 * @param source  where the weights come from
 * @param formats the file formats accepted (for {@link Source#USER_FILES}), e.g. {@code keras-h5}
 * @param howTo   one sentence on how to provide or use them, shown by {@code graft list} and in warnings
 */
public record WeightsStatus(Source source, List<String> formats, String howTo) {
    /** Where pretrained weights come from. */
    public enum Source {
        /** Shipped inside the plugin or a dependency: works offline with no file from the user. */
        BUNDLED,
        /** Pretrained only when the user passes their own weight files; random otherwise. */
        USER_FILES,
        /** Taken from a model Graft saved (its own training). */
        SAVED_MODEL,
        /** Never pretrained: every parameter starts from the run's seeded random initialisation. */
        RANDOM,
        /** The provider does not say. */
        UNDECLARED
    }

    public WeightsStatus {
        formats = List.copyOf(formats);
        howTo = howTo == null ? "" : howTo;
    }

    public static WeightsStatus bundled(String howTo) {
        return new WeightsStatus(Source.BUNDLED, List.of(), howTo);
    }

    public static WeightsStatus userFiles(List<String> formats, String howTo) {
        return new WeightsStatus(Source.USER_FILES, formats, howTo);
    }

    public static WeightsStatus savedModel(String howTo) {
        return new WeightsStatus(Source.SAVED_MODEL, List.of(), howTo);
    }

    public static WeightsStatus random(String howTo) {
        return new WeightsStatus(Source.RANDOM, List.of(), howTo);
    }

    public static WeightsStatus undeclared() {
        return new WeightsStatus(Source.UNDECLARED, List.of(), "");
    }

    /** A short label: {@code bundled}, {@code your files (keras-h5, safetensors)}, {@code random}, ... */
    public String label() {
        return switch (source) {
            case BUNDLED -> "bundled";
            case USER_FILES -> "your files" + (formats.isEmpty() ? "" : " (" + String.join(", ", formats) + ")");
            case SAVED_MODEL -> "from a saved Graft model";
            case RANDOM -> "random (no pretrained weights)";
            case UNDECLARED -> "not declared by its plugin";
        };
    }
}

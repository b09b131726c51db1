package dev.graft.engine.spi;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * How to open a TensorFlow SavedModel. A SavedModel's graph is a program: running it (a signature,
 * reading its variables through TensorFlow, even loading it, which runs its restore and init ops)
 * runs code the model's author chose. Only a caller who trusts the model says {@link #trustedModel()};
 * an untrusted model can still be described (signatures, variables, op types) from its parsed
 * graph, which runs nothing. With trust, the engine still screens the graph before loading it
 * (see docs/security.md).
 *
 * @param trusted     the caller trusts the model's author with code execution on this machine
 * @param loadTimeout deadline for TensorFlow's load (restore and init ops); positive
 * @param allowedOps  TensorFlow op types accepted beyond the engine's allowlist of pure computation
 */
public record SavedModelOptions(boolean trusted, Duration loadTimeout, Set<String> allowedOps) {
    /** The default deadline for loading: restoring variables and running init ops. */
    public static final Duration DEFAULT_LOAD_TIMEOUT = Duration.ofMinutes(2);

    public SavedModelOptions {
        Objects.requireNonNull(loadTimeout, "loadTimeout");
        if (loadTimeout.isNegative() || loadTimeout.isZero()) {
            throw new IllegalArgumentException("loadTimeout must be positive, got " + loadTimeout);
        }
        allowedOps = Set.copyOf(new TreeSet<>(Objects.requireNonNull(allowedOps, "allowedOps")));
    }

    /** Describe only: nothing in the model runs; {@code run} and {@code readVariables} are refused. */
    public static SavedModelOptions untrustedModel() {
        return new SavedModelOptions(false, DEFAULT_LOAD_TIMEOUT, Set.of());
    }

    /** The caller trusts the model: it may be loaded and run (still screened, with bounded loading). */
    public static SavedModelOptions trustedModel() {
        return new SavedModelOptions(true, DEFAULT_LOAD_TIMEOUT, Set.of());
    }

    public SavedModelOptions withLoadTimeout(Duration timeout) {
        return new SavedModelOptions(trusted, timeout, allowedOps);
    }

    /** Accepts these op types beyond the allowlist (only meaningful with trust). */
    public SavedModelOptions withAllowedOps(Set<String> ops) {
        return new SavedModelOptions(trusted, loadTimeout, ops);
    }

    /** How the refusal of an untrusted model names this flag. */
    public static final String TRUST_HINT = "open it with SavedModelOptions.trustedModel() "
            + "(Engine.openSavedModel(dir, tags, SavedModelOptions.trustedModel()))";
}

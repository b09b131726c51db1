package dev.graft.engine.spi;

import dev.graft.engine.spi.graph.Network;
import dev.graft.engine.spi.io.SafeTensors;
import dev.graft.engine.spi.train.StepResult;
import dev.graft.engine.spi.train.TrainingConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A network compiled by an engine. Inference ({@link #predict}) is thread-safe; training calls
 * must come from one thread at a time. Closing releases every native resource.
 */
public interface CompiledModel extends AutoCloseable {
    Network network();

    /** Runs the named outputs in inference mode (dropout off, BatchNorm moving statistics). */
    Map<String, HostTensor> predict(Map<String, HostTensor> inputs, List<String> outputs);

    default HostTensor predict(Map<String, HostTensor> inputs, String output) {
        return predict(inputs, List.of(output)).get(output);
    }

    /** Sets or changes how training runs; optimizer state and the step counter are kept. */
    void configureTraining(TrainingConfig config);

    /**
     * One optimizer step on a batch (features and labels by input name).
     *
     * @throws dev.graft.engine.spi.train.NonFiniteLossException if the loss or a gradient is not
     *         finite; the update is then not applied
     */
    StepResult trainStep(Map<String, HostTensor> batch);

    /** Optimizer steps taken so far. */
    long step();

    /** Current value of every parameter and state tensor, by name. */
    Map<String, HostTensor> parameters();

    default HostTensor parameter(String name) {
        HostTensor t = parameters().get(name);
        if (t == null) {
            throw new IllegalArgumentException("no parameter named '" + name + "'");
        }
        return t;
    }

    /**
     * Writes every parameter to a safetensors file, atomically, as {@link SafeTensors#write} would write
     * {@link #parameters()}. Engines may fetch them a group at a time so that no full copy of the weights
     * is held beside the engine's own (the default takes them all at once).
     */
    default void saveParameters(Path file, Map<String, String> metadata) throws IOException {
        SafeTensors.write(file, parameters(), metadata);
    }

    /** Overwrites the named parameters; names and shapes must match the definition. */
    void setParameters(Map<String, HostTensor> values);

    /** Optimizer slots by {@code slot/parameter} name. */
    Map<String, HostTensor> optimizerState();

    /** Restores optimizer slots and the step counter. */
    void setOptimizerState(Map<String, HostTensor> slots, long step);

    /** Saves weights, optimizer state and the step counter as one safetensors file, atomically. */
    default void saveCheckpoint(Path file, Map<String, String> metadata) throws IOException {
        Map<String, HostTensor> all = new LinkedHashMap<>();
        parameters().forEach((k, v) -> all.put("param/" + k, v));
        optimizerState().forEach((k, v) -> all.put("opt/" + k, v));
        Map<String, String> meta = new LinkedHashMap<>(metadata);
        meta.put("graft.step", Long.toString(step()));
        SafeTensors.write(file, all, meta);
    }

    /** Loads a checkpoint written by {@link #saveCheckpoint}; returns its metadata. */
    default Map<String, String> loadCheckpoint(Path file) throws IOException {
        SafeTensors.Contents c = SafeTensors.read(file);
        Map<String, HostTensor> params = new LinkedHashMap<>();
        Map<String, HostTensor> slots = new LinkedHashMap<>();
        c.tensors().forEach((k, v) -> {
            if (k.startsWith("param/")) {
                params.put(k.substring(6), v);
            } else if (k.startsWith("opt/")) {
                slots.put(k.substring(4), v);
            }
        });
        setParameters(params);
        String step = c.metadata().get("graft.step");
        setOptimizerState(slots, step == null ? 0 : Long.parseLong(step));
        return c.metadata();
    }

    @Override
    void close();
}

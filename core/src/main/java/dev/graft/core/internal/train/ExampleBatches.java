package dev.graft.core.internal.train;

import dev.graft.core.spi.Backbone;
import dev.graft.core.spi.Example;
import dev.graft.engine.spi.HostTensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Batches encoded by the backbone from raw examples (augmenting while training, as the backbone
 * decides). {@link #prefetch} encodes the next batch on a background thread while the caller trains
 * on the current one: at most one batch ahead, encoded by the same call with the same seed, so the
 * inputs are the same as without prefetching; a request for another batch waits for the prefetched
 * one to finish (two encodes never overlap) and encodes in the caller's thread.
 */
public final class ExampleBatches implements BatchSource {
    private final Backbone backbone;
    private final List<Example> examples;
    private ThreadPoolExecutor worker;
    private Ahead ahead;

    private record Ahead(int[] indices, boolean training, long seed, Future<Map<String, HostTensor>> result) {
        boolean is(int[] i, boolean t, long s) {
            return Arrays.equals(indices, i) && training == t && seed == s;
        }
    }

    public ExampleBatches(Backbone backbone, List<Example> examples) {
        this.backbone = backbone;
        this.examples = List.copyOf(examples);
    }

    @Override
    public int size() {
        return examples.size();
    }

    @Override
    public Map<String, HostTensor> inputs(int[] indices, boolean training, long seed) {
        Ahead a = ahead;
        ahead = null;
        if (a != null) {
            Map<String, HostTensor> r = await(a.result());
            if (a.is(indices, training, seed) && r != null) {
                return r;
            }
        }
        return encode(indices, training, seed);
    }

    /** Starts encoding the batch the next {@link #inputs} call will ask for, on a background thread. */
    @Override
    public void prefetch(int[] indices, boolean training, long seed) {
        if (ahead != null) {
            await(ahead.result());
        }
        if (worker == null) {
            // one daemon thread, gone after 30 s idle: nothing to close
            worker = new ThreadPoolExecutor(0, 1, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
                Thread t = new Thread(r, "graft-input-pipeline");
                t.setDaemon(true);
                return t;
            });
        }
        int[] copy = indices.clone();
        ahead = new Ahead(copy, training, seed, worker.submit(() -> encode(copy, training, seed)));
    }

    /** The prefetched result, or null when it failed (the caller then encodes again and sees the error itself). */
    private static Map<String, HostTensor> await(Future<Map<String, HostTensor>> f) {
        try {
            return f.get();
        } catch (ExecutionException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            f.cancel(true);
            return null;
        }
    }

    private Map<String, HostTensor> encode(int[] indices, boolean training, long seed) {
        List<Example> batch = new ArrayList<>(indices.length);
        for (int i : indices) {
            batch.add(examples.get(i));
        }
        return backbone.encode(batch, training, seed);
    }
}

package dev.graft.core.internal.strategies;

import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.graph.Network;
import dev.graft.engine.spi.graph.ParamSpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The tensors of an adapter-only save and their reapplication to the base backbone. The file holds
 * every LoRA pair with its scale ({@code <stem>.lora_a}, {@code .lora_b}, {@code .lora_scale}) and
 * every parameter outside the backbone (the head), never a backbone weight; a digest of the base
 * backbone weights the adapters leave untouched identifies the base. Reapplying reads those weights
 * from the backbone again, folds {@code kernel + scale * reshape(A B)} into every adapted kernel
 * exactly as the merged save did, and refuses a base whose digest differs.
 */
public final class LoraAdapterFile {
    private LoraAdapterFile() {
    }

    /** The adapted kernels named by the adapter tensors, each with its stem. */
    public static Map<String, String> adaptedKernels(Network net, Map<String, HostTensor> adapters) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String k : adapters.keySet()) {
            if (!k.endsWith("." + LoraAdapter.A)) {
                continue;
            }
            String stem = k.substring(0, k.length() - LoraAdapter.A.length() - 1);
            String kernel = net.params().containsKey(stem + ".kernel") ? stem + ".kernel" : stem;
            if (!net.params().containsKey(kernel)) {
                throw new IllegalArgumentException("adapter '" + k + "' adapts no parameter of the network (looked for '"
                        + stem + ".kernel')");
            }
            for (String part : new String[] {LoraAdapter.B, LoraAdapter.SCALE}) {
                if (!adapters.containsKey(stem + "." + part)) {
                    throw new IllegalArgumentException("adapter '" + k + "' has no '" + stem + "." + part + "'");
                }
            }
            out.put(kernel, stem);
        }
        return out;
    }

    /** What an adapter-only save writes: the adapters, then every merged weight outside {@code backbonePrefix}. */
    public static Map<String, HostTensor> tensors(Map<String, HostTensor> merged, Map<String, HostTensor> adapters,
            String backbonePrefix) {
        Map<String, HostTensor> out = new LinkedHashMap<>(adapters);
        merged.forEach((k, v) -> {
            if (!k.startsWith(backbonePrefix)) {
                out.put(k, v);
            }
        });
        return out;
    }

    /**
     * SHA-256 over the names, dtypes, shapes and bytes of the network's backbone parameters that no
     * adapter changes, in name order, read from {@code weights}.
     */
    public static String baseDigest(Network net, Map<String, HostTensor> weights, Set<String> adaptedKernels,
            String backbonePrefix) {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        for (String name : new TreeSet<>(net.params().keySet())) {
            if (!name.startsWith(backbonePrefix) || adaptedKernels.contains(name)) {
                continue;
            }
            HostTensor t = weights.get(name);
            if (t == null) {
                throw new IllegalArgumentException("base weights lack '" + name + "'");
            }
            md.update((name + "|" + t.dtype() + "|" + t.shape() + "|").getBytes(StandardCharsets.UTF_8));
            md.update(t.buffer());
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /**
     * The merged weights of {@code net}: the file's head parameters, the base's backbone weights,
     * and every adapted kernel as {@code base + scale * reshape(A B)}.
     *
     * @param where names the adapter file in errors
     * @throws IllegalArgumentException naming the file and the tensor when the base lacks a weight,
     *         or when the base's untouched weights are not the ones the adapters were trained on
     */
    public static Map<String, HostTensor> reapply(Network net, Map<String, HostTensor> file, Map<String, HostTensor> base,
            String backbonePrefix, String expectedDigest, String backboneName, String where) {
        Map<String, String> kernels = adaptedKernels(net, file);
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (ParamSpec p : net.params().values()) {
            String name = p.name();
            HostTensor t;
            if (kernels.containsKey(name)) {
                String stem = kernels.get(name);
                HostTensor w = require(base, name, backboneName, where);
                t = LoraAdapter.merged(w, file.get(stem + "." + LoraAdapter.A), file.get(stem + "." + LoraAdapter.B),
                        file.get(stem + "." + LoraAdapter.SCALE).floats()[0]);
            } else if (name.startsWith(backbonePrefix)) {
                t = require(base, name, backboneName, where);
            } else {
                t = file.get(name);
                if (t == null) {
                    throw new IllegalArgumentException(where + ": holds no tensor '" + name + "' (a head parameter)");
                }
            }
            out.put(name, t);
        }
        String digest = baseDigest(net, base, kernels.keySet(), backbonePrefix);
        if (!digest.equals(expectedDigest)) {
            throw new IllegalArgumentException(where + ": the adapters were trained on another base: backbone '" + backboneName
                    + "' now has weights with digest " + digest + ", the file names base digest " + expectedDigest);
        }
        return out;
    }

    private static HostTensor require(Map<String, HostTensor> base, String name, String backboneName, String where) {
        HostTensor t = base.get(name);
        if (t == null) {
            throw new IllegalArgumentException(where + ": backbone '" + backboneName + "' has no pretrained weight '" + name
                    + "'; an adapter-only save needs a base whose weights are all pretrained (save the merged model instead)");
        }
        return t;
    }
}

package dev.graft.core.model;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import dev.graft.core.config.ComponentRef;
import dev.graft.core.internal.ensemble.EnsembleFile;
import dev.graft.core.internal.ensemble.SoftVote;
import dev.graft.core.internal.strategies.LoraAdapterFile;
import dev.graft.core.spi.Preprocessing;
import dev.graft.core.spi.Task;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.graph.Network;
import dev.graft.engine.spi.graph.ParamSpec;
import dev.graft.engine.spi.io.FileTensors;
import dev.graft.engine.spi.io.SafeTensors;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A trained network, engine-neutral: the inference definition, its weights, the preprocessing the
 * backbone expects and the labels. Saved as a directory that any engine can load:
 * {@code manifest.json}, {@code network.json}, {@code weights.safetensors},
 * {@code preprocessing.json}, {@code labels.json}.
 * <p>Or a soft-voting ensemble of such models ({@link #ensemble}): classifiers over one label set whose
 * class probabilities {@link Predictor} averages with weights. Its directory holds {@code ensemble.json},
 * {@code manifest.json}, {@code labels.json}, {@code preprocessing.json} and a copy of every member in
 * {@code members/}; it has no network of its own ({@link #members()} have theirs).
 */
public final class TrainedModel {
    public static final String MANIFEST = "manifest.json";
    public static final String NETWORK = "network.json";
    public static final String WEIGHTS = "weights.safetensors";
    public static final String PREPROCESSING = "preprocessing.json";
    public static final String LABELS = "labels.json";
    /** Metadata key marking an adapter-only save ({@link #saveAdapters}), with its format version. */
    public static final String ADAPTERS_FORMAT = "graft.adapters.format";
    private static final String BACKBONE_PREFIX = "backbone.";
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();

    /** The labels file: the task and the output labels in order. */
    public record Labels(Task task, List<String> labels) {
        public Labels {
            labels = List.copyOf(labels);
        }
    }

    private final ModelManifest manifest;
    private final Network network;
    private final Map<String, HostTensor> weights;
    private final Preprocessing preprocessing;
    private final Labels labels;
    private Map<String, HostTensor> adapters = Map.of();
    private List<FileTensors> weightFiles = List.of();
    private List<Member> members = List.of();

    /**
     * A member of an ensemble: its name (the folder it is saved in, {@code members/<name>}), the model and its weight.
     */
    public record Member(String name, TrainedModel model, double weight) {
    }

    public TrainedModel(ModelManifest manifest, Network network, Map<String, HostTensor> weights,
            Preprocessing preprocessing, Labels labels) {
        this.manifest = manifest;
        this.network = network;
        this.weights = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(weights));
        this.preprocessing = preprocessing;
        this.labels = labels;
        check(network, this.weights, "model");
        if (labels.labels().size() != manifest.outputs()) {
            throw new IllegalArgumentException("model has " + manifest.outputs() + " outputs but " + labels.labels().size()
                    + " labels");
        }
    }

    private TrainedModel(ModelManifest manifest, Preprocessing preprocessing, Labels labels, List<Member> members) {
        this.manifest = manifest;
        this.network = null;
        this.weights = Map.of();
        this.preprocessing = preprocessing;
        this.labels = labels;
        this.members = List.copyOf(members);
    }

    /**
     * A soft-voting ensemble (scikit-learn's {@code VotingClassifier(voting="soft")}): its probabilities are the
     * members' own, aligned by label name and averaged with the weights normalised to sum 1. Its labels are the
     * first member's, in its order.
     *
     * @throws IllegalArgumentException naming the member at fault: fewer than two members; a weight negative, not
     *         finite, or all 0; a member that is not a single-label classifier, is itself an ensemble, reads another
     *         kind of input, or predicts another label set (the labels it lacks or adds named)
     */
    public static TrainedModel ensemble(List<Member> members) {
        return ensemble(members, "ensemble weights");
    }

    /**
     * Checks ensemble weights as {@link #ensemble} does (at least two; each finite and at least 0; not all 0), before any
     * member is loaded, naming them as {@code what} (e.g. a command-line option) in the message.
     *
     * @throws IllegalArgumentException naming {@code what} and the weight at fault
     */
    public static void checkEnsembleWeights(List<Double> weights, String what) {
        EnsembleFile.checkWeights(weights, what);
    }

    private static TrainedModel ensemble(List<Member> members, String what) {
        EnsembleFile.checkWeights(members.stream().map(Member::weight).toList(), what);
        List<String> names = members.stream().map(m -> "'" + m.name() + "'").toList();
        TrainedModel first = members.get(0).model();
        for (int i = 0; i < members.size(); i++) {
            Member m = members.get(i);
            if (!m.name().matches("[A-Za-z0-9._-]+") || m.name().startsWith(".")) {
                throw new IllegalArgumentException("member name '" + m.name() + "' must be a plain folder name (letters, digits, . _ -)");
            }
            if (members.stream().filter(o -> o.name().equals(m.name())).count() > 1) {
                throw new IllegalArgumentException("two members are named '" + m.name() + "'");
            }
            if (!m.model().members().isEmpty()) {
                throw new IllegalArgumentException("member " + names.get(i) + " is itself an ensemble (of " + m.model().members().size()
                        + " models): ensembles do not nest; give its members instead");
            }
            if (m.model().labels().task() != Task.CLASSIFICATION) {
                throw new IllegalArgumentException("member " + names.get(i) + " is a " + m.model().labels().task() + " model; soft "
                        + "voting averages the class probabilities of single-label classifiers");
            }
            if (m.model().preprocessing().kind().equals("text") != first.preprocessing().kind().equals("text")) {
                throw new IllegalArgumentException("member " + names.get(i) + " reads " + m.model().preprocessing().kind()
                        + " input, member " + names.get(0) + " " + first.preprocessing().kind() + ": members must read the same input");
            }
        }
        SoftVote.requireSameLabels(first.labels().labels(),
                members.stream().map(m -> m.model().labels().labels()).toList(), names);
        Map<String, String> weights = new LinkedHashMap<>();
        members.forEach(m -> weights.put(m.name(), Double.toString(m.weight())));
        ModelManifest manifest = new ModelManifest(ModelManifest.FORMAT_VERSION, new ComponentRef("ensemble",
                Map.of("members", String.join(",", members.stream().map(m -> m.model().manifest().backbone().name()).toList()))),
                null, null, first.labels().labels().size(), new ComponentRef("soft-voting", weights), null,
                first.manifest().predictionOutput());
        return new TrainedModel(manifest, new Preprocessing(first.preprocessing().kind(), Map.of()), first.labels(), members);
    }

    /** The members of an ensemble ({@link #ensemble}); empty for a single model. */
    public List<Member> members() {
        return members;
    }

    public ModelManifest manifest() {
        return manifest;
    }

    /**
     * The inference network (no label input, no loss).
     *
     * @throws IllegalStateException for an ensemble, which has none of its own (its {@link #members()} have)
     */
    public Network network() {
        if (network == null) {
            throw new IllegalStateException("this model is a soft-voting ensemble of " + members.size() + " models ("
                    + members.stream().map(Member::name).toList() + "): it has no single network; each member has its own");
        }
        return network;
    }

    public Map<String, HostTensor> weights() {
        return weights;
    }

    public Preprocessing preprocessing() {
        return preprocessing;
    }

    public Labels labels() {
        return labels;
    }

    /**
     * The parameters a network adapter (e.g. LoRA) trained, before they were merged into
     * {@link #weights()}; empty when the strategy adapted nothing or for a loaded model.
     */
    public Map<String, HostTensor> adapterWeights() {
        return adapters;
    }

    /** This model remembering the adapter parameters it was trained with (its weights already merge them). */
    public TrainedModel withAdapterWeights(Map<String, HostTensor> a) {
        TrainedModel m = new TrainedModel(manifest, network, weights, preprocessing, labels);
        m.adapters = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(a));
        m.weightFiles = weightFiles;
        return m;
    }

    /** The files some of {@link #weights()} are views of (see {@link #withWeightFiles}); empty for most models. */
    public List<FileTensors> weightFiles() {
        return weightFiles;
    }

    /**
     * This model knowing that some of its weights are views of these files ({@link FileTensors#tensors()}, the same
     * objects): {@link #save} copies those from their file into the saved weights file in the kernel instead of
     * writing them from memory, so weights that came from a file reach the saved model without being read into the
     * process (a fine-tuning run's final weights, a frozen backbone's). The saved file is the same, byte for byte.
     */
    public TrainedModel withWeightFiles(List<FileTensors> files) {
        TrainedModel m = new TrainedModel(manifest, network, weights, preprocessing, labels);
        m.adapters = adapters;
        m.weightFiles = List.copyOf(files);
        return m;
    }

    /**
     * Adapter-only save: one safetensors file with the adapter parameters (LoRA's {@code A},
     * {@code B} and scale per kernel) and the head, plus a reference to the base backbone (the
     * manifest names it and its options; a digest of the backbone weights the adapters leave
     * untouched identifies its weights). Megabytes instead of the whole network's weights;
     * {@link #loadAdapters} rebuilds the merged model from it and the base.
     *
     * @throws IllegalStateException if the model has no adapter parameters
     */
    public void saveAdapters(Path file) throws IOException {
        if (adapters.isEmpty()) {
            throw new IllegalStateException("model trained with strategy '" + manifest.strategy().name()
                    + "' has no adapter parameters to save");
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(ADAPTERS_FORMAT, "1");
        meta.put("graft.manifest", GSON.toJson(manifest));
        meta.put("graft.network", network.toJson());
        meta.put("graft.preprocessing", GSON.toJson(preprocessing));
        meta.put("graft.labels", GSON.toJson(labels));
        meta.put("graft.base.digest", LoraAdapterFile.baseDigest(network, weights,
                LoraAdapterFile.adaptedKernels(network, adapters).keySet(), BACKBONE_PREFIX));
        SafeTensors.write(file, LoraAdapterFile.tensors(weights, adapters, BACKBONE_PREFIX), meta);
    }

    /**
     * Reads an adapter-only save ({@link #saveAdapters}) and reapplies it to its base backbone,
     * created through {@code backbones} over {@code engine}: the returned model has the merged
     * weights and predicts like the merged save did.
     *
     * @throws IOException naming the file when it is not an adapter file, or when the base
     *         backbone's weights or preprocessing are not the ones the adapters were trained on
     */
    public static TrainedModel loadAdapters(Path file, dev.graft.engine.spi.Engine engine,
            dev.graft.core.spi.RunContext.Backbones backbones) throws IOException {
        SafeTensors.Contents c = SafeTensors.read(file);
        Map<String, String> meta = c.metadata();
        if (!"1".equals(meta.get(ADAPTERS_FORMAT))) {
            throw new IOException(file + ": not a Graft adapter file (metadata '" + ADAPTERS_FORMAT + "' is "
                    + meta.get(ADAPTERS_FORMAT) + ", expected 1)");
        }
        try {
            ModelManifest m = GSON.fromJson(meta.get("graft.manifest"), ModelManifest.class);
            Network net = Network.fromJson(meta.get("graft.network"));
            Preprocessing p = GSON.fromJson(meta.get("graft.preprocessing"), Preprocessing.class);
            Labels l = GSON.fromJson(meta.get("graft.labels"), Labels.class);
            dev.graft.core.spi.RunContext context = dev.graft.core.spi.RunContext.of(engine,
                    dev.graft.engine.spi.io.CacheFolder.root(), 0, backbones);
            Map<String, HostTensor> merged;
            try (dev.graft.core.spi.Backbone b = backbones.create(m.backbone().name(), m.backbone().options(), context)) {
                if (!b.preprocessing().canonical().equals(p.canonical())) {
                    throw new IOException(file + ": backbone '" + m.backbone().name() + "' now preprocesses as "
                            + b.preprocessing().canonical() + " but the adapters were trained with " + p.canonical());
                }
                merged = LoraAdapterFile.reapply(net, c.tensors(), b.weights(), BACKBONE_PREFIX, meta.get("graft.base.digest"),
                        m.backbone().name(), file.toString());
            }
            Map<String, HostTensor> adapters = new LinkedHashMap<>(c.tensors());
            adapters.keySet().removeIf(net.params()::containsKey);
            return new TrainedModel(m, net, merged, p, l).withAdapterWeights(adapters);
        } catch (JsonParseException | IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes the model directory (created if needed); the weights file is written atomically. An ensemble writes
     * a copy of each member into {@code members/<name>} and {@code ensemble.json} naming them and their weights.
     */
    public void save(Path dir) throws IOException {
        Files.createDirectories(dir);
        if (!members.isEmpty()) {
            List<EnsembleFile.Entry> entries = new ArrayList<>();
            for (Member m : members) {
                String folder = EnsembleFile.MEMBERS + "/" + m.name();
                m.model().save(dir.resolve(folder));
                entries.add(new EnsembleFile.Entry(folder, m.weight()));
            }
            write(dir.resolve(PREPROCESSING), GSON.toJson(preprocessing));
            write(dir.resolve(LABELS), GSON.toJson(labels));
            write(dir.resolve(MANIFEST), GSON.toJson(manifest));
            EnsembleFile.write(dir, entries);
            return;
        }
        SafeTensors.write(dir.resolve(WEIGHTS), weights, weightFiles,
                Map.of("graft.format", Integer.toString(manifest.formatVersion())));
        write(dir.resolve(NETWORK), network.toJson());
        write(dir.resolve(PREPROCESSING), GSON.toJson(preprocessing));
        write(dir.resolve(LABELS), GSON.toJson(labels));
        write(dir.resolve(MANIFEST), GSON.toJson(manifest));
    }

    /**
     * Reads a model directory, checking every file and that the weights match the definition; an ensemble's
     * directory ({@code ensemble.json}) with every member, each checked the same way.
     */
    public static TrainedModel load(Path dir) throws IOException {
        if (EnsembleFile.is(dir)) {
            return loadEnsemble(dir);
        }
        ModelManifest m = read(dir, MANIFEST, ModelManifest.class);
        if (m.formatVersion() != ModelManifest.FORMAT_VERSION) {
            throw new IOException(dir.resolve(MANIFEST) + ": format version " + m.formatVersion()
                    + " is not supported (this Graft reads version " + ModelManifest.FORMAT_VERSION + ")");
        }
        Network net;
        try {
            net = Network.fromJson(Files.readString(file(dir, NETWORK)));
        } catch (RuntimeException e) {
            throw new IOException(dir.resolve(NETWORK) + ": invalid network definition: " + e.getMessage(), e);
        }
        // mapped, not read into the heap: a predictor copies them into the engine once and keeps no other copy
        Map<String, HostTensor> w = SafeTensors.map(file(dir, WEIGHTS)).tensors();
        Preprocessing p = read(dir, PREPROCESSING, Preprocessing.class);
        Labels l = read(dir, LABELS, Labels.class);
        try {
            return new TrainedModel(m, net, w, p, l);
        } catch (IllegalArgumentException e) {
            throw new IOException(dir + ": " + e.getMessage(), e);
        }
    }

    private static TrainedModel loadEnsemble(Path dir) throws IOException {
        Path file = dir.resolve(EnsembleFile.NAME);
        List<Member> members = new ArrayList<>();
        for (var e : EnsembleFile.read(dir)) {
            Path md = dir.resolve(e.folder());
            if (EnsembleFile.is(md)) {
                throw new IOException(file + ": member '" + e.folder() + "' is itself an ensemble: ensembles do not nest");
            }
            TrainedModel mm;
            try {
                mm = load(md);
            } catch (IOException ex) {
                throw new IOException(file + ": member '" + e.folder() + "' cannot be loaded: " + ex.getMessage(), ex);
            }
            members.add(new Member(Path.of(e.folder()).getFileName().toString(), mm, e.weight()));
        }
        TrainedModel t;
        try {
            t = ensemble(members);
        } catch (IllegalArgumentException ex) {
            throw new IOException(file + ": " + ex.getMessage(), ex);
        }
        Labels saved = read(dir, LABELS, Labels.class);
        if (!saved.equals(t.labels())) {
            throw new IOException(dir.resolve(LABELS) + ": labels " + saved.labels() + " differ from the first member's "
                    + t.labels().labels());
        }
        return t;
    }

    /** The manifest of a model directory alone (no weights read). */
    public static ModelManifest readManifest(Path dir) throws IOException {
        return read(dir, MANIFEST, ModelManifest.class);
    }

    /** The preprocessing a model directory was trained with (no weights read). */
    public static Preprocessing readPreprocessing(Path dir) throws IOException {
        return read(dir, PREPROCESSING, Preprocessing.class);
    }

    private static void check(Network net, Map<String, HostTensor> w, String where) {
        for (ParamSpec p : net.params().values()) {
            HostTensor t = w.get(p.name());
            if (t == null) {
                throw new IllegalArgumentException(where + " weights lack tensor '" + p.name() + "'");
            }
            if (!t.shape().equals(p.shape()) || t.dtype() != p.dtype()) {
                throw new IllegalArgumentException(where + " tensor '" + p.name() + "' is " + t.dtype() + t.shape()
                        + ", the definition wants " + p.dtype() + p.shape());
            }
        }
        for (String k : w.keySet()) {
            if (!net.params().containsKey(k)) {
                throw new IllegalArgumentException(where + " weights hold tensor '" + k + "' that the network does not define");
            }
        }
    }

    private static Path file(Path dir, String name) throws IOException {
        Path f = dir.resolve(name);
        if (!Files.isRegularFile(f)) {
            throw new NoSuchFileException(f.toString(), null, "not a Graft model directory: " + name + " is missing");
        }
        return f;
    }

    private static <T> T read(Path dir, String name, Class<T> type) throws IOException {
        Path f = file(dir, name);
        try {
            T v = GSON.fromJson(Files.readString(f, StandardCharsets.UTF_8), type);
            if (v == null) {
                throw new IOException(f + ": empty");
            }
            return v;
        } catch (JsonParseException e) {
            throw new IOException(f + ": invalid JSON: " + e.getMessage(), e);
        }
    }

    private static void write(Path f, String text) throws IOException {
        Path tmp = f.resolveSibling("." + f.getFileName() + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, f, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}

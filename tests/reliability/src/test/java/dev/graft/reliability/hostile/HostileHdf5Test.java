package dev.graft.reliability.hostile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.reliability.support.Fuzz;
import dev.graft.vision.VggConfig;
import dev.graft.vision.internal.weights.KerasH5Source;
import dev.graft.vision.weights.WeightImportException;
import dev.graft.vision.weights.WeightImporter;
import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.WritableGroup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keras HDF5 weight files with the wrong layout are refused with {@link WeightImportException}
 * naming the file; mutated files load or fail the same way, each well within its deadline.
 */
class HostileHdf5Test {
    @TempDir
    Path dir;

    /** A small file in keras.applications' layout: layer_names, weight_names, datasets. */
    static Path kerasLike(Path file, boolean withLayerNames, boolean listMissingWeight, boolean stringsAsInts) {
        try (WritableHdfFile f = HdfFile.write(file)) {
            if (withLayerNames) {
                if (stringsAsInts) {
                    f.putAttribute("layer_names", new int[] {1, 2});
                } else {
                    f.putAttribute("layer_names", new String[] {"block1_conv1", "fc1"});
                }
            }
            f.putAttribute("backend", "tensorflow");
            WritableGroup g = f.putGroup("block1_conv1");
            g.putAttribute("weight_names", listMissingWeight ? new String[] {"block1_conv1/kernel:0", "block1_conv1/gamma:0"}
                    : new String[] {"block1_conv1/kernel:0", "block1_conv1/bias:0"});
            WritableGroup inner = g.putGroup("block1_conv1");
            inner.putDataset("kernel:0", new float[3][3][3][2]);
            inner.putDataset("bias:0", new float[] {0.5f, -0.5f});
            WritableGroup fc = f.putGroup("fc1");
            fc.putAttribute("weight_names", new String[] {"fc1/kernel:0"});
            fc.putGroup("fc1").putDataset("kernel:0", new float[][] {{1, 2}, {3, 4}});
        }
        return file;
    }

    static void loadAll(Path file) {
        try (KerasH5Source s = new KerasH5Source(file)) {
            for (String name : s.shapes().keySet()) {
                s.read(name);
            }
        }
        WeightImporter.kerasH5(file, WeightImporter.Target.backbone(VggConfig.of(11, false), 32, false));
    }

    @Test
    void wrongLayoutsAreRefusedNamingTheFile() throws Exception {
        Path ok = kerasLike(dir.resolve("ok.h5"), true, false, false);
        try (KerasH5Source s = new KerasH5Source(ok)) {
            assertThat(s.shapes()).containsKeys("block1_conv1/kernel", "block1_conv1/bias", "fc1/kernel");
            assertThat(s.read("fc1/kernel")).containsExactly(1, 2, 3, 4);
        }
        // lenient import: still refused when no tensor fits, with the full mapping report
        assertThatThrownBy(() -> WeightImporter.kerasH5(ok, WeightImporter.Target.backbone(VggConfig.of(11, false), 32, false)))
                .isInstanceOf(WeightImportException.class).hasMessageContaining("no tensor in " + ok + " fits vgg11")
                .hasMessageContaining("expected [3, 3, 3, 64], file gives [3, 3, 3, 2]");
        assertThatThrownBy(() -> WeightImporter.kerasH5(ok, WeightImporter.Target.backbone(VggConfig.of(11, false), 32, true)))
                .isInstanceOf(WeightImportException.class).hasMessageContaining(ok.toString());

        Path noNames = kerasLike(dir.resolve("no-layer-names.h5"), false, false, false);
        assertThatThrownBy(() -> loadAll(noNames)).isInstanceOf(WeightImportException.class)
                .hasMessageContaining(noNames.toString()).hasMessageContaining("no 'layer_names' attribute");
        Path ints = kerasLike(dir.resolve("int-names.h5"), true, false, true);
        assertThatThrownBy(() -> loadAll(ints)).isInstanceOf(WeightImportException.class)
                .hasMessageContaining(ints.toString()).hasMessageContaining("not strings");
        Path notHdf = Files.writeString(dir.resolve("text.h5"), "this is not HDF5");
        assertThatThrownBy(() -> loadAll(notHdf)).isInstanceOf(WeightImportException.class).hasMessageContaining(notHdf.toString());
        Path empty = Files.write(dir.resolve("empty.h5"), new byte[0]);
        assertThatThrownBy(() -> loadAll(empty)).isInstanceOf(WeightImportException.class).hasMessageContaining(empty.toString());
    }

    /** A weight that layer attributes list but the file lacks is reported by name. */
    @Test
    void weightListedButMissingIsAWeightImportException() {
        Path missing = kerasLike(dir.resolve("missing-weight.h5"), true, true, false);
        assertThatThrownBy(() -> loadAll(missing)).isInstanceOf(WeightImportException.class)
                .hasMessageContaining(missing.toString()).hasMessageContaining("lists weight 'block1_conv1/gamma:0'");
    }

    /**
     * Fuzz case 367 of seed 7: the file cut to 1274 bytes. A header then points a 1.9 GB read past the
     * end, which jhdf's file-channel reader served by re-reading the same bytes for minutes (or ran out
     * of heap); read through a memory map it fails at once.
     */
    @Test
    void aTruncatedFileWhoseHeaderPointsPastTheEndIsRefusedAtOnce() throws Exception {
        byte[] seed = Files.readAllBytes(kerasLike(dir.resolve("seed.h5"), true, false, false));
        Path cut = Files.write(dir.resolve("cut.h5"), java.util.Arrays.copyOf(seed, 1274));
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> loadAll(cut)).isInstanceOf(WeightImportException.class).hasMessageContaining(cut.toString());
        assertThat((System.nanoTime() - t0) / 1e9).isLessThan(5.0);
    }

    @Test
    void aFileNotParsedWithinTheDeadlineIsRefusedNamingIt() {
        Path ok = kerasLike(dir.resolve("slow.h5"), true, false, false);
        assertThatThrownBy(() -> new KerasH5Source(ok, java.time.Duration.ZERO).close())
                .isInstanceOf(WeightImportException.class).hasMessageContaining(ok.toString())
                .hasMessageContaining("not parsed within 0 s").hasMessageContaining("-D" + KerasH5Source.DEADLINE_PROPERTY);
    }

    /** Every mutated file loads or is refused with a WeightImportException naming it, each within 10 s. */
    @Test
    void mutatedHdf5FilesLoadOrFailWithTheDocumentedError() throws Exception {
        byte[] seed = Files.readAllBytes(kerasLike(dir.resolve("seed.h5"), true, false, false));
        Fuzz.Report rep = Fuzz.run("hdf5", List.of(seed), Integer.getInteger("graft.fuzz.cases", 600), 7, dir, ".h5",
                WeightImportException.class, HostileHdf5Test::loadAll, null, 10_000);
        System.out.println(rep.summary());
        rep.kinds().forEach((k, n) -> System.out.println(n + " x " + k));
        assertThat(rep.kinds()).as(rep.summary()).isEmpty();
    }
}

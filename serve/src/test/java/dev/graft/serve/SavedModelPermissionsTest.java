package dev.graft.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** A saved model folder handed to a serving account is readable like any other file its owner writes (the umask). */
class SavedModelPermissionsTest {
    @Test
    void everyFileInASavedModelFollowsTheUmask() throws Exception {
        Path model = TestModels.text();
        Path plain = Files.createFile(model.resolveSibling("plain-" + System.nanoTime() + ".txt"));
        Set<PosixFilePermission> expected = Files.getPosixFilePermissions(plain);
        Files.delete(plain);
        // with an owner-only umask (077) a 0600 weights file would pass unnoticed
        assumeTrue(expected.contains(PosixFilePermission.GROUP_READ), "umask hides group read: " + expected);
        List<Path> files;
        try (Stream<Path> s = Files.list(model)) {
            files = s.filter(Files::isRegularFile).toList();
        }
        assertThat(files).extracting(p -> p.getFileName().toString())
                .contains("weights.safetensors", "manifest.json", "network.json", "labels.json", "preprocessing.json");
        for (Path f : files) {
            assertThat(Files.getPosixFilePermissions(f)).as(f.getFileName().toString()).isEqualTo(expected);
        }
    }
}

package dev.graft.engine.spi.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files and folders Graft writes through a renamed temporary get the umask's permissions, like any other. */
class TempSiblingsTest {
    @TempDir
    Path dir;

    private Set<PosixFilePermission> normalFile() throws Exception {
        Set<PosixFilePermission> p = Files.getPosixFilePermissions(Files.createFile(dir.resolve("plain.txt")));
        // with a umask of 077 an owner-only file would pass unnoticed: the comparison needs a looser umask
        assumeTrue(p.contains(PosixFilePermission.GROUP_READ), "umask hides group read: " + p);
        return p;
    }

    @Test
    void safeTensorsFileGetsTheModeOfAFileCreatedNormally() throws Exception {
        Set<PosixFilePermission> expected = normalFile();
        Path w = dir.resolve("weights.safetensors");
        SafeTensors.write(w, SafeTensorsTest.tensors(), Map.of());
        assertThat(Files.getPosixFilePermissions(w)).isEqualTo(expected);
        SafeTensors.write(w, SafeTensorsTest.tensors(), Map.of("again", "1"));
        assertThat(Files.getPosixFilePermissions(w)).isEqualTo(expected);
        try (var s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("plain.txt", "weights.safetensors");
        }
    }

    @Test
    void filledCacheFolderGetsTheModeOfAFolderCreatedNormally() throws Exception {
        normalFile();
        Set<PosixFilePermission> expected = Files.getPosixFilePermissions(Files.createDirectory(dir.resolve("plain")));
        Path filled = CacheFolder.fillOnce(dir.resolve("cache").resolve("model"),
                f -> Files.writeString(f.resolve("vocab.txt"), "[PAD]\n"));
        assertThat(Files.getPosixFilePermissions(filled)).isEqualTo(expected);
        assertThat(Files.readString(filled.resolve("vocab.txt"))).isEqualTo("[PAD]\n");
    }

    @Test
    void siblingsAreHiddenUniqueAndBesideTheTarget() throws Exception {
        Path target = dir.resolve("sub").resolve("x.bin");
        Path a = TempSiblings.file(target);
        Path b = TempSiblings.file(target);
        assertThat(a).isNotEqualTo(b);
        assertThat(a.getParent()).isEqualTo(target.toAbsolutePath().getParent());
        assertThat(a.getFileName().toString()).startsWith(".x.bin.").endsWith(".tmp");
        assertThat(TempSiblings.directory(target)).isDirectory();
    }
}

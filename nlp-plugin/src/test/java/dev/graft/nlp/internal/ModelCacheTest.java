package dev.graft.nlp.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelCacheTest {
    static byte[] zip(String... namesAndContents) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(bytes)) {
            for (int i = 0; i < namesAndContents.length; i += 2) {
                z.putNextEntry(new ZipEntry(namesAndContents[i]));
                z.write(namesAndContents[i + 1].getBytes(StandardCharsets.UTF_8));
                z.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    @Test
    void extractsOnceAndReusesTheFolder(@TempDir Path root) throws Exception {
        byte[] z = zip("saved_model.pb", "graph", "assets/vocab.txt", "[PAD]\n");
        AtomicInteger opened = new AtomicInteger();
        Path target = root.resolve("models/m");
        Path dir = ModelCache.extractOnce(target, "test model", () -> {
            opened.incrementAndGet();
            return new ByteArrayInputStream(z);
        });
        assertThat(Files.readString(dir.resolve("assets/vocab.txt"))).isEqualTo("[PAD]\n");
        ModelCache.extractOnce(target, "test model", () -> {
            opened.incrementAndGet();
            return new ByteArrayInputStream(z);
        });
        assertThat(opened).hasValue(1);
        try (var s = Files.list(root.resolve("models"))) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("m");
        }
    }

    @Test
    void refusesEntriesThatEscapeTheTargetAndLeavesNothingBehind(@TempDir Path root) throws Exception {
        Path target = root.resolve("models/evil");
        for (String bad : new String[] {"../../outside.txt", "/etc/passwd-copy", "assets/../../x"}) {
            byte[] z = zip("ok.txt", "fine", bad, "payload");
            assertThatThrownBy(() -> ModelCache.extractOnce(target, "evil.zip", () -> new ByteArrayInputStream(z)))
                    .hasMessageContaining("evil.zip: refusing zip entry '" + bad + "'");
            assertThat(target).doesNotExist();
        }
        assertThat(root.resolve("outside.txt")).doesNotExist();
        try (var s = Files.list(root.resolve("models"))) {
            assertThat(s.toList()).isEmpty();
        }
    }

    @Test
    void notAZipIsAnError(@TempDir Path root) {
        assertThatThrownBy(() -> ModelCache.extractOnce(root.resolve("m"), "plain.bin",
                () -> new ByteArrayInputStream("not a zip".getBytes(StandardCharsets.UTF_8))))
                .hasMessageContaining("plain.bin is not a zip archive or is empty");
    }
}

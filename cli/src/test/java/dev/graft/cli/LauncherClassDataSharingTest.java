package dev.graft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code graft} launcher's class data sharing archive, run for real (bash and a JVM) on a
 * stand-in installation: a copy of the launcher beside a built layout whose {@code dev.graft.cli}
 * module is a three-line program, so no Maven build and no engine are involved.
 */
class LauncherClassDataSharingTest {
    private static final String MAIN = """
            package dev.graft.cli;
            public final class Main {
                public static void main(String[] args) {
                    if (args.length > 0 && args[0].equals("fail")) {
                        System.exit(3);
                    }
                    System.out.println("hello " + String.join(" ", args));
                }
            }
            """;

    @TempDir
    Path tmp;
    Path root;
    Path lib;

    private record Run(int exit, String out, String err) {
    }

    @BeforeEach
    void install() throws Exception {
        root = Files.createDirectories(tmp.resolve("install"));
        Files.copy(Path.of("..", "graft"), root.resolve("graft"), StandardCopyOption.COPY_ATTRIBUTES);
        Path target = Files.createDirectories(root.resolve("cli/target"));
        lib = Files.createDirectories(target.resolve("graft-lib"));
        Path src = Files.createDirectories(tmp.resolve("src/dev/graft/cli"));
        Files.writeString(src.resolve("Main.java"), MAIN);
        Files.writeString(tmp.resolve("src/module-info.java"), "module dev.graft.cli {}");
        Path classes = tmp.resolve("classes");
        Process javac = new ProcessBuilder("javac", "-d", classes.toString(), tmp.resolve("src/module-info.java").toString(),
                src.resolve("Main.java").toString()).inheritIO().start();
        assertThat(javac.waitFor()).isZero();
        jar(target.resolve("graft-cli-0.1.jar"), classes);
        jar(lib.resolve("extra-1.0.jar"), null);
        Files.createFile(lib.resolve(".graft-built"));
    }

    @Test
    void firstCommandWritesTheArchiveAndLaterCommandsMapIt() throws Exception {
        Run first = graft(Map.of(), "predict", "a", "b");
        assertThat(first.exit()).as(first.toString()).isZero();
        assertThat(first.out()).isEqualTo("hello predict a b\n");
        assertThat(archives()).hasSize(1);
        assertThat(leftovers()).isEmpty();

        Path log = root.resolve("classes.log");
        Run second = graft(Map.of("GRAFT_JAVA_OPTS", "-Xlog:class+load:file=" + log), "predict", "c");
        assertThat(second.exit()).as(second.toString()).isZero();
        assertThat(second.out()).isEqualTo("hello predict c\n");
        assertThat(Files.readAllLines(log)).anyMatch(l -> l.contains("dev.graft.cli.Main source: shared objects file (top)"));
    }

    @Test
    void commandStillRunsWithCleanOutputWhenTheArchiveIsGarbage() throws Exception {
        assertThat(graft(Map.of(), "predict").exit()).isZero();
        Path jsa = archives().get(0);
        byte[] junk = new byte[4096];
        java.util.Arrays.fill(junk, (byte) 0x5a);
        Files.write(jsa, junk);
        Run r = graft(Map.of(), "predict", "x");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).isEqualTo("hello predict x\n");
        assertThat(r.err()).doesNotContain("cds", "CDS", "shared archive");
    }

    @Test
    void commandStillRunsWithCleanOutputWhenAJarChangedAfterTheArchiveWasMade() throws Exception {
        assertThat(graft(Map.of(), "predict").exit()).isZero();
        Path extra = lib.resolve("extra-1.0.jar");
        Files.write(extra, Files.readAllBytes(extra), java.nio.file.StandardOpenOption.APPEND); // another size and time
        Files.setLastModifiedTime(extra, FileTime.fromMillis(System.currentTimeMillis() + 60_000));
        Run r = graft(Map.of(), "predict", "y");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).isEqualTo("hello predict y\n");
    }

    @Test
    void failedCommandKeepsItsExitCodeAndLeavesNoArchive() throws Exception {
        Run r = graft(Map.of(), "fail");
        assertThat(r.exit()).isEqualTo(3);
        assertThat(archives()).isEmpty();
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void noArchiveWhenTurnedOffOrWhenTheUserGivesCdsOptions() throws Exception {
        assertThat(graft(Map.of("GRAFT_CDS", "off"), "predict").out()).isEqualTo("hello predict\n");
        assertThat(graft(Map.of("GRAFT_JAVA_OPTS", "-Xshare:off"), "predict").out()).isEqualTo("hello predict\n");
        assertThat(graft(Map.of(), "--version").out()).isEqualTo("hello --version\n");
        assertThat(archives()).isEmpty();
    }

    private List<Path> archives() throws IOException {
        try (Stream<Path> s = Files.list(lib)) {
            return s.filter(p -> p.getFileName().toString().matches("graft-java-.*\\.jsa")).toList();
        }
    }

    private List<Path> leftovers() throws IOException {
        try (Stream<Path> s = Files.list(lib)) {
            return s.filter(p -> p.getFileName().toString().startsWith(".graft-java-")).toList();
        }
    }

    private Run graft(Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("bash", root.resolve("graft").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("GRAFT_JAVA_OPTS");
        pb.environment().remove("GRAFT_CDS");
        pb.environment().put("GRAFT_HEAP", "64m");
        pb.environment().putAll(env);
        Path out = root.resolve("out.txt");
        Path err = root.resolve("err.txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        int exit = p.waitFor();
        return new Run(exit, Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    private static void jar(Path file, Path classes) throws IOException {
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        try (OutputStream o = Files.newOutputStream(file); JarOutputStream j = new JarOutputStream(o, m)) {
            if (classes == null) {
                return;
            }
            try (Stream<Path> s = Files.walk(classes)) {
                for (Path c : s.filter(Files::isRegularFile).toList()) {
                    j.putNextEntry(new JarEntry(classes.relativize(c).toString().replace('\\', '/')));
                    j.write(Files.readAllBytes(c));
                    j.closeEntry();
                }
            }
        }
    }
}

package dev.graft.example;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/java-api.md cannot drift from the code the build runs: each code block marked
 * {@code <!-- verbatim: PATH -->} equals that file, and the dependency block lists the example's dependencies.
 */
class GuideTest {
    private static final Path ROOT = Path.of("").toAbsolutePath().getParent().getParent();
    private static final Path GUIDE = ROOT.resolve("docs/java-api.md");
    private static final Pattern VERBATIM = Pattern.compile("<!-- verbatim: (\\S+) -->\\n```[a-z]*\\n(.*?)```\\n", Pattern.DOTALL);
    private static final Pattern DEPENDENCIES = Pattern.compile("<!-- dependencies: (\\S+) -->\\n```xml\\n(.*?)```\\n",
            Pattern.DOTALL);
    private static final Pattern DEPENDENCY = Pattern.compile("<dependency>(.*?)</dependency>", Pattern.DOTALL);

    @Test
    void codeBlocksEqualTheFilesTheBuildCompiles() throws IOException {
        Matcher m = VERBATIM.matcher(read(GUIDE));
        List<String> files = new ArrayList<>();
        while (m.find()) {
            Path file = ROOT.resolve(m.group(1));
            assertThat(m.group(2)).as("the block for %s in %s", m.group(1), GUIDE).isEqualTo(read(file));
            files.add(m.group(1));
        }
        assertThat(files).contains("tests/java-api-example/src/main/java/dev/graft/example/TextClassifier.java",
                "tests/java-api-example/src/main/java/module-info.java");
    }

    @Test
    void dependencyBlockListsTheExamplesDependencies() throws IOException {
        Matcher m = DEPENDENCIES.matcher(read(GUIDE));
        assertThat(m.find()).as("a <!-- dependencies: ... --> block in %s", GUIDE).isTrue();
        String doc = m.group(2);
        String pom = read(ROOT.resolve(m.group(1)));
        // the guide imports the BOM in dependencyManagement; the example inherits the same versions from its parent
        assertThat(doc).contains("<artifactId>graft-bom</artifactId>").contains("<scope>import</scope>");
        assertThat(dependencies(doc.substring(doc.indexOf("</dependencyManagement>"))))
                .isEqualTo(dependencies(pom.substring(pom.indexOf("<dependencies>"))));
    }

    @Test
    void theBomManagesEveryDependencyTheGuideGivesWithoutAVersion() throws IOException {
        Matcher m = DEPENDENCIES.matcher(read(GUIDE));
        assertThat(m.find()).isTrue();
        String doc = m.group(2);
        Set<String> managed = new TreeSet<>();
        Matcher b = DEPENDENCY.matcher(read(ROOT.resolve("bom/pom.xml")));
        while (b.find()) {
            managed.add(tag(b.group(1), "groupId") + ":" + tag(b.group(1), "artifactId"));
        }
        Matcher d = DEPENDENCY.matcher(doc.substring(doc.indexOf("</dependencyManagement>")));
        int unversioned = 0;
        while (d.find()) {
            String body = d.group(1).replaceAll("(?s)<exclusions>.*</exclusions>", "");
            if (tag(body, "version") == null) {
                assertThat(managed).as("bom/pom.xml").contains(tag(body, "groupId") + ":" + tag(body, "artifactId"));
                unversioned++;
            }
        }
        assertThat(unversioned).isGreaterThanOrEqualTo(4);
    }

    /** {@code group:artifact:scope} of each dependency, with its exclusions. */
    private static Set<String> dependencies(String xml) {
        Set<String> out = new TreeSet<>();
        Matcher d = DEPENDENCY.matcher(xml);
        while (d.find()) {
            String body = d.group(1);
            String scope = tag(body, "scope");
            out.add(tag(body, "groupId") + ":" + tag(body, "artifactId") + ":" + (scope == null ? "compile" : scope)
                    + (body.contains("<exclusion>") ? ":exclusions=" + tag(body.substring(body.indexOf("<exclusion>")), "groupId")
                            + ":" + tag(body.substring(body.indexOf("<exclusion>")), "artifactId") : ""));
        }
        return out;
    }

    private static String tag(String xml, String name) {
        Matcher m = Pattern.compile("<" + name + ">([^<]*)</" + name + ">").matcher(xml);
        return m.find() ? m.group(1) : null;
    }

    private static String read(Path p) throws IOException {
        return Files.readString(p, StandardCharsets.UTF_8);
    }
}

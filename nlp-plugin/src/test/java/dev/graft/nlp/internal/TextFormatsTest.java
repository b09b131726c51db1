package dev.graft.nlp.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.core.spi.DatasetFormat;
import dev.graft.core.spi.Example;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextFormatsTest {
    @TempDir
    Path dir;

    private Path write(String name, String content) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, content, StandardCharsets.UTF_8);
        return p;
    }

    @Test
    void csvReadsQuotedFieldsWithCommasQuotesAndLineBreaks() throws Exception {
        Path p = write("data.csv", "id,text,label\n1,plain text,pos\n2,\"with, comma and \"\"quotes\"\"\",neg\n"
                + "3,\"two\nlines\",pos\r\n\n4,last,neg");
        DatasetFormat.Result r = new CsvTextFormat().read(p, Map.of());
        assertThat(r.problems()).isEmpty();
        assertThat(r.examples()).extracting(Example::input)
                .containsExactly("plain text", "with, comma and \"quotes\"", "two\nlines", "last");
        assertThat(r.examples()).extracting(Example::label).containsExactly("pos", "neg", "pos", "neg");
        assertThat(r.examples().get(2).source()).isEqualTo(p + ":4");
        assertThat(r.examples().get(3).source()).isEqualTo(p + ":7");
    }

    @Test
    void badRowsAreReportedWithFileAndLineNotDropped() throws Exception {
        Path p = write("bad.csv", "text,label\ngood,a\ntoo,many,fields\n,b\nno label,\n\"unterminated,c\n");
        DatasetFormat.Result r = new CsvTextFormat().read(p, Map.of());
        assertThat(r.examples()).extracting(Example::input).containsExactly("good");
        assertThat(r.problems()).extracting(DatasetFormat.Problem::toString).containsExactly(
                p + ":3: expected 2 fields, found 3",
                p + ":4: empty text",
                p + ":5: empty label",
                p + ":6: unterminated quoted field");
    }

    @Test
    void invalidUtf8IsReportedWithItsLine() throws Exception {
        Path p = dir.resolve("latin1.tsv");
        byte[] head = "text\tlabel\nok\tx\n".getBytes(StandardCharsets.UTF_8);
        byte[] bad = {'c', 'a', 'f', (byte) 0xE9, '\t', 'y', '\n'};
        byte[] tail = "fine\tz\n".getBytes(StandardCharsets.UTF_8);
        Files.write(p, concat(head, bad, tail));
        DatasetFormat.Result r = new TsvTextFormat().read(p, Map.of());
        assertThat(r.examples()).extracting(Example::input).containsExactly("ok", "fine");
        assertThat(r.problems()).extracting(DatasetFormat.Problem::toString)
                .containsExactly(p + ":3: invalid UTF-8 at byte 4 of the line");
    }

    @Test
    void tsvTakesQuotesLiterallyAndReadsPairsByColumnName() throws Exception {
        Path p = write("pairs.tsv", "label\tsentence1\tsentence2\nentailment\tA \"quoted\" man\tA man\n");
        DatasetFormat.Result r = new TsvTextFormat().read(p, Map.of("text", "sentence1", "text2", "sentence2"));
        assertThat(r.problems()).isEmpty();
        assertThat(r.examples().get(0).input()).isEqualTo(new Example.TextPair("A \"quoted\" man", "A man"));
        assertThat(r.examples().get(0).label()).isEqualTo("entailment");
    }

    @Test
    void headerlessFilesUseColumnIndexes() throws Exception {
        Path p = write("nohead.csv", "hello there,1\nbye now,0\n");
        DatasetFormat.Result r = new CsvTextFormat().read(p, Map.of("header", "false", "text", "0", "label", "1"));
        assertThat(r.examples()).extracting(Example::label).containsExactly("1", "0");
        assertThatThrownBy(() -> new CsvTextFormat().read(p, Map.of("header", "false")))
                .hasMessageContaining("option text must be a column index 0..1, got 'text'");
    }

    @Test
    void jsonlReadsTextsPairsAndNumericLabelsAndReportsBadLines() throws Exception {
        Path p = write("d.jsonl", "{\"text\": \"great film\", \"label\": 1}\n\n{\"text\": \"awful\", \"label\": \"neg\"}\n"
                + "{not json}\n[1,2]\n{\"text\": \"no label\"}\n{\"label\": \"x\"}\n");
        DatasetFormat.Result r = new JsonlTextFormat().read(p, Map.of());
        assertThat(r.examples()).extracting(Example::label).containsExactly("1", "neg");
        assertThat(r.problems()).extracting(DatasetFormat.Problem::source)
                .containsExactly(p + ":4", p + ":5", p + ":6", p + ":7");
        assertThat(r.problems().get(0).message()).startsWith("invalid JSON");
        assertThat(r.problems().get(2).message()).isEqualTo("no label in field 'label'");
        Path pairs = write("p.jsonl", "{\"q\": \"a?\", \"a\": \"b.\", \"y\": \"yes\"}\n");
        DatasetFormat.Result pr = new JsonlTextFormat().read(pairs, Map.of("text", "q", "text2", "a", "label", "y"));
        assertThat(pr.examples().get(0).input()).isEqualTo(new Example.TextPair("a?", "b."));
    }

    @Test
    void unlabelledDataAndUnknownOptions() throws Exception {
        Path p = write("u.csv", "text\nsomething\n");
        assertThat(new CsvTextFormat().read(p, Map.of("label", "none")).examples().get(0).label()).isNull();
        assertThatThrownBy(() -> new CsvTextFormat().read(p, Map.of("txt", "a")))
                .hasMessageContaining("unknown csv option 'txt'");
        assertThatThrownBy(() -> new CsvTextFormat().read(p, Map.of()))
                .isInstanceOf(java.io.IOException.class)
                .hasMessageContaining(p + ":1: no label column 'label' in the header; columns present: [text]")
                .hasMessageContaining("-D text=COLUMN -D label=COLUMN");
    }

    @Test
    void aJsonlFieldThatNoObjectHasFailsTheReadListingTheFields() throws Exception {
        Path p = write("w.jsonl", "{\"description\": \"an editor\", \"section\": \"editors\"}\n"
                + "{\"description\": \"a mailer\", \"section\": \"mail\"}\n");
        assertThatThrownBy(() -> new JsonlTextFormat().read(p, Map.of()))
                .isInstanceOf(java.io.IOException.class)
                .hasMessageContaining(p + ": no text field 'text' in any object; fields present: [description, section]")
                .hasMessageContaining("-D text=COLUMN -D label=COLUMN");
        assertThatThrownBy(() -> new JsonlTextFormat().read(p, Map.of("text", "description")))
                .hasMessageContaining("no label field 'label'");
        assertThat(new JsonlTextFormat().read(p, Map.of("text", "description", "label", "section")).examples()).hasSize(2);
    }

    @Test
    void acceptsByExtension() {
        assertThat(new CsvTextFormat().accepts(Path.of("a/b.CSV"))).isTrue();
        assertThat(new TsvTextFormat().accepts(Path.of("b.tsv"))).isTrue();
        assertThat(new JsonlTextFormat().accepts(Path.of("b.ndjson"))).isTrue();
        assertThat(new JsonlTextFormat().accepts(Path.of("b.csv"))).isFalse();
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}

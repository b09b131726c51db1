package dev.graft.cli.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ControlStanzasTest {
    private static final String TEXT = """
             stray continuation before any field
            Package: alpha
            Description: synopsis
             Long line.
             .
             More.

            Package: beta
            no colon here
            Section: net


            Package: gamma
            """;

    @Test
    void readsStanzasWithContinuationsAndReportsEachBadLineWithItsNumber() throws IOException {
        List<ControlStanzas.Stanza> stanzas = new ArrayList<>();
        List<String> bad = new ArrayList<>();
        ControlStanzas.read(new BufferedReader(new StringReader(TEXT)), stanzas::add, (line, m) -> bad.add(line + ": " + m));
        assertThat(stanzas).extracting(ControlStanzas.Stanza::line).containsExactly(2, 8, 13);
        assertThat(stanzas.get(0).get("Description")).isEqualTo("synopsis\nLong line.\n\nMore.");
        assertThat(stanzas.get(1).fields()).containsOnlyKeys("Package", "Section");
        assertThat(stanzas.get(2).get("Package")).isEqualTo("gamma");
        assertThat(bad).containsExactly("1: a continuation line outside any field", "9: not a 'Field: value' line: 'no colon here'");
    }

    @Test
    void aPolicyThatThrowsStopsAtTheFirstBadLine() {
        List<ControlStanzas.Stanza> stanzas = new ArrayList<>();
        assertThatThrownBy(() -> ControlStanzas.read(new BufferedReader(new StringReader(TEXT.substring(TEXT.indexOf("Package")))),
                stanzas::add, (line, m) -> {
                    throw new IOException("f:" + line + ": " + m);
                })).hasMessage("f:8: not a 'Field: value' line: 'no colon here'");
        assertThat(stanzas).hasSize(1);
    }
}

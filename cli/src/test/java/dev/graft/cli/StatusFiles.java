package dev.graft.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Writes small dpkg status files whose descriptions carry their section's vocabulary. */
final class StatusFiles {
    static final Map<String, List<String>> WORDS = Map.of(
            "editors", List.of("text", "editor", "syntax", "highlighting", "vim", "emacs", "buffers", "keybindings"),
            "mail", List.of("mail", "smtp", "imap", "mailbox", "delivery", "spam", "messages", "inbox"),
            "games", List.of("game", "player", "levels", "puzzle", "arcade", "score", "multiplayer", "sprites"));
    static final List<String> COMMON = List.of("a", "the", "for", "with", "and", "simple", "fast", "package", "this", "tool");

    private StatusFiles() {
    }

    /** {@code perSection} packages in each of {@code sections}, plus {@code rare} packages in section "rare". */
    static Path write(Path file, List<String> sections, int perSection, int rare, long seed) throws IOException {
        Random r = new Random(seed);
        StringBuilder sb = new StringBuilder();
        int n = 0;
        for (int i = 0; i < perSection; i++) {
            for (String s : sections) {
                stanza(sb, "pkg-" + s + "-" + i, s, sentence(WORDS.get(s), r), sentence(WORDS.get(s), r));
                n++;
            }
        }
        for (int i = 0; i < rare; i++) {
            stanza(sb, "pkg-rare-" + i, "rare", sentence(COMMON, r), sentence(COMMON, r));
        }
        Files.writeString(file, sb.toString());
        return file;
    }

    private static void stanza(StringBuilder sb, String pkg, String section, String synopsis, String body) {
        sb.append("Package: ").append(pkg).append('\n').append("Status: install ok installed\n")
                .append("Section: ").append(section).append('\n').append("Description: ").append(synopsis).append('\n')
                .append(' ').append(body).append('\n').append(" .\n").append(" More text.\n\n");
    }

    private static String sentence(List<String> topical, Random r) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            List<String> from = r.nextInt(3) == 0 ? topical : COMMON;
            sb.append(i == 0 ? "" : " ").append(from.get(r.nextInt(from.size())));
        }
        return sb.toString();
    }
}

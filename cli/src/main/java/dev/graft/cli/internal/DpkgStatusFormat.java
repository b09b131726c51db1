package dev.graft.cli.internal;

import dev.graft.core.spi.DatasetFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Dataset format {@code dpkg-status}: a Debian package database ({@code /var/lib/dpkg/status}),
 * each package's description labelled by its section. Stanzas without a section or description
 * are reported as problems with their line, unless {@code skipIncomplete=true}.
 */
public final class DpkgStatusFormat implements DatasetFormat {
    @Override
    public String id() {
        return "dpkg-status";
    }

    @Override
    public boolean accepts(Path path) {
        if (!Files.isRegularFile(path)) {
            return false;
        }
        try (var r = Files.newBufferedReader(path, java.nio.charset.StandardCharsets.ISO_8859_1)) {
            String first = r.readLine();
            return first != null && first.startsWith("Package: ");
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public Result read(Path path, Map<String, String> options) throws IOException {
        for (String k : options.keySet()) {
            if (!k.equals("skipIncomplete")) {
                throw new IllegalArgumentException("format 'dpkg-status': unknown option '" + k + "'; valid options: [skipIncomplete]");
            }
        }
        DebianPackages.Parsed p = DebianPackages.read(path);
        boolean skip = Boolean.parseBoolean(options.getOrDefault("skipIncomplete", "false"));
        return new Result(p.examples(), skip ? p.problems().stream().filter(x -> !x.message().contains(" has no ")).toList() : p.problems());
    }
}

package dev.graft.cli.internal;

import dev.graft.core.Catalog;
import dev.graft.core.Graft;
import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.ProviderInfo;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine;

/** Facts about the running environment, for reports and {@code --version}. */
final class Env {
    private Env() {
    }

    /** The Graft version: the cli module's version, or the package's. */
    static String graftVersion() {
        return ProviderInfo.of("graft", Env.class).version();
    }

    /** Engine, runtime versions, threads, and every module that contributed a component. */
    static Map<String, String> describe(Graft graft, Engine engine) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("graft", graftVersion());
        m.put("engine", engine.id() + " (" + engine.version() + ")");
        engine.describe().forEach((k, v) -> m.put("engine." + k, v));
        m.put("java", System.getProperty("java.vm.name") + " " + Runtime.version());
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        m.put("cores", Integer.toString(Runtime.getRuntime().availableProcessors()));
        m.put("max heap", Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB");
        for (Catalog.Entry e : graft.catalog().entries()) {
            if (e.kind() == Catalog.Kind.ENGINE || e.kind() == Catalog.Kind.BACKBONE) {
                m.put("module " + e.info().module(), e.info().version());
            }
        }
        return m;
    }

    /** {@code graft --version}. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"graft " + graftVersion(), "Java " + Runtime.version()};
        }
    }
}

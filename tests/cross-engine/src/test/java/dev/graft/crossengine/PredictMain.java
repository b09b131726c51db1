package dev.graft.crossengine;

import com.google.inject.Guice;
import com.google.inject.util.Modules;
import dev.graft.core.Graft;
import dev.graft.core.GraftModule;
import java.nio.file.Path;

/**
 * Child JVM: loads a saved model and predicts the test set on the engine chosen at deploy time.
 * The same code serves both engines.
 *
 * <p>Arguments: {@code vision|text modelDir testData report.json [guice=<engine id>]}. Without the last
 * argument Graft comes from {@code Graft.create()} (ServiceLoader; engine from {@code -Dgraft.engine},
 * {@code GRAFT_ENGINE} or the default); with it, from a Guice injector whose {@link EngineBinding}
 * binds that engine.
 */
public final class PredictMain {
    private PredictMain() {
    }

    public static void main(String[] args) throws Exception {
        Models.Kind kind = Models.Kind.of(args[0]);
        Path modelDir = Path.of(args[1]);
        Path test = Path.of(args[2]);
        Path report = Path.of(args[3]);
        Graft graft;
        if (args.length > 4 && args[4].startsWith("guice=")) {
            graft = Guice.createInjector(Modules.override(new GraftModule()).with(new EngineBinding(args[4].substring(6))))
                    .getInstance(Graft.class);
        } else {
            graft = Graft.create();
        }
        Models.predict(graft, modelDir, kind.read(graft, test)).write(report);
    }
}

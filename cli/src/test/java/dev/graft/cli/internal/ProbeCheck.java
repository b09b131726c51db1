package dev.graft.cli.internal;

import dev.graft.core.Graft;
import dev.graft.core.config.ComponentRef;
import dev.graft.core.recommend.FineTuningProbe;
import dev.graft.core.recommend.Recommender;
import dev.graft.core.spi.Example;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs {@code graft recommend}'s fine-tuning probe on the training part of the project's text tasks (a
 * main program, not a test), to set its ranking beside the test accuracy of the same backbones fine-tuned
 * in full (DataEfficiencyBenchmark {@code --strategies fine-tuning}). The probe sees only the training
 * part, as recommend sees only the user's file.
 *
 * <pre>
 *   --tasks archive,debian,perl   --backbones all-minilm-l6-v2:maxLength=64,...   --seed 42
 *   --per-class 64   --epochs 4   --max-examples 1000
 * </pre>
 */
public final class ProbeCheck {
    private ProbeCheck() {
    }

    public static void main(String[] argv) throws Exception {
        Map<String, String> a = new java.util.LinkedHashMap<>(Map.of("--tasks", "archive,debian,perl", "--backbones",
                "all-minilm-l6-v2:maxLength=64,e5-small-v2:maxLength=64,bge-small-en-v1.5:maxLength=64", "--seed", "42", "--per-class",
                "" + FineTuningProbe.TRAIN_PER_CLASS, "--epochs", "" + FineTuningProbe.EPOCHS, "--max-examples", "1000"));
        for (int i = 0; i < argv.length; i += 2) {
            if (!a.containsKey(argv[i]) || i + 1 == argv.length) {
                throw new IllegalArgumentException("unknown option or missing value: '" + argv[i] + "'; options: " + a.keySet());
            }
            a.put(argv[i], argv[i + 1]);
        }
        List<ComponentRef> candidates = new ArrayList<>();
        for (String b : a.get("--backbones").split(",")) {
            String[] nameOpts = b.split(":", 2);
            Map<String, String> o = new java.util.LinkedHashMap<>();
            if (nameOpts.length == 2) {
                for (String kv : nameOpts[1].split(";")) {
                    o.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
                }
            }
            candidates.add(ComponentRef.of(nameOpts[0], o));
        }
        long seed = Long.parseLong(a.get("--seed"));
        Graft g = Graft.create();
        for (String t : a.get("--tasks").split(",")) {
            List<Example> train = switch (t) {
                case "debian" -> DebianPackages.task(DebianPackages.STATUS, 36, 8, 0.25, 42).train();
                case "perl" -> PerlModules.task(PerlModules.roots(), 40, 80, 0.25, 42).train();
                case "archive" -> DebianArchive.task(DebianArchive.read(DebianArchive.LISTS), 333, 6, 0.5, 42).train();
                default -> throw new IllegalArgumentException("unknown task '" + t + "'; tasks: debian, perl, archive");
            };
            System.out.println("== task " + t + ": " + train.size() + " training examples");
            double c0 = BaselineRun.processCpuSeconds();
            dev.graft.core.recommend.Recommendation logMe = new Recommender(g.engines(), g.backbones()).recommend(train, candidates,
                    new Recommender.Options(null, java.nio.file.Files.createTempDirectory("probe-check-cache"), seed, 16,
                            Integer.parseInt(a.get("--max-examples")), 10), System.err::println);
            System.out.println("LogME ranking on " + t + ": " + logMe.ranked().stream().map(c -> String.format(java.util.Locale.ROOT,
                    "%s %.4f (chance %.4f)", c.backbone().name(), c.logMe(), c.chanceMean())).toList() + ", suggestion "
                    + logMe.strategy() + ", " + Math.round(BaselineRun.processCpuSeconds() - c0) + " CPU s");
            ProbeRun.Result r = ProbeRun.run(g, candidates, Recommender.sample(train, Integer.parseInt(a.get("--max-examples")), seed),
                    null, null, seed, Integer.parseInt(a.get("--per-class")), Integer.parseInt(a.get("--epochs")), System.out, System.err);
            System.out.println("probe ranking on " + t + ": " + r.ranked().stream().map(s -> s.backbone().name() + " " + s.right() + "/"
                    + s.correct().length).toList() + ", " + Math.round(r.cpuSeconds()) + " CPU s");
        }
    }
}

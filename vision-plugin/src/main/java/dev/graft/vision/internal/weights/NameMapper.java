package dev.graft.vision.internal.weights;

import dev.graft.vision.ResNetConfig;
import dev.graft.vision.VggConfig;
import dev.graft.vision.VisionArchitecture;
import dev.graft.vision.weights.WeightLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Maps Graft parameter names of a ResNet or VGG onto a weight file's tensor names. */
public final class NameMapper {
    /** Where a parameter comes from. */
    public record SourceRef(String tensor, Transform transform) {
    }

    private static final Pattern RES_BLOCK = Pattern.compile("layer(\\d)\\.(\\d+)\\.(conv|bn)(\\d)\\.(\\w+)");
    private static final Pattern RES_DOWN = Pattern.compile("layer(\\d)\\.(\\d+)\\.downsample\\.(conv|bn)\\.(\\w+)");
    private static final Pattern VGG_LAYER = Pattern.compile("block(\\d)\\.(conv|bn)(\\d)\\.(\\w+)");
    private static final Map<String, String> TORCH_BN = Map.of("gamma", "weight", "beta", "bias",
            "moving_mean", "running_mean", "moving_variance", "running_var");

    private final VisionArchitecture arch;
    private final WeightLayout layout;
    private final Map<String, Integer> vggTorchIndex = new HashMap<>();

    public NameMapper(VisionArchitecture arch, WeightLayout layout) {
        this.arch = arch;
        this.layout = layout;
        if (arch instanceof VggConfig v) {
            int idx = 0;
            for (int blk = 0; blk < 5; blk++) {
                for (int j = 1; j <= v.convs().get(blk); j++) {
                    vggTorchIndex.put((blk + 1) + "." + j, idx);
                    idx += v.batchNorm() ? 3 : 2;
                }
                idx++;
            }
        }
    }

    /** The tensor that fills {@code param}, or null when the layout has no rule for it. */
    public SourceRef source(String param, Set<String> available) {
        return switch (layout) {
            case GRAFT -> graft(param, available);
            case TORCHVISION -> arch instanceof ResNetConfig ? torchResNet(param) : torchVgg(param);
            case KERAS -> arch instanceof ResNetConfig ? kerasResNet(param) : kerasVgg(param);
        };
    }

    /** Why a tensor no parameter took is fine to leave out, or null if it should have been used. */
    public String skipReason(String tensor) {
        if (tensor.endsWith("num_batches_tracked")) {
            return "BatchNorm step counter, not a weight";
        }
        boolean top = switch (layout) {
            case TORCHVISION -> tensor.startsWith("fc.") || tensor.startsWith("classifier.") || tensor.startsWith("head.");
            case KERAS -> tensor.startsWith("predictions/") || tensor.startsWith("fc1/") || tensor.startsWith("fc2/");
            case GRAFT -> tensor.matches("(param/|var_param_)?(backbone\\.)?(fc|fc1|fc2|predictions)\\..*")
                    || tensor.matches("(param/|var_param_)?head\\..*");
        };
        if (top) {
            return "classifier top: not part of this network (the new head replaces it)";
        }
        if (layout == WeightLayout.GRAFT && (tensor.startsWith("opt/") || tensor.startsWith("var_opt_"))) {
            return "optimizer state";
        }
        return null;
    }

    private static SourceRef graft(String param, Set<String> available) {
        List<String> candidates = new ArrayList<>();
        for (String p : List.of("", "backbone.")) {
            candidates.add(p + param);
            candidates.add("param/" + p + param);
            candidates.add("var_param_" + (p + param).replaceAll("[^A-Za-z0-9_.\\-]", "_"));
        }
        for (String c : candidates) {
            if (available.contains(c)) {
                return new SourceRef(c, Transform.IDENTITY);
            }
        }
        return new SourceRef(param, Transform.IDENTITY);
    }

    private static SourceRef torchParam(String module, String leaf) {
        if (leaf.equals("kernel")) {
            return new SourceRef(module + ".weight", Transform.OIHW_TO_HWIO);
        }
        if (leaf.equals("bias")) {
            return new SourceRef(module + ".bias", Transform.IDENTITY);
        }
        String t = TORCH_BN.get(leaf);
        return t == null ? null : new SourceRef(module + "." + t, Transform.IDENTITY);
    }

    private static SourceRef torchResNet(String p) {
        if (p.startsWith("stem.conv.")) {
            return torchParam("conv1", leaf(p));
        }
        if (p.startsWith("stem.bn.")) {
            return torchParam("bn1", leaf(p));
        }
        Matcher m = RES_BLOCK.matcher(p);
        if (m.matches()) {
            return torchParam("layer" + m.group(1) + "." + m.group(2) + "." + m.group(3) + m.group(4), m.group(5));
        }
        m = RES_DOWN.matcher(p);
        if (m.matches()) {
            return torchParam("layer" + m.group(1) + "." + m.group(2) + ".downsample." + (m.group(3).equals("conv") ? 0 : 1),
                    m.group(4));
        }
        if (p.equals("fc.kernel")) {
            return new SourceRef("fc.weight", Transform.TRANSPOSE);
        }
        if (p.equals("fc.bias")) {
            return new SourceRef("fc.bias", Transform.IDENTITY);
        }
        return null;
    }

    private SourceRef torchVgg(String p) {
        Matcher m = VGG_LAYER.matcher(p);
        if (m.matches()) {
            Integer idx = vggTorchIndex.get(m.group(1) + "." + m.group(3));
            if (idx == null) {
                return null;
            }
            return torchParam("features." + (m.group(2).equals("conv") ? idx : idx + 1), m.group(4));
        }
        String[] parts = p.split("\\.");
        if (parts.length == 2) {
            String module = switch (parts[0]) {
                case "fc1" -> "classifier.0";
                case "fc2" -> "classifier.3";
                case "predictions" -> "classifier.6";
                default -> null;
            };
            if (module != null) {
                if (parts[1].equals("bias")) {
                    return new SourceRef(module + ".bias", Transform.IDENTITY);
                }
                return new SourceRef(module + ".weight", parts[0].equals("fc1") ? Transform.CHW_ROWS_TO_HWC : Transform.TRANSPOSE);
            }
        }
        return null;
    }

    private static SourceRef kerasResNet(String p) {
        if (p.startsWith("stem.")) {
            String[] s = p.split("\\.");
            return new SourceRef("conv1_" + s[1] + "/" + s[2], Transform.IDENTITY);
        }
        Matcher m = RES_BLOCK.matcher(p);
        if (m.matches()) {
            return new SourceRef("conv" + (Integer.parseInt(m.group(1)) + 1) + "_block" + (Integer.parseInt(m.group(2)) + 1)
                    + "_" + m.group(4) + "_" + m.group(3) + "/" + m.group(5), Transform.IDENTITY);
        }
        m = RES_DOWN.matcher(p);
        if (m.matches()) {
            return new SourceRef("conv" + (Integer.parseInt(m.group(1)) + 1) + "_block" + (Integer.parseInt(m.group(2)) + 1)
                    + "_0_" + m.group(3) + "/" + m.group(4), Transform.IDENTITY);
        }
        if (p.startsWith("fc.")) {
            return new SourceRef("predictions/" + leaf(p), Transform.IDENTITY);
        }
        return null;
    }

    private static SourceRef kerasVgg(String p) {
        Matcher m = VGG_LAYER.matcher(p);
        if (m.matches()) {
            return new SourceRef("block" + m.group(1) + "_" + m.group(2) + m.group(3) + "/" + m.group(4), Transform.IDENTITY);
        }
        String[] parts = p.split("\\.");
        if (parts.length == 2 && Set.of("fc1", "fc2", "predictions").contains(parts[0])) {
            return new SourceRef(parts[0] + "/" + parts[1], Transform.IDENTITY);
        }
        return null;
    }

    private static String leaf(String p) {
        return p.substring(p.lastIndexOf('.') + 1);
    }
}

package dev.graft.vision.internal.weights;

import dev.graft.vision.ResNetConfig;
import dev.graft.vision.VggConfig;
import dev.graft.vision.VisionArchitecture;
import java.util.ArrayList;
import java.util.List;

/**
 * The torchvision modules of a ResNet or VGG in the order torchvision's forward pass runs them (the
 * order a traced ONNX export lists their nodes), with what each convolution must look like.
 */
final class TorchvisionModules {
    /**
     * One convolution.
     *
     * @param module torchvision module name ({@code layer1.0.conv1}, {@code features.3})
     * @param kernel kernel side
     * @param stride stride
     * @param pad    symmetric padding
     * @param bn     the BatchNorm module right after it, or null when the network has none there
     * @param group  convolutions of one residual block share a group (position is resolved per group)
     */
    record Conv(String module, int kernel, int stride, int pad, String bn, int group) {
    }

    private TorchvisionModules() {
    }

    static List<Conv> convs(VisionArchitecture arch) {
        List<Conv> out = new ArrayList<>();
        if (arch instanceof ResNetConfig c) {
            int group = 0;
            out.add(new Conv("conv1", 7, 2, 3, "bn1", group++));
            int in = c.width();
            for (int st = 0; st < 4; st++) {
                int planes = c.width() << st;
                for (int i = 0; i < c.depths().get(st); i++) {
                    int stride = st > 0 && i == 0 ? 2 : 1;
                    String p = "layer" + (st + 1) + "." + i + ".";
                    int outCh = c.bottleneck() ? planes * 4 : planes;
                    if (c.bottleneck()) {
                        int s1 = c.strideOnFirst1x1() ? stride : 1;
                        out.add(new Conv(p + "conv1", 1, s1, 0, p + "bn1", group));
                        out.add(new Conv(p + "conv2", 3, c.strideOnFirst1x1() ? 1 : stride, 1, p + "bn2", group));
                        out.add(new Conv(p + "conv3", 1, 1, 0, p + "bn3", group));
                    } else {
                        out.add(new Conv(p + "conv1", 3, stride, 1, p + "bn1", group));
                        out.add(new Conv(p + "conv2", 3, 1, 1, p + "bn2", group));
                    }
                    if (stride != 1 || in != outCh) {
                        out.add(new Conv(p + "downsample.0", 1, stride, 0, p + "downsample.1", group));
                    }
                    group++;
                    in = outCh;
                }
            }
        } else if (arch instanceof VggConfig v) {
            int idx = 0;
            for (int blk = 0; blk < 5; blk++) {
                for (int j = 0; j < v.convs().get(blk); j++) {
                    out.add(new Conv("features." + idx, 3, 1, 1, v.batchNorm() ? "features." + (idx + 1) : null, out.size()));
                    idx += v.batchNorm() ? 3 : 2;
                }
                idx++;
            }
        }
        return out;
    }

    /** The fully connected modules of the classifier top, in order. */
    static List<String> linears(VisionArchitecture arch) {
        return arch instanceof ResNetConfig ? List.of("fc") : List.of("classifier.0", "classifier.3", "classifier.6");
    }

    /** Whether the architecture's convolutions carry biases. */
    static boolean convBias(VisionArchitecture arch) {
        return !(arch instanceof ResNetConfig c) || c.convBias();
    }

    /** BatchNorm epsilon of the architecture. */
    static double bnEpsilon(VisionArchitecture arch) {
        return arch instanceof ResNetConfig c ? c.bnEpsilon() : 1e-5;
    }

    /**
     * The module a node belongs to from the scope names PyTorch (1.13 and later) gives exported
     * nodes: {@code /layer2/layer2.0/downsample/downsample.0/Conv} is {@code layer2.0.downsample.0};
     * null for names without scopes ({@code Conv_12}).
     */
    static String scopeModule(String nodeName) {
        if (nodeName == null || !nodeName.startsWith("/")) {
            return null;
        }
        String[] parts = nodeName.substring(1).split("/");
        if (parts.length < 2) {
            return null;
        }
        List<String> path = new ArrayList<>();
        for (int i = 0; i < parts.length - 1; i++) {
            String c = parts[i];
            if (c.isEmpty()) {
                return null;
            }
            if (!path.isEmpty() && c.startsWith(path.get(path.size() - 1) + ".")) {
                path.set(path.size() - 1, c);
            } else {
                path.add(c);
            }
        }
        return String.join(".", path);
    }

    /** The module a weight initializer names ({@code layer1.0.conv1.weight}), or null for anonymous ones. */
    static String weightModule(String initializer) {
        if (initializer == null || initializer.startsWith("onnx::") || !initializer.endsWith(".weight")) {
            return null;
        }
        return initializer.substring(0, initializer.length() - ".weight".length());
    }
}

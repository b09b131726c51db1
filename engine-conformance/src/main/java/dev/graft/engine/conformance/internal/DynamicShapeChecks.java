package dev.graft.engine.conformance.internal;

import dev.graft.engine.spi.CompiledModel;
import dev.graft.engine.spi.DType;
import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.HostTensor;
import dev.graft.engine.spi.graph.NetworkBuilder;
import dev.graft.engine.spi.graph.Node;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The ops whose output shape is only known at run time, on inputs declared {@code [-1, -1]} and fed
 * with several batch and sequence lengths through one compiled model: the way BERT splits flat
 * rows {@code [N*T, H]} into {@code [N, T, heads, H/heads]} and counts positions from the mask.
 * Values are exact (pure data movement, sums of small integers), so they are compared with 0 tolerance.
 */
public final class DynamicShapeChecks {
    private DynamicShapeChecks() {
    }

    /** reshape_like and cumsum follow the fed shapes of one compiled network. */
    public static void reshapeLikeAndCumsumFollowFedShapes(Engine engine) {
        NetworkBuilder b = new NetworkBuilder();
        Node ids = b.input("ids", DType.INT32, -1, -1);
        Node rows = b.input("rows", DType.FLOAT32, -1, 6);
        Node mask = b.input("mask", DType.INT32, -1, -1);
        Node split = b.reshapeLike(rows, ids, 2, 3, 2);
        b.output("split", b.transpose(split, 2, 0, 1, 3));
        Node m = b.cast(mask, DType.FLOAT32);
        Node ones = b.add(b.mul(m, b.scalar(0)), b.scalar(1));
        b.output("positions", b.cast(b.cumsum(ones, 1, true), DType.INT32));
        b.output("counted", b.mul(b.cumsum(m, 1, false), m));
        SplittableRandom r = new SplittableRandom(7);
        try (CompiledModel model = engine.compile(b.build(), 1)) {
            for (int[] nt : new int[][] {{2, 3}, {1, 5}, {4, 1}}) {
                int n = nt[0];
                int t = nt[1];
                Arr x = Arr.randn(r, n * t, 6).roundToFloat();
                Arr maskArr = Arr.zeros(n, t);
                for (int i = 0; i < n; i++) {
                    int len = 1 + r.nextInt(t);
                    for (int j = 0; j < len; j++) {
                        maskArr.set(1, i, j);
                    }
                }
                Map<String, HostTensor> feeds = Map.of("ids", Arr.zeros(n, t).hostInts(), "rows", x.host(),
                        "mask", maskArr.hostInts());
                Map<String, HostTensor> out = model.predict(feeds, List.of("split", "positions", "counted"));
                String at = " at N=" + n + ", T=" + t;
                Check.close("reshape_like then transpose" + at, Reference.transpose(Reference.reshape(x, n, t, 3, 2), 2, 0, 1, 3),
                        Arr.fromHost(out.get("split")), 0, 0);
                Arr pos = Arr.zeros(n, t);
                for (int i = 0; i < n * t; i++) {
                    pos.v[i] = i % t;
                }
                Check.close("exclusive cumsum of ones (positions)" + at, pos, Arr.fromHost(out.get("positions")), 0, 0);
                Arr counted = Reference.cumsum(maskArr, 1, false);
                for (int i = 0; i < counted.size(); i++) {
                    counted.v[i] *= maskArr.v[i];
                }
                Check.close("cumsum of the mask" + at, counted, Arr.fromHost(out.get("counted")), 0, 0);
            }
        }
    }
}

package dev.graft.engine.tensorflow.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.tensorflow.proto.AllocationRecord;
import org.tensorflow.proto.AllocatorMemoryUsed;
import org.tensorflow.proto.DeviceStepStats;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeExecStats;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.NodeOutput;
import org.tensorflow.proto.RunMetadata;

/**
 * Writes a step's memory trace (TensorFlow's step statistics of a fully traced run) as tab-separated
 * lines: {@code op} lines (node, start and end in microseconds, bytes of its outputs, and per allocator
 * its peak and the allocator's bytes in use when the op ended) and {@code rec} lines (node, allocator,
 * time in microseconds, bytes allocated, negative when freed) and {@code node} lines (node, op type and inputs,
 * comma-separated, of the graph as it ran: after grappler's rewrites, so the trace's node names can be read).
 */
final class TfStepTrace {
    private TfStepTrace() {
    }

    static void write(Path file, RunMetadata md) {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (DeviceStepStats d : md.getStepStats().getDevStatsList()) {
                for (NodeExecStats n : d.getNodeStatsList()) {
                    long out = 0;
                    for (NodeOutput o : n.getOutputList()) {
                        out += o.getTensorDescription().getAllocationDescription().getRequestedBytes();
                    }
                    StringBuilder line = new StringBuilder("op\t").append(n.getNodeName()).append('\t')
                            .append(n.getAllStartMicros()).append('\t')
                            .append(n.getAllStartMicros() + n.getAllEndRelMicros()).append('\t').append(out);
                    for (AllocatorMemoryUsed m : n.getMemoryList()) {
                        line.append('\t').append(m.getAllocatorName()).append('\t').append(m.getPeakBytes()).append('\t')
                                .append(m.getAllocatorBytesInUse());
                        for (AllocationRecord rec : m.getAllocationRecordsList()) {
                            w.write("rec\t" + n.getNodeName() + "\t" + m.getAllocatorName() + "\t" + rec.getAllocMicros() + "\t"
                                    + rec.getAllocBytes() + "\n");
                        }
                    }
                    w.write(line.append('\n').toString());
                }
            }
            for (GraphDef g : md.getPartitionGraphsList()) {
                for (NodeDef n : g.getNodeList()) {
                    w.write("node\t" + n.getName() + "\t" + n.getOp() + "\t" + String.join(",", n.getInputList()) + "\n");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing the step trace to " + file, e);
        }
    }
}

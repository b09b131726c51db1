package dev.graft.nlp;

import dev.graft.engine.spi.HostTensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns tokenized sequences into the encoder's input tensors (ids, segment ids, mask: what any
 * client has; positions are counted in the graph), padded only to the longest sequence
 * of the batch (dynamic padding), optionally rounded up to a multiple (fewer distinct shapes).
 */
public final class BertBatch {
    private BertBatch() {
    }

    /** One tokenized sequence: ids with special tokens, and their segment ids. */
    public record Sequence(int[] ids, int[] typeIds) {
        public Sequence {
            if (ids.length != typeIds.length) {
                throw new IllegalArgumentException("ids and type ids differ in length: " + ids.length + " vs " + typeIds.length);
            }
            if (ids.length == 0) {
                throw new IllegalArgumentException("empty token sequence");
            }
        }
    }

    /** Input tensors for {@link BertEncoder}, padded to the batch's longest sequence. */
    public static Map<String, HostTensor> tensors(BertConfig c, List<Sequence> batch, int padToMultipleOf) {
        if (batch.isEmpty()) {
            throw new IllegalArgumentException("empty batch");
        }
        int longest = 0;
        for (Sequence s : batch) {
            longest = Math.max(longest, s.ids().length);
        }
        int t = longest;
        if (padToMultipleOf > 1) {
            t = (longest + padToMultipleOf - 1) / padToMultipleOf * padToMultipleOf;
        }
        return tensorsOfLength(c, batch, t);
    }

    /** Input tensors padded to exactly {@code length} tokens. */
    public static Map<String, HostTensor> tensorsOfLength(BertConfig c, List<Sequence> batch, int length) {
        int n = batch.size();
        int t = length;
        if (t > c.maxSequenceLength()) {
            throw new IllegalArgumentException("sequence length " + t + " exceeds the encoder's " + c.maxSequenceLength()
                    + " positions; truncate the input");
        }
        int[] ids = new int[n * t];
        int[] types = new int[n * t];
        int[] mask = new int[n * t];
        for (int i = 0; i < n; i++) {
            Sequence s = batch.get(i);
            if (s.ids().length > t) {
                throw new IllegalArgumentException("sequence " + i + " has " + s.ids().length + " tokens, more than " + t);
            }
            for (int j = 0; j < t; j++) {
                int at = i * t + j;
                boolean real = j < s.ids().length;
                int id = real ? s.ids()[j] : c.padId();
                if (id < 0 || id >= c.vocabSize()) {
                    throw new IllegalArgumentException("token id " + id + " at [" + i + ", " + j + "] outside the vocabulary of "
                            + c.vocabSize());
                }
                int type = real ? s.typeIds()[j] : 0;
                if (type < 0 || type >= c.typeVocabSize()) {
                    throw new IllegalArgumentException("segment id " + type + " at [" + i + ", " + j + "] outside "
                            + c.typeVocabSize() + " token types");
                }
                ids[at] = id;
                types[at] = type;
                mask[at] = real ? 1 : 0;
            }
        }
        Map<String, HostTensor> m = new LinkedHashMap<>();
        m.put(BertEncoder.INPUT_IDS, HostTensor.ofInts(ids, n, t));
        m.put(BertEncoder.SEGMENT_IDS, HostTensor.ofInts(types, n, t));
        m.put(BertEncoder.INPUT_MASK, HostTensor.ofInts(mask, n, t));
        return m;
    }
}

package dev.graft.nlp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LengthBucketsTest {
    @Test
    void bucketsCoverEveryExampleOnceAndPadFarLessThanRandomBatches() {
        Random r = new Random(1);
        int[] lengths = new int[1000];
        for (int i = 0; i < lengths.length; i++) {
            lengths[i] = r.nextInt(10) < 8 ? 8 + r.nextInt(16) : 100 + r.nextInt(28);
        }
        List<int[]> buckets = LengthBuckets.batches(lengths, 16, 50, 7);
        int[] all = buckets.stream().flatMapToInt(Arrays::stream).sorted().toArray();
        assertThat(all).hasSize(1000);
        for (int i = 0; i < all.length; i++) {
            assertThat(all[i]).isEqualTo(i);
        }
        List<int[]> random = LengthBuckets.batches(lengths, 16, 1, 7);
        long real = Arrays.stream(lengths).sum();
        long bucketed = LengthBuckets.paddedTokens(buckets, lengths);
        long unbucketed = LengthBuckets.paddedTokens(random, lengths);
        assertThat(bucketed).isLessThan((long) (real * 1.3));
        assertThat(unbucketed).isGreaterThan(real * 2);
        assertThat(1000L * 128).isGreaterThan(unbucketed);
        List<int[]> again = LengthBuckets.batches(lengths, 16, 50, 7);
        for (int i = 0; i < buckets.size(); i++) {
            assertThat(again.get(i)).containsExactly(buckets.get(i));
        }
    }

    @Test
    void dynamicPaddingPadsEachBatchOnlyToItsLongestSequence() {
        BertConfig c = BertConfig.bertTiny(50);
        List<BertBatch.Sequence> batch = List.of(new BertBatch.Sequence(new int[5], new int[5]),
                new BertBatch.Sequence(new int[11], new int[11]));
        assertThat(BertBatch.tensors(c, batch, 1).get(BertEncoder.INPUT_IDS).shape().dims()).containsExactly(2, 11);
        assertThat(BertBatch.tensors(c, batch, 8).get(BertEncoder.INPUT_IDS).shape().dims()).containsExactly(2, 16);
        assertThat(BertBatch.tensors(c, batch, 8).get(BertEncoder.INPUT_MASK).ints())
                .containsExactly(1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0);
    }
}

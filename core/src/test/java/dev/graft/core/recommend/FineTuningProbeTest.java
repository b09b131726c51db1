package dev.graft.core.recommend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.graft.core.config.ComponentRef;
import dev.graft.core.spi.Example;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class FineTuningProbeTest {
    private static final List<String> ENCODER = List.of("embeddings", "encoder.layer_0", "encoder.layer_1");

    /** {@code right} of {@code n} held-out examples right: the first {@code right} ones. */
    private static FineTuningProbe.Score score(String name, int right, int n, double f1, double cpu) {
        boolean[] c = new boolean[n];
        for (int i = 0; i < right; i++) {
            c[i] = true;
        }
        return new FineTuningProbe.Score(ComponentRef.of(name), c, f1, cpu);
    }

    private static FineTuningProbe.Score score(String name, boolean[] c) {
        return new FineTuningProbe.Score(ComponentRef.of(name), c, 0.5, 1);
    }

    private static List<Example> data(Map<String, Integer> perClass) {
        List<Example> out = new ArrayList<>();
        perClass.forEach((label, n) -> {
            for (int i = 0; i < n; i++) {
                out.add(new Example(label + i, label + " text " + i, label));
            }
        });
        return out;
    }

    private static Recommendation.Candidate candidate(String name, double logMe) {
        return new Recommendation.Candidate(ComponentRef.of(name), 8, logMe, 0.1, 0.01, 0.05, true, ENCODER, 0, 0);
    }

    @Test
    void ranksByHeldOutExamplesRightThenMacroF1ThenCpu() {
        List<FineTuningProbe.Score> ranked = FineTuningProbe.rank(List.of(score("slow-tie", 70, 100, 0.60, 90),
                score("best", 75, 100, 0.50, 300), score("fast-tie", 70, 100, 0.60, 30), score("f1", 70, 100, 0.65, 500),
                score("worst", 40, 100, 0.90, 1)));
        assertThat(ranked).extracting(s -> s.backbone().name()).containsExactly("best", "f1", "fast-tie", "slow-tie", "worst");
        assertThat(ranked.get(0).right()).isEqualTo(75);
        assertThat(ranked.get(0).accuracy()).isEqualTo(0.75);
    }

    @Test
    void refusesScoresOnDifferentHeldOutSetsAndEmptyOnes() {
        assertThatThrownBy(() -> FineTuningProbe.rank(List.of(score("a", 5, 10, 0.5, 1), score("b", 5, 12, 0.5, 1))))
                .hasMessageContaining("different held-out sets").hasMessageContaining("'a' on 10").hasMessageContaining("'b' on 12");
        assertThatThrownBy(() -> score("a", 0, 0, 0, 0)).hasMessageContaining("probe of 'a': no held-out examples");
        assertThatThrownBy(() -> FineTuningProbe.rank(List.of())).hasMessageContaining("no probe scores");
    }

    @Test
    void splitsEachClassIntoDisjointSeededPartsCappingTheTrainingPart() {
        List<Example> d = data(new TreeMap<>(Map.of("a", 100, "b", 20, "c", 3)));
        FineTuningProbe.Split s = FineTuningProbe.split(d, 10, 7);
        Map<String, Integer> held = new TreeMap<>();
        Map<String, Integer> train = new TreeMap<>();
        s.heldOut().forEach(e -> held.merge(e.label(), 1, Integer::sum));
        s.train().forEach(e -> train.merge(e.label(), 1, Integer::sum));
        assertThat(held).containsExactlyEntriesOf(new TreeMap<>(Map.of("a", 25, "b", 5, "c", 1)));
        assertThat(train).containsExactlyEntriesOf(new TreeMap<>(Map.of("a", 10, "b", 10, "c", 2)));
        Set<String> ids = new HashSet<>();
        s.train().forEach(e -> ids.add(e.source()));
        s.heldOut().forEach(e -> assertThat(ids.add(e.source())).as(e.source() + " in both parts").isTrue());
        assertThat(FineTuningProbe.split(d, 10, 7)).isEqualTo(s);
        assertThat(FineTuningProbe.split(d, 10, 8).heldOut()).isNotEqualTo(s.heldOut());
    }

    @Test
    void refusesAClassWithNothingToHoldOutNamingIt() {
        assertThatThrownBy(() -> FineTuningProbe.split(data(new TreeMap<>(Map.of("a", 10, "rare", 1))), 10, 1))
                .hasMessageContaining("class 'rare' has 1").hasMessageContaining("--no-probe");
        assertThatThrownBy(() -> FineTuningProbe.split(data(Map.of("a", 10)), 10, 1)).hasMessageContaining("at least 2 classes");
        assertThatThrownBy(() -> FineTuningProbe.split(data(Map.of("a", 10, "b", 10)), 0, 1))
                .hasMessageContaining("at least 1 training example per class");
    }

    @Test
    void tellsALeadBeyondNoiseFromOneWithinIt() {
        boolean[] truthA = new boolean[20];
        boolean[] truthB = new boolean[20];
        for (int i = 0; i < 20; i++) {
            truthA[i] = i < 12;           // right on 0..11
            truthB[i] = i >= 10 && i < 14; // right on 10..13: only A on 10 examples, only B on 2
        }
        FineTuningProbe.Lead clear = FineTuningProbe.lead(score("a", truthA), score("b", truthB));
        assertThat(clear).isEqualTo(new FineTuningProbe.Lead(10, 2));
        assertThat(clear.clear()).isTrue();       // 8 > 1.96 sqrt(12) = 6.79
        assertThat(new FineTuningProbe.Lead(9, 3).clear()).isFalse(); // 6 < 6.79
        assertThat(new FineTuningProbe.Lead(3, 3).clear()).isFalse();
        assertThat(new FineTuningProbe.Lead(3, 10).clear()).isFalse();
        assertThat(new FineTuningProbe.Lead(4, 0).clear()).isTrue();  // 4 > 3.92
        assertThat(new FineTuningProbe.Lead(3, 0).clear()).isFalse(); // 3 < 3.39
    }

    @Test
    void picksTheProbesFirstToFineTuneAndSaysTheRankingRestsOnTheProbe() {
        Recommendation logMe = Recommender.suggest(List.of(candidate("bge", 0.3), candidate("minilm", 0.2)), 996, 6, 166);
        assertThat(logMe.strategy()).isEqualTo("fine-tuning");
        assertThat(logMe.best().backbone().name()).isEqualTo("bge");
        boolean[] minilm = new boolean[40];
        boolean[] bge = new boolean[40];
        for (int i = 0; i < 40; i++) {
            minilm[i] = i < 30;
            bge[i] = i < 20;
        }
        Recommendation r = FineTuningProbe.apply(logMe, List.of(score("bge", bge), score("minilm", minilm)), 384, 4);
        assertThat(r.best().backbone().name()).isEqualTo("minilm");
        assertThat(r.ranked()).extracting(c -> c.backbone().name()).containsExactly("bge", "minilm"); // LogME's order kept
        assertThat(r.probe()).extracting(s -> s.backbone().name()).containsExactly("minilm", "bge");
        assertThat(r.strategy()).isEqualTo("fine-tuning");
        assertThat(r.explanation()).startsWith("Fine-tuning probe: each candidate fine-tuned for 4 epochs on 384 examples of your data "
                + "and scored on 40 others it did not train on: 'minilm' 30 right (0.750), 'bge' 20 right (0.500). 'minilm' was right on 10 "
                + "held-out examples 'bge' got wrong, and wrong on 0 it got right: a clear lead in the probe (McNemar's test, 5 %), which a full fine-tuning can narrow. The backbone to "
                + "fine-tune is the probe's first, 'minilm', not LogME's")
                .contains("LogME ranks frozen features").contains("LogME's ranking: 'bge' ranks first with LogME 0.3000");
    }

    @Test
    void keepsLogMesPickWhenTheSuggestionTrainsNoBackbone() {
        Recommendation few = Recommender.suggest(List.of(candidate("bge", 0.3), candidate("minilm", 0.2)), 300, 6, 50);
        assertThat(few.strategy()).isEqualTo("feature-extraction");
        Recommendation r = FineTuningProbe.apply(few, List.of(score("bge", 10, 40, 0.2, 1), score("minilm", 12, 40, 0.3, 1)), 200, 4);
        assertThat(r.best().backbone().name()).isEqualTo("bge");
        assertThat(r.explanation()).contains("within the probe's noise")
                .contains("The suggestion is feature-extraction, not fine-tuning, so it keeps LogME's pick; to fine-tune instead, take 'minilm'");
        assertThatThrownBy(() -> FineTuningProbe.apply(few, List.of(score("other", 10, 40, 0.2, 1)), 200, 4))
                .hasMessageContaining("the probe's pick 'other' is not a ranked candidate");
    }
}

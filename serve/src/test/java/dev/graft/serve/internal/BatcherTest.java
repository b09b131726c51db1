package dev.graft.serve.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.graft.core.model.Prediction;
import dev.graft.core.model.Predictor;
import dev.graft.core.spi.Example;
import dev.graft.serve.TestModels;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** How the batcher forms engine calls, watched on the real test text model's predictor. */
class BatcherTest {
    private static Predictor predictor;
    private static List<Example> texts;
    private static List<Prediction> expected;

    @BeforeAll
    static void open() throws Exception {
        predictor = TestModels.graft().predictor(TestModels.text(), null);
        texts = TestModels.texts(64, 5);
        expected = new ArrayList<>();
        for (Example e : texts) {
            expected.add(predictor.predict(List.of(e)).get(0));
        }
    }

    @AfterAll
    static void close() {
        if (predictor != null) {
            predictor.close();
        }
    }

    /** The predictor's calls, their sizes, how many ran at once, and a gate that holds the first call until opened. */
    private static final class Watch {
        final List<Integer> sizes = Collections.synchronizedList(new ArrayList<>());
        final AtomicInteger running = new AtomicInteger();
        final AtomicInteger mostAtOnce = new AtomicInteger();
        final CountDownLatch firstStarted = new CountDownLatch(1);
        final CountDownLatch gate = new CountDownLatch(1);

        List<Prediction> predict(List<Example> in) {
            mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
            try {
                boolean first = sizes.isEmpty();
                sizes.add(in.size());
                if (first) {
                    firstStarted.countDown();
                    gate.await(30, TimeUnit.SECONDS);
                }
                return predictor.predict(in);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            } finally {
                running.decrementAndGet();
            }
        }
    }

    private static Batcher batcher(Watch w, int maxBatch, long maxWaitMs) {
        return batcher(w, maxBatch, maxWaitMs, 1);
    }

    private static Batcher batcher(Watch w, int maxBatch, long maxWaitMs, int workers) {
        return new Batcher("words", predictor, w::predict, maxBatch, TimeUnit.MILLISECONDS.toNanos(maxWaitMs), workers, new Metrics());
    }

    /** The request's prediction is the one the predictor makes for its text alone. */
    private static void assertAnswered(CompletableFuture<List<Prediction>> f, Example e) throws Exception {
        Prediction p = f.get(30, TimeUnit.SECONDS).get(0);
        Prediction want = expected.get(texts.indexOf(e));
        assertThat(p.scores().keySet()).containsExactlyElementsOf(want.scores().keySet());
        want.scores().forEach((label, v) -> assertThat(p.scores().get(label)).as(label).isCloseTo(v, org.assertj.core.data.Offset.offset(1e-5)));
    }

    @Test
    void aLoneRequestGoesAtOnceInsteadOfWaitingOutMaxWait() throws Exception {
        Watch w = new Watch();
        w.gate.countDown();
        try (Batcher b = batcher(w, 32, 60_000)) {
            long t0 = System.nanoTime();
            assertAnswered(b.submit(List.of(texts.get(0))), texts.get(0));
            assertAnswered(b.submit(List.of(texts.get(1))), texts.get(1));
            // with a wait of a minute, anything but going at once would show
            assertThat(System.nanoTime() - t0).isLessThan(TimeUnit.SECONDS.toNanos(20));
        }
        assertThat(w.sizes).containsExactly(1, 1);
    }

    @Test
    void requestsQueuedWhileABatchRunsWaitForTheClientItAnsweredAndGoWithIt() throws Exception {
        Watch w = new Watch();
        long waitMs = 2000;
        try (Batcher b = batcher(w, 32, waitMs)) {
            CompletableFuture<List<Prediction>> first = b.submit(List.of(texts.get(0)));
            assertThat(w.firstStarted.await(30, TimeUnit.SECONDS)).isTrue();
            List<CompletableFuture<List<Prediction>>> queued = new ArrayList<>();
            for (int i = 1; i <= 7; i++) {
                queued.add(b.submit(List.of(texts.get(i))));
            }
            // the engine stays busy past the queued requests' max-wait: they must still wait for the returning client
            Thread.sleep(waitMs + 500);
            w.gate.countDown();
            first.get(30, TimeUnit.SECONDS);
            // the client answered first sends its next request a little later: it joins the seven that queued meanwhile
            Thread.sleep(200);
            CompletableFuture<List<Prediction>> again = b.submit(List.of(texts.get(8)));
            assertAnswered(first, texts.get(0));
            for (int i = 1; i <= 7; i++) {
                assertAnswered(queued.get(i - 1), texts.get(i));
            }
            assertAnswered(again, texts.get(8));
        }
        assertThat(w.sizes).containsExactly(1, 8);
    }

    @Test
    void aBatchWaitsAtMostMaxWaitForClientsThatDoNotReturn() throws Exception {
        Watch w = new Watch();
        long waitMs = 300;
        try (Batcher b = batcher(w, 32, waitMs)) {
            CompletableFuture<List<Prediction>> first = b.submit(List.of(texts.get(0)));
            assertThat(w.firstStarted.await(30, TimeUnit.SECONDS)).isTrue();
            List<CompletableFuture<List<Prediction>>> queued = new ArrayList<>();
            for (int i = 1; i <= 5; i++) {
                queued.add(b.submit(List.of(texts.get(i))));
            }
            Thread.sleep(2 * waitMs);
            long released = System.nanoTime();
            w.gate.countDown();
            assertAnswered(first, texts.get(0));
            for (int i = 1; i <= 5; i++) {
                assertAnswered(queued.get(i - 1), texts.get(i));
            }
            // the round had six inputs in flight: the five waited for a sixth until max-wait after the engine was free
            // (though they had been queued longer than max-wait), then went without it
            assertThat(System.nanoTime() - released).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(waitMs));
        }
        assertThat(w.sizes).containsExactly(1, 5);
    }

    @Test
    void aFullBatchGoesAtOnceAndTheRestFollows() throws Exception {
        Watch w = new Watch();
        try (Batcher b = batcher(w, 4, 60_000)) {
            CompletableFuture<List<Prediction>> first = b.submit(List.of(texts.get(0)));
            assertThat(w.firstStarted.await(30, TimeUnit.SECONDS)).isTrue();
            List<CompletableFuture<List<Prediction>>> queued = new ArrayList<>();
            for (int i = 1; i <= 8; i++) {
                queued.add(b.submit(List.of(texts.get(i))));
            }
            w.gate.countDown();
            assertAnswered(first, texts.get(0));
            for (int i = 1; i <= 8; i++) {
                assertAnswered(queued.get(i - 1), texts.get(i));
            }
        }
        assertThat(w.sizes).containsExactly(1, 4, 4);
    }

    /** One client's requests, given its number; may throw (a failed assertion fails the test). */
    private interface Client {
        void run(int client) throws Exception;
    }

    /** Runs {@code n} clients on their own threads, waits for all, and fails if any of them failed. */
    private static void inClients(int n, Client body) throws InterruptedException {
        List<Thread> clients = new ArrayList<>();
        List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        for (int c = 0; c < n; c++) {
            int client = c;
            Thread t = new Thread(() -> {
                try {
                    body.run(client);
                } catch (Throwable e) {
                    failures.add(e);
                }
            });
            clients.add(t);
            t.start();
        }
        for (Thread t : clients) {
            t.join();
        }
        assertThat(failures).isEmpty();
    }

    @Test
    void neverRunsTwoEngineCallsAtOnce() throws Exception {
        Watch w = new Watch();
        w.gate.countDown();
        try (Batcher b = batcher(w, 8, 2)) {
            inClients(12, client -> {
                for (int k = 0; k < 5; k++) {
                    Example e = texts.get(client * 5 + k);
                    assertAnswered(b.submit(List.of(e)), e);
                }
            });
        }
        assertThat(w.sizes.stream().mapToInt(Integer::intValue).sum()).isEqualTo(60);
        assertThat(w.mostAtOnce.get()).isEqualTo(1);
    }

    @Test
    void twoWorkersRunASecondCallWhileTheFirstIsStillRunning() throws Exception {
        Watch w = new Watch();
        try (Batcher b = batcher(w, 32, 0, 2)) {
            CompletableFuture<List<Prediction>> first = b.submit(List.of(texts.get(0)));
            assertThat(w.firstStarted.await(30, TimeUnit.SECONDS)).isTrue();
            // the first call is held: the second worker takes the next request and answers it meanwhile
            CompletableFuture<List<Prediction>> second = b.submit(List.of(texts.get(1)));
            assertAnswered(second, texts.get(1));
            assertThat(first).isNotDone();
            w.gate.countDown();
            assertAnswered(first, texts.get(0));
        }
        assertThat(w.sizes).containsExactly(1, 1);
        assertThat(w.mostAtOnce.get()).isEqualTo(2);
    }

    @Test
    void eachWorkerIsPreparedOnItsOwnThreadBeforeItsFirstEngineCall() throws Exception {
        Watch w = new Watch();
        w.gate.countDown();
        Set<String> prepared = ConcurrentHashMap.newKeySet();
        Set<String> calledUnprepared = ConcurrentHashMap.newKeySet();
        Function<List<Example>, List<Prediction>> engine = in -> {
            if (!prepared.contains(Thread.currentThread().getName())) {
                calledUnprepared.add(Thread.currentThread().getName());
            }
            return w.predict(in);
        };
        Set<Integer> toldWorkers = ConcurrentHashMap.newKeySet();
        IntConsumer start = workers -> {
            toldWorkers.add(workers);
            if (!prepared.add(Thread.currentThread().getName())) {
                throw new IllegalStateException("prepared twice: " + Thread.currentThread().getName());
            }
        };
        try (Batcher b = new Batcher("words", predictor, engine, 32, 0, 3, start, new Metrics())) {
            List<CompletableFuture<List<Prediction>>> f = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                f.add(b.submit(List.of(texts.get(i))));
            }
            for (int i = 0; i < 6; i++) {
                assertAnswered(f.get(i), texts.get(i));
            }
        }
        assertThat(prepared).containsExactlyInAnyOrder("graft-serve-batcher-words", "graft-serve-batcher-words-2", "graft-serve-batcher-words-3");
        assertThat(calledUnprepared).isEmpty();
        assertThat(toldWorkers).as("each worker is told how many share the engine").containsExactly(3);
    }

    @Test
    void aWorkerWhosePreparationFailsStillAnswers() throws Exception {
        Watch w = new Watch();
        w.gate.countDown();
        IntConsumer start = workers -> {
            throw new IllegalStateException("no threads for you");
        };
        try (Batcher b = new Batcher("words", predictor, w::predict, 32, 0, 1, start, new Metrics())) {
            assertAnswered(b.submit(List.of(texts.get(2))), texts.get(2));
        }
    }

    @Test
    void twoWorkersAnswerEveryClientItsOwnPredictionsInOrder() throws Exception {
        Watch w = new Watch();
        w.gate.countDown();
        try (Batcher b = batcher(w, 8, 2, 2)) {
            inClients(12, client -> {
                for (int k = 0; k < 6; k++) {
                    // requests of one to three texts: each answer holds its own texts' predictions, in order
                    int size = 1 + (client + k) % 3;
                    List<Example> in = new ArrayList<>();
                    for (int i = 0; i < size; i++) {
                        in.add(texts.get((client * 7 + k * 3 + i) % texts.size()));
                    }
                    List<Prediction> got = b.submit(in).get(30, TimeUnit.SECONDS);
                    assertThat(got).hasSize(size);
                    for (int i = 0; i < size; i++) {
                        assertAnswered(CompletableFuture.completedFuture(List.of(got.get(i))), in.get(i));
                    }
                }
            });
        }
        int texts = 0;
        for (int c = 0; c < 12; c++) {
            for (int k = 0; k < 6; k++) {
                texts += 1 + (c + k) % 3;
            }
        }
        assertThat(w.sizes.stream().mapToInt(Integer::intValue).sum()).isEqualTo(texts);
        assertThat(w.sizes).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(8));
        assertThat(w.mostAtOnce.get()).isBetween(1, 2);
    }

    @Test
    void closingWithTwoWorkersAnswersEveryRequestAlreadyQueued() throws Exception {
        Watch w = new Watch();
        List<CompletableFuture<List<Prediction>>> queued = new ArrayList<>();
        Thread closer;
        try (Batcher b = batcher(w, 4, 1, 2)) {
            queued.add(b.submit(List.of(texts.get(0))));
            assertThat(w.firstStarted.await(30, TimeUnit.SECONDS)).isTrue();
            for (int i = 1; i <= 20; i++) {
                queued.add(b.submit(List.of(texts.get(i))));
            }
            closer = new Thread(b::close);
            closer.start();
            Thread.sleep(200);
            // closing: new requests are refused, the 21 accepted ones are still answered
            assertThat(b.submit(List.of(texts.get(30)))).isCompletedExceptionally();
            w.gate.countDown();
            closer.join(30_000);
            assertThat(closer.isAlive()).isFalse();
        }
        for (int i = 0; i <= 20; i++) {
            assertAnswered(queued.get(i), texts.get(i));
        }
        assertThat(w.sizes.stream().mapToInt(Integer::intValue).sum()).isEqualTo(21);
        assertThat(w.mostAtOnce.get()).isEqualTo(2);
    }

    @Test
    void refusesZeroBatchWorkersNamingTheOption() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> dev.graft.serve.ServeConfig.defaults().withBatchWorkers(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("batchWorkers: must be positive, got 0");
    }
}

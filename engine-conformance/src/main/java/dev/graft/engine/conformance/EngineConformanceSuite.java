package dev.graft.engine.conformance;

import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.graft.engine.conformance.internal.BadInputChecks;
import dev.graft.engine.conformance.internal.DynamicShapeChecks;
import dev.graft.engine.conformance.internal.OpCases;
import dev.graft.engine.conformance.internal.OpChecks;
import dev.graft.engine.conformance.internal.OptimizerChecks;
import dev.graft.engine.conformance.internal.PrecisionChecks;
import dev.graft.engine.conformance.internal.StateChecks;
import dev.graft.engine.conformance.internal.TrainingChecks;
import dev.graft.engine.conformance.internal.TrainingModeChecks;
import dev.graft.engine.spi.Engine;
import dev.graft.engine.spi.graph.Op;
import dev.graft.engine.spi.train.OptimizerSpec;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The suite every Graft engine must pass. An engine's test extends this class and returns its
 * engine; nothing else is engine-specific:
 *
 * <pre>{@code
 * class TfConformanceTest extends EngineConformanceSuite {
 *     protected Engine engine() { return new ServiceLoaderEngineRegistry().get("tensorflow"); }
 * }
 * }</pre>
 *
 * <p>What it checks, and with which tolerances (stated next to each check in the
 * internal package and in engine-conformance/README.md):
 * <ul>
 *   <li>every op of {@link Op} against a plain-Java double-precision reference (rtol = atol = 1e-4);
 *   <li>ops with run-time shapes (reshape_like, cumsum) on inputs declared [-1, -1], fed several shapes;
 *   <li>every differentiable op's gradient against central finite differences, h = 1e-2 and 5e-3,
 *       tolerance 2e-3 + 1e-2 * max(|g|, |fd|), in inference and in training behaviour;
 *   <li>an MLP and a CNN learn synthetic separable tasks to at least 95% held-out accuracy;
 *   <li>SGD, momentum, Nesterov, Adam and AdamW updates, group learning-rate multipliers, frozen
 *       groups, weight-decay overrides, clipping by global norm and schedules against a reference;
 *   <li>checkpoints round-trip bit-identically and training continues identically; each list of outputs is
 *       answered from its own inputs, however calls interleave; 8 threads of
 *       inference give bit-identical results to one;
 *   <li>bad definitions, feeds, non-finite training and damaged checkpoints give clear errors;
 *   <li>where the engine offers {@code precision=bf16} ({@link #bf16Engine()}): matmul, batched matmul,
 *       conv2d and a dense weight gradient within 2^-7 * sum|a||b| of fp32 (and bf16 really in effect
 *       for matmul and conv2d), the MLP and CNN still learn their tasks, parameters and optimizer
 *       state stay fp32.
 * </ul>
 */
public abstract class EngineConformanceSuite {
    /** The engine under test; may return the same instance on every call. */
    protected abstract Engine engine();

    /**
     * The same engine created with {@code precision=bf16}, or null when it has none on this machine
     * (the default; the bf16 checks are then skipped).
     */
    protected Engine bf16Engine() {
        return null;
    }

    private Engine requireBf16() {
        Engine e = bf16Engine();
        Assumptions.assumeTrue(e != null, "this engine offers no precision=bf16 here");
        return e;
    }

    @Nested
    @DisplayName("bf16 against fp32")
    class Bf16 {
        @TestFactory
        Stream<DynamicTest> productsStayWithinTheBf16RoundingBound() {
            return Stream.of("MATMUL", "BATCH_MATMUL", "CONV2D").map(p -> dynamicTest(p.toLowerCase(java.util.Locale.ROOT),
                    () -> PrecisionChecks.productStaysWithinBf16Bound(engine(), requireBf16(), p)));
        }

        @Test
        void denseWeightGradientStaysWithinTheBf16RoundingBound() {
            PrecisionChecks.denseGradientStaysWithinBf16Bound(engine(), requireBf16());
        }

        @Test
        void mlpLearnsXorInBf16() {
            TrainingChecks.mlpLearnsXor(requireBf16());
        }

        @Test
        void cnnLearnsBarOrientationInBf16() {
            TrainingChecks.cnnLearnsBars(requireBf16());
        }

        @Test
        void parametersAndOptimizerStateStayFp32AfterBf16Steps() {
            PrecisionChecks.storedStateStaysFp32(requireBf16());
        }
    }

    @Nested
    @DisplayName("op values against the plain-Java reference")
    class OpValues {
        @TestFactory
        Stream<DynamicTest> everyOpConfigurationMatchesTheReference() {
            return OpCases.all().stream().map(c -> dynamicTest(c.name(), () -> OpChecks.checkValues(engine(), c)));
        }

        @Test
        void reshapeLikeAndCumsumFollowTheShapesFedAtRunTime() {
            DynamicShapeChecks.reshapeLikeAndCumsumFollowFedShapes(engine());
        }

        @Test
        void casesCoverEveryOpOfTheSet() {
            Set<Op> missing = EnumSet.allOf(Op.class);
            missing.removeAll(OpCases.coveredOps());
            if (!missing.isEmpty()) {
                throw new AssertionError("ops without a conformance case: " + missing);
            }
        }
    }

    @Nested
    @DisplayName("gradients against central finite differences")
    class Gradients {
        @TestFactory
        Stream<DynamicTest> everyDifferentiableOpHasFiniteDifferenceGradients() {
            return OpCases.all().stream().filter(c -> c.hasGradient())
                    .map(c -> dynamicTest(c.name(), () -> OpChecks.checkGradient(engine(), c)));
        }

        @Test
        void batchNormTrainsOnBatchStatisticsAndUpdatesMovingStatistics() {
            TrainingModeChecks.batchNormTraining(engine(), 4, 2, 2, 3);
        }

        @Test
        void batchNormOnRankTwoInputTrainsOnBatchStatistics() {
            TrainingModeChecks.batchNormTraining(engine(), 6, 3);
        }

        @Test
        void batchNormWithFrozenStatisticsTrainsOnMovingStatisticsAndKeepsThem() {
            TrainingModeChecks.batchNormWithFrozenStatistics(engine());
        }

        @Test
        void dropoutMasksAreInvertedAndReplayedFromSeedAndStep() {
            TrainingModeChecks.dropoutTraining(engine());
        }
    }

    @Nested
    @DisplayName("training converges")
    class Training {
        @Test
        void mlpLearnsXorToNinetyFivePercentHeldOut() {
            TrainingChecks.mlpLearnsXor(engine());
        }

        @Test
        void cnnLearnsBarOrientationToNinetyFivePercentHeldOut() {
            TrainingChecks.cnnLearnsBars(engine());
        }
    }

    @Nested
    @DisplayName("optimizers, groups, clipping and schedules against the reference")
    class Optimizers {
        @TestFactory
        Stream<DynamicTest> updatesMatchTheReference() {
            return OptimizerChecks.scenarios().stream().map(s -> dynamicTest(s.name(), () -> OptimizerChecks.checkScenario(engine(), s)));
        }

        @Test
        void reconfiguringForGradualUnfreezingKeepsStepAndOptimizerState() {
            OptimizerChecks.gradualUnfreezingKeepsOptimizerState(engine());
        }

        @TestFactory
        Stream<DynamicTest> scheduledLearningRatesAreApplied() {
            return OptimizerChecks.schedules().stream().map(s -> dynamicTest(s.name(), () -> OptimizerChecks.checkSchedule(engine(), s)));
        }
    }

    @Nested
    @DisplayName("checkpoints and threads")
    class State {
        @Test
        void checkpointRoundTripIsBitIdenticalAndTrainingContinuesIdentically(@TempDir Path dir) throws Exception {
            StateChecks.checkpointRoundTrip(engine(), dir);
        }

        @Test
        void compilingWithGivenValuesEqualsCompilingThenSettingThem() {
            StateChecks.compileWithValues(engine());
        }

        @Test
        void eightThreadsOfInferenceMatchOneThreadBitForBit() throws Exception {
            StateChecks.concurrentInference(engine());
        }

        @Test
        void eachListOfOutputsIsAnsweredFromItsOwnInputs() {
            StateChecks.outputListsAnsweredFromTheirOwnInputs(engine());
        }
    }

    @Nested
    @DisplayName("bad input")
    class BadInput {
        @Test
        void shapeMismatchesAreReportedAtDefinitionWithLayerAndBothShapes() {
            BadInputChecks.shapeMismatchesNameLayerAndShapes();
        }

        @Test
        void nonFiniteGradientsNameStepAndGroupAndChangeNothingWithSgd() {
            BadInputChecks.nonFiniteInputNamesStepAndGroup(engine(), OptimizerSpec.sgd(0.9));
        }

        @Test
        void nonFiniteGradientsNameStepAndGroupAndChangeNothingWithAdam() {
            BadInputChecks.nonFiniteInputNamesStepAndGroup(engine(), OptimizerSpec.adamW(0.01));
        }

        @Test
        void hugeLearningRateStopsAtTheFirstNonFiniteStepWithoutApplyingIt() {
            BadInputChecks.hugeLearningRateStopsWithStep(engine());
        }

        @Test
        void wronglyShapedTypedOrMissingFeedsNameTheInput() {
            BadInputChecks.badFeedsNameTheInput(engine());
        }

        @Test
        void missingTruncatedAndMalformedCheckpointsAreRejectedWithTheFileName(@TempDir Path dir) throws Exception {
            BadInputChecks.damagedCheckpointsAreRejected(engine(), dir);
        }
    }
}

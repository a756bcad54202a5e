package ai.oxbow.model.dist;

import static ai.oxbow.model.dist.AllReduceSumTest.assertBitsEqual;
import static ai.oxbow.model.dist.CollectiveFailureTest.assertMessageContains;
import static ai.oxbow.model.dist.CollectiveFailureTest.hostPort;
import static ai.oxbow.model.dist.LoopbackGroup.GENERATION;
import static ai.oxbow.model.dist.LoopbackGroup.GROUP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.oxbow.model.dist.LoopbackGroup.Running;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(120)
class MeshListenerTest {
    private static final TransportOptions PATIENT = TransportOptions.DEFAULTS.withTimeout(Duration.ofMinutes(10));

    @Test
    void refusesAStaleGenerationAndAnotherGroupWhileTheCurrentGenerationForms() throws Exception {
        MeshListener rank0 = bind(PATIENT);
        MeshListener rank1 = bind(PATIENT);
        List<InetSocketAddress> current = List.of(rank0.address(), rank1.address());
        Running<Collectives> forming = Running.start("rank-0", () -> rank0.connect(0, current, GENERATION, GROUP));

        // A rank 1 left over from the previous attempt, and one of another job, reach rank 0 first.
        MeshListener stale = bind(PATIENT);
        Throwable refused = assertThrows(
                CollectiveException.class,
                () -> stale.connect(1, List.of(rank0.address(), stale.address()), GENERATION - 1, GROUP));
        assertMessageContains(
                refused,
                "rank 0 at " + hostPort(rank0.address()) + " refused the connection",
                "generation 6 is not the current generation 7 (a connection left from an earlier attempt)");
        MeshListener stranger = bind(PATIENT);
        Throwable foreign = assertThrows(
                CollectiveException.class,
                () -> stranger.connect(1, List.of(rank0.address(), stranger.address()), GENERATION, "job-2/trainer"));
        assertMessageContains(foreign, "group 'job-2/trainer' is not this group 'job-1/trainer'");

        // The current rank 1 still gets in, and the group works.
        try (Collectives one = rank1.connect(1, current, GENERATION, GROUP);
                Collectives zero = forming.result().join()) {
            Running<float[]> sum0 = Running.start("sum-0", () -> zero.allReduceSum(new float[] {1, 2, 3}));
            assertBitsEqual(new float[] {2, 4, 6}, one.allReduceSum(new float[] {1, 2, 3}), "rank 1");
            assertBitsEqual(new float[] {2, 4, 6}, sum0.result().join(), "rank 0");
            assertEquals(GENERATION, zero.generation());
            assertEquals(1, one.rank());
            assertEquals(2, one.size());
        }
    }

    @Test
    void formingTimesOutNamingTheAbsentRanksAndTheRefusedConnections() throws Exception {
        TransportOptions impatient = PATIENT.withTimeout(Duration.ofMillis(500));
        MeshListener rank0 = bind(impatient);
        MeshListener rank1 = bind(impatient);
        MeshListener rank2 = bind(impatient);
        List<InetSocketAddress> current = List.of(rank0.address(), rank1.address(), rank2.address());
        Running<Collectives> forming = Running.start("rank-0", () -> rank0.connect(0, current, GENERATION, GROUP));
        MeshListener stale = bind(impatient);
        assertThrows(
                CollectiveException.class,
                () -> stale.connect(
                        2, List.of(rank0.address(), rank1.address(), stale.address()), GENERATION - 1, GROUP));
        // Ranks 1 and 2 never come.
        assertMessageContains(
                forming.failure(),
                "rank 0 of 3 (generation 7, group 'job-1/trainer')",
                "rank 1 at " + hostPort(rank1.address()) + ", rank 2 at " + hostPort(rank2.address())
                        + " did not connect within 500 ms",
                "refused meanwhile",
                "as rank 2: generation 6 is not the current generation 7");
        rank1.close();
        rank2.close();
    }

    @Test
    void aLowerRankThatNeverListensFailsTheConnectAfterTheTimeout() throws Exception {
        TransportOptions impatient = PATIENT.withTimeout(Duration.ofMillis(300));
        MeshListener gone = bind(impatient);
        InetSocketAddress goneAddress = gone.address();
        gone.close();
        MeshListener rank1 = bind(impatient);
        Throwable failure = assertThrows(
                CollectiveException.class,
                () -> rank1.connect(1, List.of(goneAddress, rank1.address()), GENERATION, GROUP));
        assertMessageContains(failure, "rank 0 at " + hostPort(goneAddress) + " accepted no connection within 300 ms");
    }

    @Test
    void closingTheListenerWakesAConnectInProgress() throws Exception {
        MeshListener rank0 = bind(PATIENT);
        MeshListener rank1 = bind(PATIENT);
        Running<Collectives> forming = Running.start(
                "rank-0", () -> rank0.connect(0, List.of(rank0.address(), rank1.address()), GENERATION, GROUP));
        forming.awaitBlocked();
        rank0.close();
        assertMessageContains(forming.failure(), "the listener was closed while the group formed");
        rank1.close();
    }

    private static MeshListener bind(TransportOptions options) throws Exception {
        return MeshListener.bind(new InetSocketAddress("127.0.0.1", 0), options);
    }
}

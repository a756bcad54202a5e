package ai.oxbow.model.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.oxbow.model.dist.LoopbackGroup.Running;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

// Every failure must come well before the groups' own timeout of ten minutes: the test's timeout says so.
@Timeout(120)
class CollectiveFailureTest {
    private static final TransportOptions PATIENT = TransportOptions.DEFAULTS.withTimeout(Duration.ofMinutes(10));

    @Test
    void aPeerThatLeavesMidOperationFailsTheOthersNamingIt() throws Exception {
        try (LoopbackGroup group = LoopbackGroup.form(3, PATIENT)) {
            float[] gradient = new float[1_000_000];
            Running<float[]> rank0 =
                    group.startOn(0, c -> c.allReduceSum(gradient)).awaitBlocked();
            Running<float[]> rank1 =
                    group.startOn(1, c -> c.allReduceSum(gradient)).awaitBlocked();
            group.ranks.get(2).close();
            String rank2 = "rank 2 at " + hostPort(group.addresses.get(2));
            for (Running<float[]> survivor : List.of(rank0, rank1)) {
                assertMessageContains(survivor.failure(), "allReduceSum #1 failed", rank2);
            }
            // Every later collective fails at once, still naming the peer.
            Throwable later = assertThrows(
                    CollectiveException.class, () -> group.ranks.get(0).allGatherBytes(new byte[1]));
            assertMessageContains(later, "allGatherBytes #2 failed", rank2);
        }
    }

    @Test
    void aSilentPeerFailsTheCollectiveAfterTheTimeout() throws Exception {
        TransportOptions impatient = TransportOptions.DEFAULTS.withTimeout(Duration.ofMillis(300));
        try (LoopbackGroup group = LoopbackGroup.form(2, impatient)) {
            // Rank 1 never joins the collective.
            Throwable failure = assertThrows(
                    CollectiveException.class, () -> group.ranks.get(0).allReduceSum(new float[10]));
            assertMessageContains(
                    failure,
                    "rank 0 of 2",
                    "allReduceSum #1 failed",
                    "rank 1 at " + hostPort(group.addresses.get(1)) + " sent nothing for 300 ms");
            // Rank 0 dropped it: rank 1's next collective fails naming rank 0.
            Throwable dropped = assertThrows(
                    CollectiveException.class, () -> group.ranks.get(1).allGather(new float[1]));
            assertMessageContains(dropped, "rank 0 at " + hostPort(group.addresses.get(0)));
        }
    }

    @Test
    void ranksCallingDifferentCollectivesAllFailClearly() throws Exception {
        try (LoopbackGroup group = LoopbackGroup.form(3, PATIENT)) {
            List<Running<Object>> running =
                    group.start(c -> c.rank() == 2 ? c.allGather(new float[4]) : c.allReduceSum(new float[4]));
            for (Running<Object> rank : running) {
                assertMessageContains(rank.failure(), "every rank must call the same collectives in the same order");
            }
        }
    }

    @Test
    void arraysOfDifferentLengthsFailInsteadOfMisSumming() throws Exception {
        try (LoopbackGroup group = LoopbackGroup.form(2, PATIENT)) {
            List<Running<float[]>> running = group.start(c -> c.allReduceSum(new float[10 + c.rank()]));
            for (Running<float[]> rank : running) {
                assertMessageContains(rank.failure(), "the ranks passed arrays of different lengths");
            }
        }
    }

    @Test
    void closeIsIdempotentWakesABlockedCallerAndLeavesNoThread() throws Exception {
        try (LoopbackGroup group = LoopbackGroup.form(2, PATIENT)) {
            Collectives rank0 = group.ranks.get(0);
            Running<float[]> blocked =
                    group.startOn(0, c -> c.allReduceSum(new float[100])).awaitBlocked();
            rank0.close();
            assertMessageContains(blocked.failure(), "allReduceSum #1 failed", "rank 0 closed its end of the group");
            rank0.close();
            Throwable peer = assertThrows(
                    CollectiveException.class, () -> group.ranks.get(1).allReduceSum(new float[1]));
            assertMessageContains(peer, "rank 0 at " + hostPort(group.addresses.get(0)) + " aborted");
            group.ranks.get(1).close();
            group.ranks.get(1).close();
            assertTrue(
                    Thread.getAllStackTraces().keySet().stream()
                            .noneMatch(t -> t.getName().startsWith("oxbow-dist-")),
                    "a transport thread outlived close()");
        }
    }

    @Test
    void aConnectionThatDropsFailsTheCollectiveNamingThePeer() throws Exception {
        try (FakePeer fake = FakePeer.joinAsRank1()) {
            fake.channel.close();
            Throwable failure = assertThrows(CollectiveException.class, () -> fake.rank0.allReduceSum(new float[8]));
            assertMessageContains(
                    failure,
                    "allReduceSum #1 failed",
                    "rank 1 at " + hostPort(fake.address) + " closed the connection");
        }
    }

    @Test
    void aLostFrameIsDetected() throws Exception {
        try (FakePeer fake = FakePeer.joinAsRank1()) {
            // Rank 1's contribution to chunk 0 of collective #2, as if #1 had been lost.
            fake.send(FrameKind.REDUCE_SCATTER, 2, new float[4]);
            Throwable failure = assertThrows(CollectiveException.class, () -> fake.rank0.allReduceSum(new float[8]));
            assertMessageContains(
                    failure,
                    "sent allReduceSum (reduce-scatter) #2 while this rank is in "
                            + "allReduceSum (reduce-scatter) #1: a frame was lost or the ranks are out of step");
        }
    }

    /** Rank 0 of a group of two, with rank 1 a bare socket that the test drives frame by frame. */
    private record FakePeer(Collectives rank0, SocketChannel channel, InetSocketAddress address, MeshListener unused)
            implements AutoCloseable {
        static FakePeer joinAsRank1() throws Exception {
            MeshListener listener0 = MeshListener.bind(new InetSocketAddress("127.0.0.1", 0), PATIENT);
            // Bound only so that rank 1 has an address to be named by.
            MeshListener listener1 = MeshListener.bind(new InetSocketAddress("127.0.0.1", 0), PATIENT);
            List<InetSocketAddress> addresses = List.of(listener0.address(), listener1.address());
            Running<Collectives> rank0 = Running.start(
                    "rank-0", () -> listener0.connect(0, addresses, LoopbackGroup.GENERATION, LoopbackGroup.GROUP));
            SocketChannel channel = SocketChannel.open(listener0.address());
            new Handshake(LoopbackGroup.GROUP, LoopbackGroup.GENERATION, 2, 1, 0)
                    .write(channel.socket().getOutputStream());
            assertEquals(null, Handshake.readReply(channel.socket().getInputStream()));
            return new FakePeer(rank0.result().join(), channel, listener1.address(), listener1);
        }

        void send(FrameKind kind, long seq, float[] payload) throws IOException {
            ByteBuffer frame = ByteBuffer.allocate(PeerLink.HEADER_BYTES + payload.length * 4)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putInt(kind.code)
                    .putLong(seq)
                    .putInt(payload.length * 4);
            frame.asFloatBuffer().put(payload);
            frame.position(frame.limit()).flip();
            while (frame.hasRemaining()) {
                channel.write(frame);
            }
        }

        @Override
        public void close() throws IOException {
            rank0.close();
            channel.close();
            unused.close();
        }
    }

    static String hostPort(InetSocketAddress address) {
        return address.getHostString() + ":" + address.getPort();
    }

    static void assertMessageContains(Throwable failure, String... parts) {
        assertTrue(failure instanceof CollectiveException, () -> "not a CollectiveException: " + failure);
        for (String part : parts) {
            assertTrue(failure.getMessage().contains(part), () -> "'" + part + "' not in: " + failure.getMessage());
        }
    }
}

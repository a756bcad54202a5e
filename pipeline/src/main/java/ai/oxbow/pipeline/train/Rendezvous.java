package ai.oxbow.pipeline.train;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.operators.coordination.OperatorCoordinator;
import org.apache.flink.runtime.operators.coordination.OperatorEvent;

/**
 * Where the ranks of a trainer group find each other: an {@link OperatorCoordinator} on the
 * JobManager. Each rank listens on a port of its own and reports it ({@link Joined}); once every
 * rank of the current attempts has, the coordinator sends them all the addresses by rank with a
 * new generation id ({@link Formed}), and the ranks connect directly (model/dist): gradients and
 * projections never pass through the JobManager. A failed attempt's address is forgotten; its
 * replacement joins anew, and a connection from an older generation is refused by the ranks.
 *
 * <p>Flink's coordinator API is {@code @Internal}: this is pinned to Flink 2.2 and covered by the
 * job tests that run several trainers (PipelineIT) and by scripts/scale.sh.
 */
final class Rendezvous implements OperatorCoordinator {
    /** A rank's address for its peers. */
    record Joined(int rank, String host, int port) implements OperatorEvent {}

    /** Every rank's address by rank, and the generation that tells this group from earlier ones. */
    record Formed(long generation, List<InetSocketAddress> addresses) implements OperatorEvent {}

    private final Context context;
    private final Map<Integer, SubtaskGateway> gateways = new TreeMap<>();
    /** Each subtask's address, with the attempt that reported it. */
    private final Map<Integer, Map.Entry<Integer, InetSocketAddress>> joined = new TreeMap<>();
    /** The attempts the last group was formed of: a group is announced once. */
    private List<Integer> formedOf = List.of();
    /** Random start: a coordinator recreated after a JobManager failover never repeats a generation. */
    private long generation = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE / 2);

    private Rendezvous(Context context) {
        this.context = context;
    }

    @Override
    public void start() {}

    @Override
    public void close() {}

    @Override
    public void handleEventFromOperator(int subtask, int attemptNumber, OperatorEvent event) {
        if (!(event instanceof Joined j)) {
            throw new IllegalArgumentException("unexpected trainer event " + event);
        }
        joined.put(subtask, Map.entry(attemptNumber, new InetSocketAddress(j.host(), j.port())));
        formIfComplete();
    }

    @Override
    public void executionAttemptReady(int subtask, int attemptNumber, SubtaskGateway gateway) {
        gateways.put(subtask, gateway);
        formIfComplete();
    }

    /**
     * Once every subtask's current attempt (the one whose gateway is ready) has reported its
     * address, sends them all the addresses under a new generation. An address of an attempt
     * that has been replaced waits for its replacement's.
     */
    private void formIfComplete() {
        int n = context.currentParallelism();
        List<Integer> attempts = new ArrayList<>();
        List<InetSocketAddress> addresses = new ArrayList<>();
        for (int subtask = 0; subtask < n; subtask++) {
            SubtaskGateway gateway = gateways.get(subtask);
            Map.Entry<Integer, InetSocketAddress> address = joined.get(subtask);
            if (gateway == null || address == null || gateway.getExecution().getAttemptNumber() != address.getKey()) {
                return;
            }
            attempts.add(address.getKey());
            addresses.add(address.getValue());
        }
        if (attempts.equals(formedOf)) {
            return;
        }
        formedOf = attempts;
        generation++;
        Formed formed = new Formed(generation, addresses);
        for (int subtask = 0; subtask < n; subtask++) {
            gateways.get(subtask).sendEvent(formed);
        }
    }

    @Override
    public void executionAttemptFailed(int subtask, int attemptNumber, Throwable reason) {
        joined.remove(subtask);
        formedOf = List.of();
    }

    @Override
    public void subtaskReset(int subtask, long checkpointId) {
        joined.remove(subtask);
        formedOf = List.of();
    }

    @Override
    public void checkpointCoordinator(long checkpointId, CompletableFuture<byte[]> result) {
        // Addresses are of running attempts only: nothing to keep across a restore.
        result.complete(new byte[0]);
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {}

    @Override
    public void resetToCheckpoint(long checkpointId, byte[] checkpointData) {
        joined.clear();
        formedOf = List.of();
    }

    /** Creates the coordinator on the JobManager. */
    record Provider(OperatorID operatorId) implements OperatorCoordinator.Provider {
        @Override
        public OperatorID getOperatorId() {
            return operatorId;
        }

        @Override
        public OperatorCoordinator create(Context context) {
            return new Rendezvous(context);
        }
    }
}

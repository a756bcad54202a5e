package ai.oxbow.pipeline.train;

import ai.oxbow.model.dist.Collectives;
import ai.oxbow.model.dist.MeshListener;
import ai.oxbow.model.dist.TransportOptions;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.operators.coordination.OperatorEventGateway;

/**
 * A rank joining its trainer group: it listens first (its address goes to the {@link Rendezvous}),
 * then, once the coordinator has every rank's address, connects to the others (model/dist).
 */
final class GroupJoin implements AutoCloseable {
    /** How long a rank waits for the group to form before its task fails (and the job restarts). */
    static final long FORM_TIMEOUT_MS = 120_000;

    private final MeshListener listener;
    private final CompletableFuture<Rendezvous.Formed> formed = new CompletableFuture<>();
    private volatile long generation = -1;

    private GroupJoin(MeshListener listener) {
        this.listener = listener;
    }

    /**
     * Listens on {@code host} (the TaskManager's address), tells the coordinator where, and shows the
     * group's generation as a metric.
     */
    static GroupJoin listen(String host, int rank, OperatorEventGateway coordinator, MetricGroup metrics)
            throws IOException {
        GroupJoin join = new GroupJoin(MeshListener.bind(new InetSocketAddress(host, 0), TransportOptions.DEFAULTS));
        metrics.gauge("generation", join::generation);
        InetSocketAddress address = join.listener.address();
        coordinator.sendEventToCoordinator(new Rendezvous.Joined(rank, address.getHostString(), address.getPort()));
        return join;
    }

    /** On the task thread: the coordinator's answer. */
    void formed(Rendezvous.Formed group) {
        formed.complete(group);
    }

    /** On the training thread: waits for the group's addresses, then connects to every peer. */
    Collectives connect(int rank, String groupId) throws Exception {
        Rendezvous.Formed group;
        try {
            group = formed.get(FORM_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException("the trainer group did not form within " + FORM_TIMEOUT_MS / 1000
                    + " s: not every rank reported its address to the coordinator");
        }
        generation = group.generation();
        return listener.connect(rank, group.addresses(), group.generation(), groupId);
    }

    /** The group's generation (-1 before it formed). */
    long generation() {
        return generation;
    }

    @Override
    public void close() {
        formed.cancel(false);
        listener.close();
    }
}

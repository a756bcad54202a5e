package ai.oxbow.model.dist;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A group whose ranks all live in this process (threads of one benchmark or test), joined over
 * TCP on 127.0.0.1 exactly as ranks on separate machines are.
 */
public final class Loopback {
    private Loopback() {}

    /** The ranks' addresses and collectives, by rank. */
    public record Group(List<InetSocketAddress> addresses, List<Collectives> ranks) {}

    /** Forms a group of {@code size} ranks. */
    public static Group group(int size, long generation, String groupId, TransportOptions options) {
        List<MeshListener> listeners = new ArrayList<>();
        List<InetSocketAddress> addresses = new ArrayList<>();
        try {
            for (int rank = 0; rank < size; rank++) {
                MeshListener listener = MeshListener.bind(new InetSocketAddress("127.0.0.1", 0), options);
                listeners.add(listener);
                addresses.add(listener.address());
            }
        } catch (IOException e) {
            listeners.forEach(MeshListener::close);
            throw new UncheckedIOException(e);
        }
        // Each rank blocks in connect until its peers come: one thread per rank.
        List<CompletableFuture<Collectives>> joining = new ArrayList<>();
        for (int rank = 0; rank < size; rank++) {
            int r = rank;
            joining.add(CompletableFuture.supplyAsync(
                    () -> listeners.get(r).connect(r, addresses, generation, groupId),
                    runnable -> new Thread(runnable, "oxbow-dist-join-" + r).start()));
        }
        return new Group(
                List.copyOf(addresses),
                joining.stream().map(CompletableFuture::join).toList());
    }
}

package ai.oxbow.model.dist;

import java.io.Closeable;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The two phases of joining a group: {@link #bind} a server socket, so that a rank can publish its address before it
 * knows the others', then {@link #connect} to them all. Rank i connects to every lower rank and accepts every higher
 * one; a connection of another group or generation (a leftover of an earlier attempt) is refused and closed, and the
 * listener waits on for the right peer until the timeout.
 */
public final class MeshListener implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MeshListener.class);
    // A lower rank not listening yet is retried at this pace until the timeout.
    private static final long RETRY_MILLIS = 50;

    private final ServerSocketChannel server;
    private final InetSocketAddress address;
    private final TransportOptions options;
    /** Sockets of the group being formed, so that {@link #close()} wakes a {@link #connect} blocked on one. */
    private final Set<SocketChannel> forming = new HashSet<>();

    private boolean closed;

    private MeshListener(ServerSocketChannel server, TransportOptions options) throws IOException {
        this.server = server;
        this.address = (InetSocketAddress) server.getLocalAddress();
        this.options = options;
    }

    /** Listens on {@code local} (port 0: any free port); bind to the host the peers can reach. */
    public static MeshListener bind(InetSocketAddress local, TransportOptions options) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open();
        try {
            // Accepted sockets inherit it, and only a buffer set before the handshake lets TCP scale its window.
            server.setOption(StandardSocketOptions.SO_RCVBUF, options.socketBufferBytes());
            server.bind(local);
            return new MeshListener(server, options);
        } catch (IOException e) {
            server.close();
            throw e;
        }
    }

    /** The bound address, to publish to the peers. */
    public InetSocketAddress address() {
        return address;
    }

    /**
     * Forms the group of {@code peersByRank.size()} ranks, this one being {@code rank} (its own entry is not dialled),
     * and closes the listener: it serves one group. Size 1 opens no connection. Throws a {@link CollectiveException}
     * naming the peer when a peer refuses, does not answer, or does not connect within the timeout.
     */
    public Collectives connect(int rank, List<InetSocketAddress> peersByRank, long generation, String groupId) {
        int size = peersByRank.size();
        if (rank < 0 || rank >= size) {
            throw new IllegalArgumentException("rank " + rank + " is not in a group of " + size);
        }
        if (closed()) {
            throw new IllegalStateException("the listener is closed: connect() was called already, or close()");
        }
        if (size == 1) {
            close();
            return new SingleRankCollectives(generation);
        }
        String who = TcpCollectives.who(rank, size, generation, groupId);
        long deadline = System.nanoTime() + options.timeout().toNanos();
        SocketChannel[] channels = new SocketChannel[size];
        try {
            for (int peer = 0; peer < rank; peer++) {
                Handshake hello = new Handshake(groupId, generation, size, rank, peer);
                channels[peer] = dial(peer, peersByRank.get(peer), hello, deadline, who);
            }
            acceptHigher(rank, peersByRank, channels, generation, groupId, deadline, who);
            synchronized (forming) {
                if (closed) {
                    throw new CollectiveException(who + ": the listener was closed while the group formed");
                }
                // The group owns them now: closing the listener below must not touch them.
                forming.clear();
            }
            return new TcpCollectives(rank, peersByRank, generation, groupId, channels, options);
        } catch (IOException e) {
            throw new CollectiveException(
                    who
                            + (closed()
                                    ? ": the listener was closed while the group formed"
                                    : ": could not form the group (" + e + ")"),
                    e);
        } finally {
            close();
        }
    }

    /** Stops listening and wakes a {@link #connect} in progress; a group already formed is not affected. */
    @Override
    public void close() {
        synchronized (forming) {
            closed = true;
            forming.forEach(MeshListener::closeQuietly);
            forming.clear();
        }
        closeQuietly(server);
    }

    private SocketChannel dial(int peer, InetSocketAddress to, Handshake hello, long deadline, String who)
            throws IOException {
        String peerName = PeerLink.name(peer, to);
        while (true) {
            SocketChannel channel = open(SocketChannel.open());
            try {
                channel.socket().connect(to, remainingMillis(deadline));
                channel.socket().setSoTimeout(remainingMillis(deadline));
                hello.write(channel.socket().getOutputStream());
                String refusal = Handshake.readReply(channel.socket().getInputStream());
                if (refusal != null) {
                    throw new CollectiveException(who + ": " + peerName + " refused the connection: " + refusal);
                }
                channel.socket().setSoTimeout(0);
                return channel;
            } catch (ConnectException e) {
                forget(channel);
                if (deadline - System.nanoTime() <= TimeUnit.MILLISECONDS.toNanos(RETRY_MILLIS) || closed()) {
                    throw new CollectiveException(
                            who + ": " + peerName + " accepted no connection within "
                                    + options.timeout().toMillis() + " ms (" + e.getMessage() + ")",
                            e);
                }
                sleep(RETRY_MILLIS, who);
            } catch (SocketTimeoutException e) {
                throw new CollectiveException(
                        who + ": " + peerName + " did not answer within "
                                + options.timeout().toMillis() + " ms",
                        e);
            }
        }
    }

    private void acceptHigher(
            int rank,
            List<InetSocketAddress> peersByRank,
            SocketChannel[] channels,
            long generation,
            String groupId,
            long deadline,
            String who)
            throws IOException {
        int size = peersByRank.size();
        List<String> refused = new ArrayList<>();
        for (int missing = size - rank - 1; missing > 0; ) {
            SocketChannel channel;
            try {
                server.socket().setSoTimeout(remainingMillis(deadline));
                channel = open(server.socket().accept().getChannel());
            } catch (SocketTimeoutException e) {
                throw notConnected(rank, peersByRank, channels, refused, who);
            }
            String from = channel.getRemoteAddress().toString();
            Handshake hello = null;
            String refusal;
            try {
                channel.socket().setSoTimeout(remainingMillis(deadline));
                hello = Handshake.read(channel.socket().getInputStream());
                refusal = hello.refusalBy(groupId, generation, size, rank);
                if (refusal == null && (hello.fromRank() <= rank || hello.fromRank() >= size)) {
                    refusal = "rank " + hello.fromRank() + " must not connect to rank " + rank
                            + ": higher ranks connect to lower ones";
                } else if (refusal == null && channels[hello.fromRank()] != null) {
                    refusal = "rank " + hello.fromRank() + " is connected already";
                }
                Handshake.reply(channel.socket().getOutputStream(), refusal);
            } catch (IOException e) {
                if (closed()) {
                    throw e;
                }
                refusal = "no valid handshake (" + e + ")";
            }
            if (refusal != null) {
                String claim = hello == null ? from : from + " as rank " + hello.fromRank();
                LOG.warn("{} refused the connection from {}: {}", who, claim, refusal);
                refused.add(claim + ": " + refusal);
                forget(channel);
                continue;
            }
            channel.socket().setSoTimeout(0);
            channels[hello.fromRank()] = channel;
            missing--;
        }
    }

    private CollectiveException notConnected(
            int rank, List<InetSocketAddress> peersByRank, SocketChannel[] channels, List<String> refused, String who) {
        List<String> absent = new ArrayList<>();
        for (int peer = rank + 1; peer < channels.length; peer++) {
            if (channels[peer] == null) {
                absent.add(PeerLink.name(peer, peersByRank.get(peer)));
            }
        }
        return new CollectiveException(who + ": " + String.join(", ", absent) + " did not connect within "
                + options.timeout().toMillis() + " ms"
                + (refused.isEmpty() ? "" : "; refused meanwhile: " + String.join("; ", refused)));
    }

    /** Tunes a new socket and tracks it until the group forms. */
    private SocketChannel open(SocketChannel channel) throws IOException {
        synchronized (forming) {
            if (closed) {
                closeQuietly(channel);
                throw new IOException("the listener is closed");
            }
            forming.add(channel);
        }
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        channel.setOption(StandardSocketOptions.SO_SNDBUF, options.socketBufferBytes());
        channel.setOption(StandardSocketOptions.SO_RCVBUF, options.socketBufferBytes());
        return channel;
    }

    private void forget(SocketChannel channel) {
        synchronized (forming) {
            forming.remove(channel);
        }
        closeQuietly(channel);
    }

    private boolean closed() {
        synchronized (forming) {
            return closed;
        }
    }

    private static int remainingMillis(long deadline) throws SocketTimeoutException {
        long millis = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (millis <= 0) {
            throw new SocketTimeoutException("deadline passed");
        }
        return (int) Math.min(millis, Integer.MAX_VALUE);
    }

    private static void sleep(long millis, String who) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CollectiveException(who + ": interrupted while forming the group", e);
        }
    }

    private static void closeQuietly(Closeable closeable) {
        try {
            closeable.close();
        } catch (IOException e) {
            // Best effort: the socket is unusable either way.
        }
    }
}

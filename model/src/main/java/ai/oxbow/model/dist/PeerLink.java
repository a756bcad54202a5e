package ai.oxbow.model.dist;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingDeque;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One rank's connection to one peer. A writer thread sends queued frames while a reader thread queues arriving
 * ones, so both directions flow at once: two ranks sending each other 50 MB never wait on each other's reads, and a
 * peer that goes away is noticed at once, in a collective or between them.
 *
 * <p>A frame is a 16-byte little-endian header (int kind, long sequence number, int payload length) and the payload.
 */
final class PeerLink {
    /** How the link's threads report the peer's failure to the group. */
    interface Listener {
        void peerFailed(PeerLink link, String what, Throwable cause);
    }

    /** A frame queued for sending; {@code sent} completes once the socket has taken all of it. */
    record Outgoing(PeerLink to, FrameKind kind, ByteBuffer header, ByteBuffer payload, CompletableFuture<Void> sent) {}

    static final int HEADER_BYTES = 16;
    // Each collective takes at most two frames from a peer before releasing the first: a third is slack.
    private static final int SPARE_BUFFERS = 3;
    // Long enough for a large frame in flight to finish and the abort to follow; short enough that a peer which
    // stopped reading cannot stall a task's shutdown.
    private static final long ABORT_GRACE_MILLIS = 2_000;

    final int rank;
    final InetSocketAddress address;
    private final SocketChannel channel;
    private final Listener listener;
    private final BlockingDeque<Outgoing> outbox = new LinkedBlockingDeque<>();
    private final BlockingQueue<Frame> inbox = new LinkedBlockingQueue<>();
    private final BlockingQueue<ByteBuffer> spare = new ArrayBlockingQueue<>(SPARE_BUFFERS);
    private final Thread reader;
    private final Thread writer;
    private volatile boolean stopping;

    PeerLink(int selfRank, int rank, InetSocketAddress address, SocketChannel channel, Listener listener) {
        this.rank = rank;
        this.address = address;
        this.channel = channel;
        this.listener = listener;
        reader = new Thread(this::readLoop, "oxbow-dist-" + selfRank + "-from-" + rank);
        writer = new Thread(this::writeLoop, "oxbow-dist-" + selfRank + "-to-" + rank);
        reader.setDaemon(true);
        writer.setDaemon(true);
    }

    void start() {
        reader.start();
        writer.start();
    }

    Outgoing send(FrameKind kind, long seq, ByteBuffer payload) {
        ByteBuffer header = header(kind, seq, payload.remaining());
        Outgoing out = new Outgoing(this, kind, header, payload, new CompletableFuture<>());
        outbox.add(out);
        return out;
    }

    /** The next frame from the peer, {@link Frame#POISON} once the group failed, or null after {@code nanos}. */
    Frame poll(long nanos) throws InterruptedException {
        return inbox.poll(nanos, TimeUnit.NANOSECONDS);
    }

    void recycle(ByteBuffer payload) {
        spare.offer(payload);
    }

    /**
     * The group failed: wakes its caller, and sends the peer {@code reason} after the frame in flight, unless
     * {@code hard} (the peer itself is at fault), which drops the connection at once.
     */
    void stop(String reason, boolean hard) {
        stopping = true;
        ByteBuffer why = StandardCharsets.UTF_8.encode(reason);
        outbox.addFirst(new Outgoing(this, FrameKind.ABORT, header(FrameKind.ABORT, -1, why.remaining()), why, null));
        inbox.add(Frame.POISON);
        if (hard) {
            closeChannel();
        }
    }

    /** After {@link #stop}: lets the abort go out, then closes the socket and waits for both threads to end. */
    void close() {
        boolean interrupted = false;
        try {
            writer.join(ABORT_GRACE_MILLIS);
        } catch (InterruptedException e) {
            interrupted = true;
        }
        closeChannel();
        // Both threads end as soon as the socket is closed.
        while (reader.isAlive() || writer.isAlive()) {
            try {
                reader.join();
                writer.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return name(rank, address);
    }

    /** How messages name a peer: "rank 2 at 10.0.0.7:41234". */
    static String name(int rank, InetSocketAddress address) {
        return "rank " + rank + " at " + address.getHostString() + ":" + address.getPort();
    }

    private static ByteBuffer header(FrameKind kind, long seq, int length) {
        return ByteBuffer.allocate(HEADER_BYTES)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putInt(kind.code)
                .putLong(seq)
                .putInt(length)
                .flip();
    }

    private void writeLoop() {
        try {
            while (true) {
                Outgoing out = outbox.take();
                ByteBuffer[] parts = {out.header(), out.payload()};
                while (out.payload().hasRemaining() || out.header().hasRemaining()) {
                    channel.write(parts);
                }
                if (out.kind() == FrameKind.ABORT) {
                    channel.shutdownOutput();
                    return;
                }
                out.sent().complete(null);
            }
        } catch (IOException e) {
            report("failed while this rank was sending to it (" + e + ")", e);
        } catch (InterruptedException e) {
            // Nothing interrupts this thread; if something does, the link is useless: end quietly.
            Thread.currentThread().interrupt();
        }
    }

    private void readLoop() {
        ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        try {
            while (true) {
                header.clear();
                if (!readFully(header)) {
                    report(
                            header.position() == 0
                                    ? "closed the connection"
                                    : "closed the connection in the middle of a frame",
                            null);
                    return;
                }
                FrameKind kind = FrameKind.of(header.getInt(0));
                long seq = header.getLong(4);
                int length = header.getInt(12);
                if (kind == null || length < 0) {
                    report("sent a corrupt frame header (kind " + header.getInt(0) + ", length " + length + ")", null);
                    return;
                }
                ByteBuffer payload = FloatBytes.reserve(spare.poll(), length);
                if (!readFully(payload)) {
                    report("closed the connection in the middle of a frame", null);
                    return;
                }
                payload.flip();
                if (kind == FrameKind.ABORT) {
                    report("aborted: " + StandardCharsets.UTF_8.decode(payload), null);
                    return;
                }
                inbox.add(new Frame(kind, seq, payload, this));
            }
        } catch (IOException e) {
            report("failed (" + e + ")", e);
        }
    }

    /** Fills {@code buffer}; false if the peer closed the connection first. */
    private boolean readFully(ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            if (channel.read(buffer) < 0) {
                return false;
            }
        }
        return true;
    }

    private void report(String what, Throwable cause) {
        // Once this rank stops the link, errors on it are the consequence, not news.
        if (!stopping && !(cause instanceof AsynchronousCloseException)) {
            listener.peerFailed(this, what, cause);
        }
    }

    private void closeChannel() {
        try {
            channel.close();
        } catch (IOException e) {
            // Closing is best effort: the socket is unusable either way.
        }
    }
}

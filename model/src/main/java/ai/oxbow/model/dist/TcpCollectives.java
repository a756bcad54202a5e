package ai.oxbow.model.dist;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;

/**
 * The collectives of a rank in a group of two or more, over a full mesh of TCP connections. No data goes through a
 * central process: an all-reduce is a reduce-scatter, where rank r sums chunk r, then an all-gather of the sums, so
 * each rank sends and receives 2(N-1)/N of the array.
 */
final class TcpCollectives implements Collectives, PeerLink.Listener {
    private final int rank;
    private final int size;
    private final long generation;
    private final String groupId;
    private final long timeoutNanos;
    private final PeerLink[] links;
    private final AtomicReference<CollectiveException> failure = new AtomicReference<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    /** This collective's frames in the outboxes: failing the group fails them, so no caller waits on a dead link. */
    private final Queue<PeerLink.Outgoing> pending = new ConcurrentLinkedQueue<>();

    private long sequence;
    private String current = "no collective yet";
    private long waitNanos;
    private ByteBuffer floatsOut;
    private float[] sum = new float[0];
    private float[] addend = new float[0];
    private volatile CollectiveTime last = CollectiveTime.ZERO;
    private volatile CollectiveTime total = CollectiveTime.ZERO;

    /** Takes over {@code channels} (by rank, null at {@code rank}), connected and past the handshake. */
    TcpCollectives(
            int rank,
            List<InetSocketAddress> peersByRank,
            long generation,
            String groupId,
            SocketChannel[] channels,
            TransportOptions options) {
        this.rank = rank;
        this.size = peersByRank.size();
        this.generation = generation;
        this.groupId = groupId;
        this.timeoutNanos = options.timeout().toNanos();
        links = new PeerLink[size];
        for (int peer = 0; peer < size; peer++) {
            if (peer != rank) {
                links[peer] = new PeerLink(rank, peer, peersByRank.get(peer), channels[peer], this);
            }
        }
        // Only once every link exists: a link's thread may fail the group, which stops them all.
        for (PeerLink link : links) {
            if (link != null) {
                link.start();
            }
        }
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public long generation() {
        return generation;
    }

    @Override
    public float[] allReduceSum(float[] local) {
        long start = begin("allReduceSum");
        floatsOut = FloatBytes.encode(local, floatsOut);
        reduce(floatsOut);
        float[] result = new float[local.length];
        floatsOut.asFloatBuffer().get(result);
        end(start);
        return result;
    }

    @Override
    public void allReduceSumInPlace(ByteBuffer data) {
        FloatBytes.requireWritableFloats(data);
        long start = begin("allReduceSum");
        reduce(data);
        end(start);
    }

    @Override
    public float[][] allGather(float[] local) {
        long start = begin("allGather");
        floatsOut = FloatBytes.encode(local, floatsOut);
        float[][] all = new float[size][];
        all[rank] = local;
        exchange(FrameKind.GATHER_FLOATS, floatsOut, (peer, payload) -> {
            all[peer] = new float[payload.remaining() / Float.BYTES];
            payload.asFloatBuffer().get(all[peer]);
        });
        end(start);
        return all;
    }

    @Override
    public byte[][] allGatherBytes(byte[] local) {
        long start = begin("allGatherBytes");
        byte[][] all = new byte[size][];
        all[rank] = local;
        exchange(FrameKind.GATHER_BYTES, ByteBuffer.wrap(local), (peer, payload) -> {
            all[peer] = new byte[payload.remaining()];
            payload.get(all[peer]);
        });
        end(start);
        return all;
    }

    @Override
    public CollectiveTime lastTime() {
        return last;
    }

    @Override
    public CollectiveTime totalTime() {
        return total;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        fail("rank " + rank + " closed its end of the group", null, null);
        for (PeerLink link : links) {
            if (link != null) {
                link.close();
            }
        }
    }

    @Override
    public void peerFailed(PeerLink link, String what, Throwable cause) {
        fail(link + " " + what, cause, link);
    }

    /** Sums {@code data}'s floats over ranks, in place. */
    private void reduce(ByteBuffer data) {
        int floats = data.remaining() / Float.BYTES;
        for (int peer = 0; peer < size; peer++) {
            if (peer != rank) {
                send(peer, FrameKind.REDUCE_SCATTER, chunk(data, floats, peer));
            }
        }
        int n = chunkLength(floats, rank);
        if (sum.length < n) {
            sum = new float[n];
            addend = new float[n];
        }
        // Rank order, starting from x0 itself (not 0 + x0, which would turn -0.0 into 0.0).
        for (int k = 0; k < size; k++) {
            float[] into = k == 0 ? sum : addend;
            if (k == rank) {
                chunk(data, floats, rank).asFloatBuffer().get(into, 0, n);
            } else {
                Frame frame = receive(k, FrameKind.REDUCE_SCATTER);
                try {
                    requireBytes(frame.payload(), k, n, floats, rank);
                    frame.payload().asFloatBuffer().get(into, 0, n);
                } finally {
                    frame.release();
                }
            }
            if (k > 0) {
                for (int i = 0; i < n; i++) {
                    sum[i] += addend[i];
                }
            }
        }
        // The chunks sent above are overwritten below: their frames must be out first.
        awaitSent();
        ByteBuffer mine = chunk(data, floats, rank);
        mine.asFloatBuffer().put(sum, 0, n);
        exchange(FrameKind.REDUCED_CHUNK, mine, (peer, payload) -> {
            requireBytes(payload, peer, chunkLength(floats, peer), floats, peer);
            chunk(data, floats, peer).put(payload);
        });
    }

    /** Sends {@code payload} to every peer and hands each peer's frame of {@code kind} to {@code take}. */
    private void exchange(FrameKind kind, ByteBuffer payload, BiConsumer<Integer, ByteBuffer> take) {
        for (int peer = 0; peer < size; peer++) {
            if (peer != rank) {
                send(peer, kind, payload.duplicate());
            }
        }
        for (int peer = 0; peer < size; peer++) {
            if (peer != rank) {
                Frame frame = receive(peer, kind);
                try {
                    take.accept(peer, frame.payload());
                } finally {
                    frame.release();
                }
            }
        }
        awaitSent();
    }

    /** Chunk {@code owner} of {@code floats}: the sizes differ by one at most, and some are empty when N > floats. */
    private ByteBuffer chunk(ByteBuffer data, int floats, int owner) {
        return FloatBytes.slice(data, chunkStart(floats, owner), chunkLength(floats, owner));
    }

    private int chunkStart(int floats, int owner) {
        return (int) ((long) floats * owner / size);
    }

    private int chunkLength(int floats, int owner) {
        return chunkStart(floats, owner + 1) - chunkStart(floats, owner);
    }

    private void requireBytes(ByteBuffer payload, int peer, int chunkFloats, int floats, int chunkOwner) {
        if (payload.remaining() != chunkFloats * Float.BYTES) {
            throw failCurrent(
                    links[peer] + " sent " + payload.remaining() + " bytes for chunk " + chunkOwner
                            + " where this rank, with " + floats + " floats, expects " + chunkFloats * Float.BYTES
                            + ": the ranks passed arrays of different lengths",
                    null);
        }
    }

    private long begin(String collective) {
        sequence++;
        current = collective + " #" + sequence;
        if (failure.get() != null) {
            throw failedCurrent();
        }
        pending.clear();
        waitNanos = 0;
        return System.nanoTime();
    }

    private void end(long start) {
        last = new CollectiveTime(1, System.nanoTime() - start, waitNanos);
        total = total.plus(last);
    }

    private void send(int peer, FrameKind kind, ByteBuffer payload) {
        PeerLink.Outgoing out = links[peer].send(kind, sequence, payload);
        pending.add(out);
        // Failing the group fails what is pending then; this catches a frame queued after that.
        CollectiveException root = failure.get();
        if (root != null) {
            out.sent().completeExceptionally(root);
        }
    }

    private void awaitSent() {
        for (PeerLink.Outgoing out : pending) {
            long start = System.nanoTime();
            try {
                out.sent().get(timeoutNanos, TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                throw failCurrent(out.to() + " took in nothing for " + timeoutMillis() + " ms in " + current, out.to());
            } catch (ExecutionException e) {
                throw failedCurrent();
            } catch (InterruptedException e) {
                throw interrupted();
            } finally {
                waitNanos += System.nanoTime() - start;
            }
        }
        pending.clear();
    }

    /** The next frame from {@code peer}, which must be of {@code kind} and this collective. */
    private Frame receive(int peer, FrameKind kind) {
        PeerLink link = links[peer];
        long start = System.nanoTime();
        Frame frame;
        try {
            frame = link.poll(timeoutNanos);
        } catch (InterruptedException e) {
            throw interrupted();
        } finally {
            waitNanos += System.nanoTime() - start;
        }
        if (frame == null) {
            throw failCurrent(link + " sent nothing for " + timeoutMillis() + " ms in " + current, link);
        }
        if (frame == Frame.POISON) {
            throw failedCurrent();
        }
        if (frame.kind() != kind || frame.seq() != sequence) {
            frame.release();
            String why = frame.seq() != sequence && frame.kind() == kind
                    ? "a frame was lost or the ranks are out of step"
                    : "every rank must call the same collectives in the same order";
            throw failCurrent(
                    link + " sent " + frame.kind().label + " #" + frame.seq() + " while this rank is in " + kind.label
                            + " #" + sequence + ": " + why,
                    null);
        }
        return frame;
    }

    /** How messages name this rank: "rank 0 of 3 (generation 5, group 'job/op')". */
    static String who(int rank, int size, long generation, String groupId) {
        return "rank " + rank + " of " + size + " (generation " + generation + ", group '" + groupId + "')";
    }

    private long timeoutMillis() {
        return TimeUnit.NANOSECONDS.toMillis(timeoutNanos);
    }

    private CollectiveException interrupted() {
        Thread.currentThread().interrupt();
        return failCurrent("rank " + rank + " was interrupted in " + current, null);
    }

    private CollectiveException failCurrent(String why, PeerLink culprit) {
        fail(why, null, culprit);
        return failedCurrent();
    }

    /** The exception for the collective in progress, which failed because the group did. */
    private CollectiveException failedCurrent() {
        CollectiveException root = failure.get();
        return new CollectiveException(
                who(rank, size, generation, groupId) + ": " + current + " failed: " + root.getMessage(), root);
    }

    /**
     * The first failure wins and is final: every link stops (the {@code culprit}'s at once, the others after telling
     * their peer why, so that the peer names the rank at fault rather than this one), waking whatever waits on them.
     */
    private void fail(String why, Throwable cause, PeerLink culprit) {
        CollectiveException root = new CollectiveException(why, cause);
        if (!failure.compareAndSet(null, root)) {
            return;
        }
        for (PeerLink link : links) {
            if (link != null) {
                link.stop(why, link == culprit);
            }
        }
        for (PeerLink.Outgoing out : pending) {
            out.sent().completeExceptionally(root);
        }
    }
}

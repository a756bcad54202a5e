package ai.oxbow.model.dist;

/**
 * Time the calling thread spent in {@code calls} collectives: {@code nanos} in all, of which {@code waitNanos}
 * blocked on the network (a peer's data not there yet, or not yet taken by the peer); the rest, {@link #workNanos()},
 * went to copying and summing.
 */
public record CollectiveTime(long calls, long nanos, long waitNanos) {
    public static final CollectiveTime ZERO = new CollectiveTime(0, 0, 0);

    public long workNanos() {
        return nanos - waitNanos;
    }

    CollectiveTime plus(CollectiveTime other) {
        return new CollectiveTime(calls + other.calls, nanos + other.nanos, waitNanos + other.waitNanos);
    }
}

package ai.oxbow.model.dist;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import java.util.function.Supplier;

/** A group of ranks on 127.0.0.1 in this JVM, each rank's calls on a thread of its own, as in a real job. */
final class LoopbackGroup implements AutoCloseable {
    static final long GENERATION = 7;
    static final String GROUP = "job-1/trainer";

    final List<InetSocketAddress> addresses;
    final List<Collectives> ranks;

    private LoopbackGroup(List<InetSocketAddress> addresses, List<Collectives> ranks) {
        this.addresses = addresses;
        this.ranks = ranks;
    }

    static LoopbackGroup form(int size, TransportOptions options) {
        Loopback.Group group = Loopback.group(size, GENERATION, GROUP, options);
        return new LoopbackGroup(group.addresses(), group.ranks());
    }

    /** Starts {@code task} on every rank, each on a thread of its own. */
    <T> List<Running<T>> start(Function<Collectives, T> task) {
        return onThreads(ranks.size(), rank -> task.apply(ranks.get(rank)));
    }

    /** Runs {@code task} on every rank and returns the results by rank. */
    <T> List<T> onEveryRank(Function<Collectives, T> task) {
        return join(start(task));
    }

    /** Starts {@code task} on rank {@code rank} alone. */
    <T> Running<T> startOn(int rank, Function<Collectives, T> task) {
        return Running.start("rank-" + rank, () -> task.apply(ranks.get(rank)));
    }

    @Override
    public void close() {
        ranks.forEach(Collectives::close);
    }

    private static <T> List<Running<T>> onThreads(int size, Function<Integer, T> task) {
        List<Running<T>> running = new ArrayList<>();
        for (int rank = 0; rank < size; rank++) {
            int r = rank;
            running.add(Running.start("rank-" + rank, () -> task.apply(r)));
        }
        return running;
    }

    private static <T> List<T> join(List<Running<T>> running) {
        List<T> results = new ArrayList<>();
        for (Running<T> r : running) {
            results.add(r.result().join());
        }
        return results;
    }

    /** A call in progress on a thread of its own. */
    record Running<T>(Thread thread, CompletableFuture<T> result) {
        static <T> Running<T> start(String name, Supplier<T> call) {
            CompletableFuture<T> result = new CompletableFuture<>();
            Thread thread = new Thread(
                    () -> {
                        try {
                            result.complete(call.get());
                        } catch (Throwable t) {
                            result.completeExceptionally(t);
                        }
                    },
                    name);
            thread.start();
            return new Running<>(thread, result);
        }

        /**
         * Waits until the call blocks on the network: parked on a queue of frames (nothing else in a collective
         * waits), or in a native socket call (accepting a connection).
         */
        Running<T> awaitBlocked() throws InterruptedException {
            while (!result.isDone() && !parkedOrInNativeCode()) {
                Thread.sleep(1);
            }
            return this;
        }

        private boolean parkedOrInNativeCode() {
            if (thread.getState() == Thread.State.TIMED_WAITING) {
                return true;
            }
            StackTraceElement[] stack = thread.getStackTrace();
            return stack.length > 0 && stack[0].isNativeMethod();
        }

        /** The exception the call failed with; fails the test if it returned. */
        Throwable failure() {
            try {
                result.join();
            } catch (CompletionException e) {
                return e.getCause();
            }
            throw new AssertionError(thread.getName() + " returned instead of failing");
        }
    }
}

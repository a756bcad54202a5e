package ai.oxbow.pipeline.serve;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The server's executor, bounded: {@link Limits#threads} threads run requests and
 * {@link Limits#queued} wait. A request past that runs on one thread of its own that only answers
 * 503 ({@link #refusing}): the JDK server hands over a connection before reading its request, so the
 * answer needs a thread, but that one does nothing else. When even its queue is full the JDK
 * server closes the connection.
 */
final class RequestPool implements Executor {
    private final ThreadPoolExecutor workers;
    private final ThreadPoolExecutor refusers;
    private final ThreadLocal<Boolean> refusing = ThreadLocal.withInitial(() -> false);

    RequestPool(Limits limits) {
        BlockingQueue<Runnable> waiting =
                limits.queued() == 0 ? new SynchronousQueue<>() : new ArrayBlockingQueue<>(limits.queued());
        workers = new ThreadPoolExecutor(
                limits.threads(), limits.threads(), 0, TimeUnit.SECONDS, waiting, named("oxbow-serve"));
        refusers = new ThreadPoolExecutor(
                1,
                1,
                0,
                TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(Math.max(1, limits.queued())),
                named("oxbow-serve-busy"));
    }

    @Override
    public void execute(Runnable exchange) {
        try {
            workers.execute(exchange);
        } catch (RejectedExecutionException busy) {
            refusers.execute(() -> {
                refusing.set(true);
                exchange.run();
            });
        }
    }

    /** The current request is past the limits: answer 503 and nothing else. */
    boolean refusing() {
        return refusing.get();
    }

    void shutdownNow() {
        workers.shutdownNow();
        refusers.shutdownNow();
    }

    private static ThreadFactory named(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> new Thread(r, prefix + "-" + n.incrementAndGet());
    }
}

package ai.oxbow.pipeline.bench;

import ai.oxbow.model.dist.Collectives;
import ai.oxbow.model.dist.Loopback;
import ai.oxbow.model.dist.TransportOptions;
import ai.oxbow.model.train.SslTrainer;
import ai.oxbow.model.train.TrainerConfig;
import ai.oxbow.model.train.ViewBatch;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * `bench train --trainer-parallelism N`: the trainer as N synchronous data-parallel ranks, threads of
 * this process joined over TCP on 127.0.0.1 as ranks on separate hosts are, each training its
 * B / N images of the same batches. Scaling efficiency is the N ranks' images/s over N times one
 * trainer's; the communication share is the part of a step's wall time the ranks spent exchanging
 * (gathers of batch-coupled projections, the gradient sum, the running statistics).
 */
final class DataParallelBench {
    private DataParallelBench() {}

    /** @param oneRank images/s of one trainer on the whole batch, measured alike */
    static Map<String, Object> oxbow(
            TrainerConfig config, ViewBatch[] views, int ranks, int steps, int warmup, double oneRank) {
        List<Collectives> group = Loopback.group(ranks, 1, "bench-train", TransportOptions.DEFAULTS)
                .ranks();
        List<SslTrainer> trainers = new ArrayList<>();
        try {
            for (int r = 0; r < ranks; r++) {
                SslTrainer t = new SslTrainer(config);
                t.distribute(group.get(r));
                trainers.add(t);
            }
            List<CompletableFuture<long[]>> running = new ArrayList<>();
            for (int r = 0; r < ranks; r++) {
                int rank = r;
                running.add(CompletableFuture.supplyAsync(
                        () -> train(trainers.get(rank), group.get(rank), views, rank, ranks, steps, warmup),
                        task -> new Thread(task, "bench-rank-" + rank).start()));
            }
            double wall = 0;
            double exchange = 0;
            double waiting = 0;
            for (CompletableFuture<long[]> r : running) {
                long[] nanos = r.join();
                wall = Math.max(wall, nanos[0]);
                exchange += (double) nanos[1] / nanos[0] / ranks;
                waiting += (double) nanos[2] / nanos[0] / ranks;
            }
            Map<String, Object> out = figures("", ranks, oneRank, steps * views[0].images() / (wall / 1e9), exchange);
            // The part of comm_share blocked on a peer: its data still in flight, or the peer still computing.
            out.put("comm_wait_share", waiting);
            return out;
        } finally {
            trainers.forEach(SslTrainer::close);
            group.forEach(Collectives::close);
        }
    }

    /** One rank's timed steps: {wall nanos, nanos spent exchanging, of which blocked on a peer}. */
    private static long[] train(
            SslTrainer trainer, Collectives link, ViewBatch[] views, int rank, int ranks, int steps, int warmup) {
        ViewBatch[] mine = new ViewBatch[views.length];
        for (int b = 0; b < views.length; b++) {
            mine[b] = views[b].share(rank, ranks);
        }
        for (int i = 0; i < warmup; i++) {
            trainer.train(mine[i % mine.length]);
        }
        trainer.parallel().takeExchangeNanos();
        long waitedBefore = link.totalTime().waitNanos();
        long start = System.nanoTime();
        for (int i = 0; i < steps; i++) {
            trainer.train(mine[i % mine.length]);
        }
        long wall = System.nanoTime() - start;
        return new long[] {
            wall, trainer.parallel().takeExchangeNanos(), link.totalTime().waitNanos() - waitedBefore
        };
    }

    /** The JSON keys of a scaling measurement, {@code prefix} naming the side. */
    static Map<String, Object> figures(String prefix, int ranks, double oneRank, double nRanks, double commShare) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put(prefix + "ranks", ranks);
        out.put(prefix + "images_per_s_1", oneRank);
        out.put(prefix + "images_per_s_n", nRanks);
        out.put(prefix + "scaling_efficiency", nRanks / (ranks * oneRank));
        out.put(prefix + "comm_share", commShare);
        return out;
    }
}

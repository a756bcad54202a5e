package ai.oxbow.model.train;

import ai.oxbow.model.dist.Collective;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Ranks as threads of one process exchanging through memory (development stand-in). */
final class MemoryCollective implements Collective {
    private final int rank;
    private final Shared shared;

    private static final class Shared {
        final CyclicBarrier barrier;
        final Object[] slots;

        Shared(int size) {
            barrier = new CyclicBarrier(size);
            slots = new Object[size];
        }
    }

    private MemoryCollective(int rank, Shared shared) {
        this.rank = rank;
        this.shared = shared;
    }

    static List<Collective> group(int size) {
        Shared shared = new Shared(size);
        List<Collective> out = new ArrayList<>();
        for (int r = 0; r < size; r++) {
            out.add(new MemoryCollective(r, shared));
        }
        return out;
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int size() {
        return shared.slots.length;
    }

    private Object[] exchange(Object local) {
        shared.slots[rank] = local;
        await();
        Object[] all = shared.slots.clone();
        await();
        return all;
    }

    private void await() {
        try {
            shared.barrier.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException | BrokenBarrierException | TimeoutException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public float[] allReduceSum(float[] local) {
        Object[] all = exchange(local);
        float[] sum = ((float[]) all[0]).clone();
        for (int r = 1; r < all.length; r++) {
            float[] x = (float[]) all[r];
            for (int i = 0; i < sum.length; i++) {
                sum[i] += x[i];
            }
        }
        return sum;
    }

    @Override
    public float[][] allGather(float[] local) {
        Object[] all = exchange(local);
        float[][] out = new float[all.length][];
        for (int r = 0; r < all.length; r++) {
            out[r] = ((float[]) all[r]).clone();
        }
        return out;
    }

    @Override
    public byte[][] allGatherBytes(byte[] local) {
        Object[] all = exchange(local);
        byte[][] out = new byte[all.length][];
        for (int r = 0; r < all.length; r++) {
            out[r] = ((byte[]) all[r]).clone();
        }
        return out;
    }

    @Override
    public void close() {}
}

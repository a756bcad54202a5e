package ai.oxbow.model.optim;

/**
 * Step-based schedules. A stream has no epochs, so every schedule is a function of the
 * optimiser step and a horizon H in steps (documented default: 10,000 steps); after H the
 * schedule holds its final value.
 */
public final class Schedules {
    private Schedules() {}

    /** Linear warm-up over {@code warmup} steps, then constant or cosine decay to 0 at {@code horizon}. */
    public static float learningRate(float base, long step, long warmup, long horizon, boolean cosine) {
        if (step < warmup) {
            return base * (step + 1) / warmup;
        }
        if (!cosine || horizon <= warmup) {
            return base;
        }
        double progress = Math.min(1.0, (double) (step - warmup) / (horizon - warmup));
        return (float) (base * 0.5 * (1 + Math.cos(Math.PI * progress)));
    }

    /** EMA momentum rising from {@code base} to {@code end} on a cosine (BYOL, eq. in Sec. 3.2). */
    public static float emaMomentum(float base, float end, long step, long horizon) {
        double progress = Math.min(1.0, (double) step / Math.max(1, horizon));
        return (float) (end - (end - base) * (Math.cos(Math.PI * progress) + 1) / 2);
    }
}

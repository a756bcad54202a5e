package ai.oxbow.pipeline.train;

import ai.oxbow.model.train.EncoderSnapshot;
import ai.oxbow.model.train.SslTrainer;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * When the trainer publishes a new encoder version: every K steps or T ms since the last one
 * (whichever is set and comes first), and never while the collapse alarm holds it.
 */
final class PublishPolicy {
    private final long everySteps;
    private final long everyMs;
    private final boolean holdOnCollapse;
    private final BooleanSupplier collapsed;
    private long lastPublishMs;

    /** @param collapsed whether the collapse alarm is on */
    PublishPolicy(TrainerOptions options, BooleanSupplier collapsed, long nowMs) {
        this.everySteps = options.publishEverySteps();
        this.everyMs = options.publishEveryMs();
        this.holdOnCollapse = options.holdOnCollapse();
        this.collapsed = collapsed;
        this.lastPublishMs = nowMs;
    }

    /** After a step (holding the learner's lock): publishes a version if one is due and not held. */
    void afterStep(SslTrainer trainer, long nowMs, Consumer<EncoderSnapshot> out) {
        if (wanted(trainer, nowMs)) {
            publish(trainer, nowMs, out);
        }
    }

    /** Whether a version is due now and not held. */
    boolean wanted(SslTrainer trainer, long nowMs) {
        return due(trainer.steps() - trainer.publishedStep(), nowMs) && !held();
    }

    /**
     * Publishes the trainer's current encoder: every rank of a group does, at the same step, so
     * that their trainers stay the same; {@code out} (rank 0's emits it) receives the version.
     */
    void publish(SslTrainer trainer, long nowMs, Consumer<EncoderSnapshot> out) {
        trainer.publish();
        lastPublishMs = nowMs;
        out.accept(trainer.publishedSnapshot());
    }

    /** At the end of a bounded stream: the final version, unless held. */
    void atEnd(SslTrainer trainer, Consumer<EncoderSnapshot> out) {
        if (!held()) {
            trainer.publish();
            out.accept(trainer.publishedSnapshot());
        }
    }

    /** Whether a version is due, {@code sincePublished} steps after the last one. */
    boolean due(long sincePublished, long nowMs) {
        return sincePublished > 0
                && ((everySteps > 0 && sincePublished >= everySteps)
                        || (everyMs > 0 && nowMs - lastPublishMs >= everyMs));
    }

    private boolean held() {
        return holdOnCollapse && collapsed.getAsBoolean();
    }
}

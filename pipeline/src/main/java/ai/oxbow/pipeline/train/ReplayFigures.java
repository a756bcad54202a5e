package ai.oxbow.pipeline.train;

import ai.oxbow.model.replay.StreamLearner;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/** The replay buffer's figures by metric name: Flink gauges while running, the summary at the end. */
final class ReplayFigures {
    private ReplayFigures() {}

    static Map<String, Supplier<Number>> of(StreamLearner learner) {
        Map<String, Supplier<Number>> m = new LinkedHashMap<>();
        m.put("replay_offered", learner::offered);
        m.put("replay_admitted", learner::admitted);
        m.put("replay_evicted", learner::evicted);
        m.put("replay_rejected", learner::rejected);
        m.put("replay_replayed", learner::replayed);
        m.put("replay_size", learner::bufferSize);
        m.put("replay_mean_uses", learner::meanUses);
        m.put("replay_pending_steps", learner::pendingSteps);
        m.put("replay_forgone_steps", learner::forgoneSteps);
        m.put("view_wait_ms", learner::viewWaitMs);
        return m;
    }
}

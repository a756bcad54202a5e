package ai.oxbow.pipeline.train;

import ai.oxbow.model.dist.Collectives;
import ai.oxbow.model.replay.StreamLearner;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
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

    /** The figures now. */
    static Map<String, Number> values(StreamLearner learner) {
        Map<String, Number> out = new LinkedHashMap<>();
        of(learner).forEach((name, value) -> out.put(name, value.get()));
        return out;
    }

    /** Figures that are a mean over the ranks of a group; the others add up. */
    private static final Set<String> MEANS = Set.of("replay_mean_uses", "view_wait_ms");

    /** The group's figures: every rank's, added up (means averaged), in one exchange. */
    static Map<String, Number> ofGroup(Collectives group, StreamLearner learner) {
        Map<String, Supplier<Number>> mine = of(learner);
        ByteBuffer values = ByteBuffer.allocate(8 * mine.size());
        mine.values().forEach(v -> values.putDouble(v.get().doubleValue()));
        double[] sum = new double[mine.size()];
        for (byte[] rank : group.allGatherBytes(values.array())) {
            ByteBuffer b = ByteBuffer.wrap(rank);
            for (int k = 0; k < sum.length; k++) {
                sum[k] += b.getDouble();
            }
        }
        int i = 0;
        Map<String, Number> out = new LinkedHashMap<>();
        for (String name : mine.keySet()) {
            out.put(name, MEANS.contains(name) ? sum[i] / group.size() : (Number) Math.round(sum[i]));
            i++;
        }
        return out;
    }
}

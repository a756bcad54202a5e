package ai.oxbow.pipeline.train;

import ai.oxbow.pipeline.ops.ModelImage;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.operators.coordination.OperatorCoordinator;
import org.apache.flink.runtime.operators.coordination.OperatorEventDispatcher;
import org.apache.flink.streaming.api.operators.CoordinatedOperatorFactory;
import org.apache.flink.streaming.api.operators.OneInputStreamOperatorFactory;
import org.apache.flink.streaming.api.operators.SimpleOperatorFactory;
import org.apache.flink.streaming.api.operators.StreamOperator;
import org.apache.flink.streaming.api.operators.StreamOperatorParameters;

/** The trainer with its {@link Rendezvous} coordinator, through which the ranks of a group meet. */
public final class TrainerOperatorFactory extends SimpleOperatorFactory<byte[]>
        implements CoordinatedOperatorFactory<byte[]>, OneInputStreamOperatorFactory<ModelImage, byte[]> {

    public TrainerOperatorFactory(TrainerOperator trainer) {
        super(trainer);
    }

    @Override
    public <T extends StreamOperator<byte[]>> T createStreamOperator(StreamOperatorParameters<byte[]> parameters) {
        T operator = super.createStreamOperator(parameters);
        OperatorID id = parameters.getStreamConfig().getOperatorID();
        OperatorEventDispatcher events = parameters.getOperatorEventDispatcher();
        TrainerOperator trainer = (TrainerOperator) operator;
        trainer.joinVia(events.getOperatorEventGateway(id));
        events.registerEventHandler(id, trainer);
        return operator;
    }

    @Override
    public OperatorCoordinator.Provider getCoordinatorProvider(String operatorName, OperatorID operatorID) {
        return new Rendezvous.Provider(operatorID);
    }
}

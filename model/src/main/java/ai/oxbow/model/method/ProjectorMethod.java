package ai.oxbow.model.method;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.oxbow.model.nn.Network;
import java.util.List;

/**
 * The shape shared by the methods with one network and nothing else: the backbone and a
 * projector, no target, no buffer; the loss compares the views' projections (SimCLR, Barlow
 * Twins, VICReg, EMP-SSL). Each subclass declares its projector and its loss.
 */
abstract class ProjectorMethod extends SslMethod {
    private final Network projector;

    protected ProjectorMethod(String name, MethodSetup setup, ViewForward paperForward, Block projector) {
        super(name, setup, paperForward);
        this.projector = setup.head("projector", projector, setup.featureDim());
    }

    @Override
    public final List<Network> online() {
        return List.of(backbone, projector);
    }

    @Override
    public final NDArray loss(Views views, long step) {
        List<NDArray> z = project(projector, views.all());
        keepProjection(z.get(0));
        return loss(gather(z), views.globals());
    }

    /** The loss of the projections (N, D) of every view, the {@code globals} global ones first. */
    protected abstract NDArray loss(List<NDArray> projections, int globals);
}

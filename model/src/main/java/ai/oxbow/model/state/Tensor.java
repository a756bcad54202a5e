package ai.oxbow.model.state;

/** A named float tensor, row-major, as an encoder snapshot holds it. */
public record Tensor(String name, long[] shape, float[] data) {}
